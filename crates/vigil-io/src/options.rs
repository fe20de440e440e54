//! Options shared by every reader.

/// How a reader builds alerts.
///
/// ```
/// use vigil_io::ReadOptions;
/// let o = ReadOptions::new().keep_raw(false).network("fox");
/// assert!(!o.keeps_raw());
/// ```
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub(crate) keep_raw: bool,
    pub(crate) network: Option<String>,
    pub(crate) source_name: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            keep_raw: true,
            network: None,
            source_name: None,
        }
    }
}

impl ReadOptions {
    /// The defaults: keep raw fields, network and source name taken from the file name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether each alert keeps every source field in [`vigil_core::Alert::raw`] (default
    /// true). Turning it off saves allocations where the modelled fields are enough: every
    /// AIT-ADS column is also a modelled field, so AIT-ADS loses nothing.
    pub fn keep_raw(mut self, keep: bool) -> Self {
        self.keep_raw = keep;
        self
    }

    /// The AIT-ADS network (scenario) name used as tenant and id prefix; by default the file
    /// name before `_alerts` (`fox_alerts.csv.gz` → `fox`).
    pub fn network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self
    }

    /// The name used in [`vigil_core::RecordError::source_name`]; by default the path.
    pub fn source_name(mut self, name: impl Into<String>) -> Self {
        self.source_name = Some(name.into());
        self
    }

    /// True when raw fields are kept.
    pub fn keeps_raw(&self) -> bool {
        self.keep_raw
    }
}

//! The one entry point: a format, a source, and a counting stream of records.

use std::io::Read;
use std::path::Path;

use vigil_core::{Alert, ReadStats, RecordError};

use crate::{Format, IoError, ReadOptions};

/// The item every reader yields: an alert, or the error that replaced one record.
pub type RecordResult = Result<Alert, RecordError>;

/// A stream of records from one source that keeps [`ReadStats`] as it is consumed.
///
/// Every item counts once: `read == accepted + rejected` holds at every point.
pub struct Records {
    inner: Box<dyn Iterator<Item = RecordResult> + Send>,
    stats: ReadStats,
    source_name: String,
}

impl Records {
    /// Wraps any record iterator so that it is counted.
    pub fn new(
        source_name: impl Into<String>,
        inner: impl Iterator<Item = RecordResult> + Send + 'static,
    ) -> Self {
        Self {
            inner: Box::new(inner),
            stats: ReadStats::default(),
            source_name: source_name.into(),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// The source's name as used in record errors.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("source_name", &self.source_name)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Iterator for Records {
    type Item = RecordResult;

    fn next(&mut self) -> Option<RecordResult> {
        let r = self.inner.next()?;
        self.stats.count(&r);
        Some(r)
    }
}

/// Reads a file in `format` with default options (gzip is detected by magic bytes).
///
/// ```no_run
/// use vigil_io::{read_path, Format};
/// let mut records = read_path(Format::AitAds, "fox_alerts.csv.gz")?;
/// let alerts: Vec<_> = records.by_ref().filter_map(Result::ok).collect();
/// assert!(records.stats().is_conserved());
/// # Ok::<(), vigil_io::IoError>(())
/// ```
pub fn read_path(format: Format, path: impl AsRef<Path>) -> Result<Records, IoError> {
    read_path_with(format, path, &ReadOptions::default())
}

/// Reads a file in `format` with options.
pub fn read_path_with(
    format: Format,
    path: impl AsRef<Path>,
    options: &ReadOptions,
) -> Result<Records, IoError> {
    let path = path.as_ref();
    let mut options = options.clone();
    if options.network.is_none() && format == Format::AitAds {
        options.network = Some(crate::ait_ads::network_from_path(path));
    }
    let name = options
        .source_name
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let input = crate::open(path)?;
    read(format, input, &name, &options)
}

/// Reads any byte stream in `format` (not decompressed: wrap it in [`crate::decompressing`]
/// first if it may be gzip). `name` names the source in record errors unless the options
/// set one.
///
/// ```
/// use vigil_io::{read, Format, ReadOptions};
/// let csv = "time,name,ip,host,short,time_label,event_label\n\
///            1642213952,Wazuh: ClamAV database update,172.17.131.81,mail,W-Sys-Cav,false_positive,-\n";
/// let opts = ReadOptions::new().network("fox");
/// let mut records = read(Format::AitAds, csv.as_bytes(), "inline", &opts)?;
/// let alert = records.next().unwrap().unwrap();
/// assert_eq!(alert.id, "fox-1");
/// assert_eq!(records.stats().accepted, 1);
/// # Ok::<(), vigil_io::IoError>(())
/// ```
pub fn read(
    format: Format,
    input: impl Read + Send + 'static,
    name: &str,
    options: &ReadOptions,
) -> Result<Records, IoError> {
    let name = options.source_name.as_deref().unwrap_or(name).to_owned();
    let records = match format {
        Format::AitAds => Records::new(
            name.clone(),
            crate::AitAdsReader::new(input, &name, options)?,
        ),
        Format::Guide => Records::new(
            name.clone(),
            crate::GuideReader::new(input, &name, options)?,
        ),
        Format::Ocsf => Records::new(
            name.clone(),
            crate::JsonReader::new(input, &name, crate::json::Mapping::Ocsf, options),
        ),
        Format::Ecs => Records::new(
            name.clone(),
            crate::JsonReader::new(input, &name, crate::json::Mapping::Ecs, options),
        ),
        Format::Jsonl => Records::new(
            name.clone(),
            crate::JsonReader::new(input, &name, crate::json::Mapping::Vigil, options),
        ),
    };
    Ok(records)
}

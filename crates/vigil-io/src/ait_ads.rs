//! AIT Alert Data Set (AIT-ADS) CSV reader.
//!
//! Columns: `time` (unix seconds), `name` (`Wazuh: …`, `Suricata: …`, `AMiner: …`), `ip`,
//! `host`, `short` (alert type code), `time_label`, `event_label`. Mapping:
//!
//! | alert field | from |
//! |---|---|
//! | `id` | `<network>-<record number>` (1-based, header excluded) |
//! | `time` | `time` (integer or fractional unix seconds) |
//! | `tenant` | the network (scenario) name, from the file name before `_alerts` or set in [`ReadOptions::network`] |
//! | `source` | `name` before its first `:` (Wazuh, Suricata, AMiner) |
//! | `detector` | `short` |
//! | `title` | `name` |
//! | `severity` | Unknown: the data set has no severity column |
//! | entities | `host` as [`EntityKind::Host`] and `ip` as [`EntityKind::Ip`], both impacted |
//! | `truth` | `malicious` = `event_label != "-"`; `phase` = `time_label`, except `false_positive` (outside every attack phase window) which gives `None`; `step` = `event_label` unless `-` |
//!
//! In every network the `ip` column holds exactly one address per `host` (checked on the
//! data: 11–13 host/ip pairs per network): it is the address of the monitored host that
//! raised the alert, not a remote peer, hence role impacted for both.
//!
//! Because `phase == None` exactly when `time_label` was `false_positive`, no information is
//! lost when raw fields are not kept.

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use vigil_core::{Alert, Entity, EntityKind, EntityRole, GroundTruth, RecordError};

use crate::csv_util::{self, Rows};
use crate::{IoError, ReadOptions};

/// The columns, in the data set's order.
const COLUMNS: [&str; 7] = [
    "time",
    "name",
    "ip",
    "host",
    "short",
    "time_label",
    "event_label",
];

/// Streaming AIT-ADS reader: one `Result<Alert, RecordError>` per CSV row.
pub struct AitAdsReader<R: Read> {
    rows: Rows<R>,
    /// Column index of each of [`COLUMNS`].
    cols: [usize; 7],
    network: String,
}

impl<R: Read> std::fmt::Debug for AitAdsReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AitAdsReader")
            .field("source_name", &self.rows.source_name)
            .field("network", &self.network)
            .field("record", &self.rows.record)
            .finish_non_exhaustive()
    }
}

/// The network name in a path: the file name before `_alerts` (`fox_alerts.csv.gz` → `fox`),
/// else the stem before its first dot.
pub fn network_from_path(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(i) = file.find("_alerts") {
        return file[..i].to_owned();
    }
    file.split('.').next().unwrap_or_default().to_owned()
}

impl<R: Read> AitAdsReader<R> {
    /// Reads the header of `input`; fails when a column is missing.
    pub fn new(input: R, source_name: &str, options: &ReadOptions) -> Result<Self, IoError> {
        let mut csv = csv_util::reader(input);
        let header = csv_util::header(&mut csv, source_name)?;
        let mut cols = [0usize; 7];
        for (slot, name) in cols.iter_mut().zip(COLUMNS) {
            *slot = csv_util::find(&header, name, &COLUMNS, source_name)?;
        }
        let network = options
            .network
            .clone()
            .unwrap_or_else(|| network_from_path(Path::new(source_name)));
        Ok(Self {
            rows: Rows::new(csv, header, source_name, options.keep_raw),
            cols,
            network,
        })
    }

    /// Builds the alert from the current row.
    fn alert(&self) -> Result<Alert, RecordError> {
        let at = self.rows.at()?;
        let rec = &self.rows.rec;
        let [c_time, c_name, c_ip, c_host, c_short, c_tl, c_el] = self.cols;
        let time_s = at.text(rec, c_time, "time")?;
        let time = parse_unix_seconds(time_s).ok_or_else(|| {
            at.error(
                Some("time"),
                format!("expected unix seconds, found {time_s:?}"),
            )
        })?;
        let name = at.text(rec, c_name, "name")?;
        let ip = at.text(rec, c_ip, "ip")?;
        let host = at.text(rec, c_host, "host")?;
        let short = at.text(rec, c_short, "short")?;
        let time_label = at.text(rec, c_tl, "time_label")?;
        let event_label = at.text(rec, c_el, "event_label")?;

        let mut id = String::with_capacity(self.network.len() + 8);
        id.push_str(&self.network);
        id.push('-');
        push_u64(&mut id, self.rows.record);

        let mut alert = Alert::new(id, time, name);
        alert.tenant = Some(self.network.clone());
        alert.source = name
            .split_once(':')
            .map(|(s, _)| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        alert.detector = (!short.is_empty()).then(|| short.to_owned());
        let mut entities = Vec::with_capacity(2);
        if !host.is_empty() {
            entities.push(Entity::new(EntityKind::Host, host, EntityRole::Impacted));
        }
        if !ip.is_empty() {
            entities.push(Entity::new(EntityKind::Ip, ip, EntityRole::Impacted));
        }
        alert.entities = entities;
        let malicious = !event_label.is_empty() && event_label != "-";
        alert.truth = Some(GroundTruth {
            malicious,
            phase: (!time_label.is_empty() && time_label != "false_positive")
                .then(|| time_label.to_owned()),
            step: malicious.then(|| event_label.to_owned()),
        });
        self.rows.fill_raw(&mut alert);
        Ok(alert)
    }
}

impl<R: Read> Iterator for AitAdsReader<R> {
    type Item = Result<Alert, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let step = self.rows.advance()?;
        Some(step.and_then(|()| self.alert()))
    }
}

/// Parses integer or fractional unix seconds (`1642213952`, `1642213952.25`).
pub(crate) fn parse_unix_seconds(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return DateTime::from_timestamp(secs, 0);
    }
    let f = s.parse::<f64>().ok().filter(|f| f.is_finite())?;
    let secs = f.floor();
    if secs < i64::MIN as f64 || secs > i64::MAX as f64 {
        return None;
    }
    let nanos = ((f - secs) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    DateTime::from_timestamp(secs as i64, nanos)
}

/// Appends a number without going through `fmt` (measurably faster in the hot loop).
fn push_u64(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &b in buf.get(i..).unwrap_or_default() {
        s.push(char::from(b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_u64_writes_decimal() {
        for n in [0u64, 7, 10, 473_104, u64::MAX] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn network_from_file_name() {
        assert_eq!(network_from_path(Path::new("/x/fox_alerts.csv.gz")), "fox");
        assert_eq!(network_from_path(Path::new("shaw.csv")), "shaw");
    }

    #[test]
    fn fractional_seconds() {
        let t = parse_unix_seconds("10.5").unwrap();
        assert_eq!(t.timestamp_subsec_millis(), 500);
        assert!(parse_unix_seconds("nan").is_none());
        assert!(parse_unix_seconds("1e300").is_none());
    }
}

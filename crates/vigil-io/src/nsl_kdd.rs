//! NSL-KDD reader: numeric connection records for unsupervised baselining benchmarks.
//!
//! Each line is 41 features, the class (`normal` or an attack name) and, in the `+` files, a
//! difficulty level: comma-separated, no header. Three features are categorical
//! (`protocol_type`, `service`, `flag`); [`FrequencyEncoding`] turns them into numbers so
//! that every detector compared on the data sees the same matrix.
//!
//! ```no_run
//! use vigil_io::nsl_kdd::{FrequencyEncoding, read_nsl_kdd};
//!
//! let train: Vec<_> = read_nsl_kdd("../shared/datasets/nsl-kdd/KDDTrain+_20Percent.txt")?
//!     .filter_map(Result::ok)
//!     .collect();
//! let enc = FrequencyEncoding::fit(&train);
//! let x: Vec<Vec<f64>> = train.iter().map(|r| enc.encode(r)).collect();
//! assert_eq!(x[0].len(), 41);
//! # Ok::<(), vigil_io::IoError>(())
//! ```

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use vigil_core::{ReadStats, RecordError, SeededMap};

use crate::IoError;

/// The 41 feature names, in file order.
pub const COLUMNS: [&str; 41] = [
    "duration",
    "protocol_type",
    "service",
    "flag",
    "src_bytes",
    "dst_bytes",
    "land",
    "wrong_fragment",
    "urgent",
    "hot",
    "num_failed_logins",
    "logged_in",
    "num_compromised",
    "root_shell",
    "su_attempted",
    "num_root",
    "num_file_creations",
    "num_shells",
    "num_access_files",
    "num_outbound_cmds",
    "is_host_login",
    "is_guest_login",
    "count",
    "srv_count",
    "serror_rate",
    "srv_serror_rate",
    "rerror_rate",
    "srv_rerror_rate",
    "same_srv_rate",
    "diff_srv_rate",
    "srv_diff_host_rate",
    "dst_host_count",
    "dst_host_srv_count",
    "dst_host_same_srv_rate",
    "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate",
    "dst_host_srv_diff_host_rate",
    "dst_host_serror_rate",
    "dst_host_srv_serror_rate",
    "dst_host_rerror_rate",
    "dst_host_srv_rerror_rate",
];

/// Positions of the categorical columns within [`COLUMNS`].
const CATEGORICAL: [usize; 3] = [1, 2, 3];

/// One connection record.
#[derive(Debug, Clone, PartialEq)]
pub struct NslKddRecord {
    /// The 38 numeric features, in file order with the three categorical ones left out.
    pub numeric: [f64; 38],
    /// `tcp`, `udp` or `icmp`.
    pub protocol_type: String,
    /// Destination service (`http`, `private`, …: 70 values).
    pub service: String,
    /// Connection status flag (`SF`, `S0`, `REJ`, …).
    pub flag: String,
    /// `normal` or the attack's name.
    pub class: String,
    /// Difficulty level (how many of 21 learners misclassified it), when present.
    pub difficulty: Option<u8>,
}

impl NslKddRecord {
    /// True for every class but `normal` (the positive class of anomaly detection).
    pub fn is_attack(&self) -> bool {
        self.class != "normal"
    }

    /// Parses one line. `record` and `line` are 1-based, for the error.
    pub fn parse(
        line_text: &str,
        source_name: &str,
        record: u64,
        line: u64,
    ) -> Result<Self, RecordError> {
        let err = |field: Option<&str>, reason: String| RecordError {
            source_name: source_name.to_owned(),
            record,
            line,
            field: field.map(str::to_owned),
            reason,
        };
        let fields: Vec<&str> = line_text.trim_end().split(',').collect();
        if fields.len() != 42 && fields.len() != 43 {
            return Err(err(
                None,
                format!(
                    "expected 42 or 43 comma-separated fields, found {}",
                    fields.len()
                ),
            ));
        }
        let mut numeric = [0f64; 38];
        let mut slot = numeric.iter_mut();
        for (i, (name, text)) in COLUMNS.iter().zip(fields.iter()).enumerate() {
            if CATEGORICAL.contains(&i) {
                continue;
            }
            let v: f64 = text
                .trim()
                .parse()
                .map_err(|_| err(Some(name), format!("expected a number, found {text:?}")))?;
            if !v.is_finite() {
                return Err(err(
                    Some(name),
                    format!("expected a finite number, found {text:?}"),
                ));
            }
            if let Some(s) = slot.next() {
                *s = v;
            }
        }
        let text = |i: usize| fields.get(i).map_or("", |s| s.trim()).to_owned();
        let difficulty =
            match fields.get(42) {
                Some(d) => Some(d.trim().parse().map_err(|_| {
                    err(Some("difficulty"), format!("expected 0–255, found {d:?}"))
                })?),
                None => None,
            };
        Ok(Self {
            numeric,
            protocol_type: text(1),
            service: text(2),
            flag: text(3),
            class: text(41),
            difficulty,
        })
    }
}

/// Streaming reader: one `Result<NslKddRecord, RecordError>` per non-empty line.
pub struct NslKddReader<R: Read> {
    lines: std::io::Lines<BufReader<R>>,
    source_name: String,
    line: u64,
    stats: ReadStats,
}

impl<R: Read> NslKddReader<R> {
    /// A reader over any byte source.
    pub fn new(input: R, source_name: &str) -> Self {
        Self {
            lines: BufReader::new(input).lines(),
            source_name: source_name.to_owned(),
            line: 0,
            stats: ReadStats::default(),
        }
    }

    /// Counts so far (`read == accepted + rejected`).
    pub fn stats(&self) -> ReadStats {
        self.stats
    }
}

impl<R: Read> Iterator for NslKddReader<R> {
    type Item = Result<NslKddRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = self.lines.next()?;
            self.line += 1;
            let r = match next {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => {
                    NslKddRecord::parse(&text, &self.source_name, self.stats.read + 1, self.line)
                }
                Err(e) => Err(RecordError {
                    source_name: self.source_name.clone(),
                    record: self.stats.read + 1,
                    line: self.line,
                    field: None,
                    reason: format!("cannot read line: {e}"),
                }),
            };
            self.stats.count(&r);
            return Some(r);
        }
    }
}

/// Opens an NSL-KDD file (gzipped or not).
pub fn read_nsl_kdd(path: impl AsRef<Path>) -> Result<NslKddReader<Box<dyn Read + Send>>, IoError> {
    let path = path.as_ref();
    let input = crate::open(path)?;
    Ok(NslKddReader::new(input, &path.display().to_string()))
}

/// Frequency encoding of the categorical columns, fitted on training records only: each of
/// `protocol_type`, `service`, `flag` becomes the share of training records with that value
/// (0 for a value never seen in training). Unlike ordinal codes it carries meaning for an
/// anomaly detector (a rare service is a small number), and unlike one-hot it keeps 41
/// columns. Numeric columns pass through unchanged.
#[derive(Debug, Clone, Default)]
pub struct FrequencyEncoding {
    maps: [SeededMap<String, f64>; 3],
}

impl FrequencyEncoding {
    /// Counts value shares in `train`.
    pub fn fit(train: &[NslKddRecord]) -> Self {
        let mut maps: [SeededMap<String, f64>; 3] = Default::default();
        for r in train {
            for (m, v) in maps.iter_mut().zip([&r.protocol_type, &r.service, &r.flag]) {
                *m.entry(v.clone()).or_insert(0.0) += 1.0;
            }
        }
        let n = train.len().max(1) as f64;
        for m in maps.iter_mut() {
            for v in m.values_mut() {
                *v /= n;
            }
        }
        Self { maps }
    }

    /// The 41 features of a record, in [`COLUMNS`] order.
    pub fn encode(&self, r: &NslKddRecord) -> Vec<f64> {
        let mut out = Vec::with_capacity(41);
        let mut numeric = r.numeric.iter();
        let cats = [&r.protocol_type, &r.service, &r.flag];
        for i in 0..COLUMNS.len() {
            match CATEGORICAL.iter().position(|&c| c == i) {
                Some(k) => {
                    let share = match (self.maps.get(k), cats.get(k)) {
                        (Some(m), Some(v)) => m.get(v.as_str()).copied().unwrap_or(0.0),
                        _ => 0.0,
                    };
                    out.push(share);
                }
                None => out.push(numeric.next().copied().unwrap_or(0.0)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "0,udp,private,SF,28,0,0,3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,80,80,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,80,0.31,0.02,0.31,0.00,0.00,0.00,0.00,0.00,teardrop,16";

    #[test]
    fn parses_a_line() {
        let r = NslKddRecord::parse(LINE, "t", 1, 1).unwrap();
        assert_eq!(r.protocol_type, "udp");
        assert_eq!(r.class, "teardrop");
        assert!(r.is_attack());
        assert_eq!(r.difficulty, Some(16));
        assert_eq!(r.numeric[1], 28.0);
        let enc = FrequencyEncoding::fit(std::slice::from_ref(&r));
        let x = enc.encode(&r);
        assert_eq!(x.len(), 41);
        assert_eq!(x[1], 1.0);
        assert_eq!(x[4], 28.0);
    }

    #[test]
    fn bad_field_names_the_column() {
        let bad = LINE.replacen("28", "x", 1);
        let e = NslKddRecord::parse(&bad, "t", 3, 7).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("src_bytes"));
        assert_eq!(e.line, 7);
        let short = "0,udp";
        assert!(NslKddRecord::parse(short, "t", 1, 1).is_err());
    }

    #[test]
    fn reader_counts_and_continues() {
        let text = format!("{LINE}\nbroken\n\n{LINE}\n");
        let mut r = NslKddReader::new(text.as_bytes(), "mem");
        let out: Vec<_> = r.by_ref().collect();
        assert_eq!(out.len(), 3);
        assert!(out[1].is_err());
        let s = r.stats();
        assert_eq!((s.read, s.accepted, s.rejected), (3, 2, 1));
    }
}

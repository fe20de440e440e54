//! # vigil-io
//!
//! Streaming alert readers. Every reader yields one `Result<Alert, RecordError>` per record,
//! goes on past a bad record, and counts `read == accepted + rejected`
//! ([`vigil_core::ReadStats`]). Whole-source problems (a file that cannot be opened, a header
//! without a needed column) are an [`IoError`].
//!
//! | [`Format`] | reader | input |
//! |---|---|---|
//! | `ait-ads` | [`AitAdsReader`] | AIT Alert Data Set CSV (gzipped or not) |
//! | `guide` | [`GuideReader`] | Microsoft GUIDE CSV |
//! | `ocsf` | [`JsonReader`] + [`Mapping::Ocsf`] | OCSF 1.x Detection Finding (2004) / Security Finding (2001) |
//! | `ecs` | [`JsonReader`] + [`Mapping::Ecs`] | Elastic Common Schema alert JSON |
//! | `jsonl` | [`JsonReader`] + [`Mapping::Vigil`] | Vigil's own JSON Lines ([`JsonlWriter`] writes them) |
//!
//! The JSON formats accept one object per line, whole documents (pretty-printed or not) one
//! after another, or a top-level array of objects, told apart from the bytes. Every reader
//! takes any [`std::io::Read`]; [`open`] opens a path and gunzips it when its first bytes are
//! the gzip magic. One entry point serves every caller:
//!
//! ```no_run
//! use vigil_io::{read_path, Format};
//!
//! let mut records = read_path(Format::AitAds, "../shared/datasets/ait-ads/fox_alerts.csv.gz")?;
//! for r in records.by_ref() {
//!     match r {
//!         Ok(alert) => { /* score it */ }
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! let stats = records.stats();
//! assert_eq!(stats.read, stats.accepted + stats.rejected);
//! # Ok::<(), vigil_io::IoError>(())
//! ```
//!
//! See the modules for each format's field mapping: [`ait_ads`], [`guide`], [`json`].
//! [`attack`] reads the MITRE ATT&CK STIX bundle every layer shares.

pub mod ait_ads;
pub mod attack;
mod csv_util;
pub mod datasets;
mod error;
mod format;
pub mod guide;
pub mod json;
mod jsonl;
pub mod nsl_kdd;
mod open;
mod options;
mod records;
mod summary;

pub use ait_ads::AitAdsReader;
pub use error::IoError;
pub use format::Format;
pub use guide::GuideReader;
pub use json::{JsonReader, Mapping};
pub use jsonl::JsonlWriter;
pub use open::{decompressing, open};
pub use options::ReadOptions;
pub use records::{RecordResult, Records, read, read_path, read_path_with};
pub use summary::{Summary, SummaryReport};

//! The crate's error type: problems with a whole source, not with one record.
//!
//! A bad record is a [`vigil_core::RecordError`] yielded in its place; an [`IoError`] is raised
//! when a source cannot be read at all (it cannot be opened, its header lacks a column, the
//! format name is unknown) or when writing fails.

use std::path::PathBuf;

use thiserror::Error;

/// Errors that stop a whole source from being read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IoError {
    /// A file could not be opened or its first bytes could not be read.
    #[error("{path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A whole file is not in the format it should be (e.g. not an ATT&CK bundle).
    #[error("{path}: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// Reading a source's header failed.
    #[error("{source_name}: cannot read header: {reason}")]
    Header {
        /// The file or stream name.
        source_name: String,
        /// What went wrong.
        reason: String,
    },
    /// A CSV header lacks a column the format needs.
    #[error("{source_name}: missing column {column:?} (expected columns: {expected})")]
    MissingColumn {
        /// The file or stream name.
        source_name: String,
        /// The missing column.
        column: &'static str,
        /// Every column the format needs, comma-separated.
        expected: String,
    },
    /// A format name that is not one of the supported formats.
    #[error("unknown format {name:?}: expected one of ait-ads, guide, ocsf, ecs, jsonl")]
    UnknownFormat {
        /// The rejected name.
        name: String,
    },
    /// Writing alerts failed.
    #[error("cannot write alerts: {source}")]
    Write {
        /// The OS error.
        source: std::io::Error,
    },
    /// An alert could not be serialised to JSON.
    #[error("cannot serialise alert {id:?}: {source}")]
    Serialize {
        /// The alert's id.
        id: String,
        /// The serialiser's error.
        source: serde_json::Error,
    },
}

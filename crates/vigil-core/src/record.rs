//! What every streaming reader reports: a typed per-record error, and conserved counts.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A record that could not be read: which one, which field, and why.
///
/// Readers yield `Result<Alert, RecordError>` per record and go on past a bad one.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[error("{source_name}: record {record} (line {line}){}: {reason}", .field.as_ref().map(|f| format!(", field {f:?}")).unwrap_or_default())]
pub struct RecordError {
    /// The file or stream name.
    pub source_name: String,
    /// 1-based record number within the source (header excluded).
    pub record: u64,
    /// 1-based line where the record starts.
    pub line: u64,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What was wrong: what was expected and what was found.
    pub reason: String,
}

/// Counts a reader keeps: every record read is either accepted or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReadStats {
    /// Records read.
    pub read: u64,
    /// Records that became alerts.
    pub accepted: u64,
    /// Records rejected with a [`RecordError`].
    pub rejected: u64,
}

impl ReadStats {
    /// Counts one result.
    pub fn count<T, E>(&mut self, r: &Result<T, E>) {
        self.read += 1;
        if r.is_ok() {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
    }

    /// True when `read == accepted + rejected`.
    pub fn is_conserved(&self) -> bool {
        self.read == self.accepted + self.rejected
    }

    /// Adds another source's counts.
    pub fn merge(&mut self, other: ReadStats) {
        self.read += other.read;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
    }
}

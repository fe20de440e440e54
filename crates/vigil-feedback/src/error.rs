//! The crate's error type.

use thiserror::Error;
use vigil_core::CoreError;

/// Errors raised by verdict stores, retraining, drift detection and oversight.
///
/// Variants name what failed (which store and operation, which parameter, which version) so a
/// caller can report it without parsing a message.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FeedbackError {
    /// The durable verdict store failed (open, write, commit or read).
    #[error("verdict store {path}: {operation} failed: {reason}")]
    Store {
        /// The database file.
        path: String,
        /// What was being done (`open`, `append`, `commit`, `read`).
        operation: &'static str,
        /// The underlying error.
        reason: String,
    },
    /// A stored verdict whose bytes no longer decode.
    #[error("verdict {id}: stored record does not decode: {reason}")]
    Decode {
        /// The verdict id.
        id: u64,
        /// Why.
        reason: String,
    },
    /// The append-only oversight log could not be written or read.
    #[error("audit log {path}: {reason}")]
    AuditLog {
        /// The log file.
        path: String,
        /// Why.
        reason: String,
    },
    /// One line of the append-only oversight log that does not read back as an entry (damaged
    /// bytes, text that is not UTF-8, a missing field).
    #[error("audit log {path}: line {line}: {reason}")]
    AuditLogEntry {
        /// The log file.
        path: String,
        /// 1-based line of the entry.
        line: u64,
        /// What was expected and what was found.
        reason: String,
    },
    /// A parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is expected and what was given.
        reason: String,
    },
    /// A model version that the registry does not hold.
    #[error("model version {version} is not in the registry")]
    UnknownVersion {
        /// The requested version.
        version: u64,
    },
    /// Nothing to roll back to.
    #[error("cannot roll back: version {version} has no earlier champion")]
    NoRollback {
        /// The current champion.
        version: u64,
    },
    /// Fitting a model failed.
    #[error("fitting {what} failed: {reason}")]
    Fit {
        /// Which model (`base`, `challenger`).
        what: &'static str,
        /// The model's own error.
        reason: String,
    },
    /// Data that cannot be used (empty, mismatched lengths, no labels).
    #[error("invalid data: {reason}")]
    InvalidData {
        /// Why.
        reason: String,
    },
    /// An error from the shared traits (feature extraction, scoring).
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl FeedbackError {
    /// `Ok` when a parameter check holds, else [`FeedbackError::InvalidParameter`] naming the
    /// parameter, what was expected and what was given (one wording for every check).
    pub(crate) fn require(
        holds: bool,
        name: &'static str,
        expected: &str,
        got: impl std::fmt::Display,
    ) -> Result<(), Self> {
        if holds {
            Ok(())
        } else {
            Err(Self::InvalidParameter {
                name,
                reason: format!("expected {expected}, got {got}"),
            })
        }
    }
}

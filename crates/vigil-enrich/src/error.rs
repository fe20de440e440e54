//! The crate's error type.

use std::path::PathBuf;

use thiserror::Error;
use vigil_core::CoreError;

/// Errors raised while loading enrichment data or enriching an alert.
///
/// Each variant names what was wrong (which file, which line, which text) so that a caller can
/// report it without re-parsing a message.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EnrichError {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A whole file that is not what its loader expects (bad JSON, missing key).
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was expected and what was found.
        reason: String,
    },
    /// One entry of a list that could not be used; loaders report it and skip it.
    #[error("{path}:{line}: entry {entry:?}: {reason}")]
    Entry {
        /// The file.
        path: PathBuf,
        /// 1-based line of the entry.
        line: u64,
        /// The entry as written.
        entry: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Text that is not an IP address or CIDR range.
    #[error("invalid CIDR {text:?}: {reason}")]
    InvalidCidr {
        /// The rejected text.
        text: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A parameter outside its valid range (a zero TTL, a zero capacity).
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// An enricher did not answer within its deadline.
    #[error("{enricher}: timeout after {millis} ms")]
    Timeout {
        /// Which enricher.
        enricher: String,
        /// The deadline, in milliseconds.
        millis: u128,
    },
    /// A rate limit refused the call.
    #[error("{enricher}: rate limited ({per_second}/s, burst {burst})")]
    RateLimited {
        /// Which enricher.
        enricher: String,
        /// Sustained calls per second allowed.
        per_second: f64,
        /// Burst size.
        burst: u32,
    },
    /// A worker thread for a timed-out call could not be started, or too many are still hung.
    #[error("{enricher}: {reason}")]
    Worker {
        /// Which enricher.
        enricher: String,
        /// Why.
        reason: String,
    },
    /// An error from the shared traits.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl EnrichError {
    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A file-level format error.
    pub fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Shared readers (the ATT&CK bundle) report through vigil-io; their file errors keep their
/// path and cause here.
impl From<vigil_io::IoError> for EnrichError {
    fn from(e: vigil_io::IoError) -> Self {
        match e {
            vigil_io::IoError::Open { path, source } => Self::Io { path, source },
            vigil_io::IoError::Parse { path, reason } => Self::Format { path, reason },
            other => Self::Format {
                path: PathBuf::new(),
                reason: other.to_string(),
            },
        }
    }
}

/// Enrichers speak [`CoreError`]: the failure keeps this error's text, attributed to a component.
impl From<EnrichError> for CoreError {
    fn from(e: EnrichError) -> Self {
        match e {
            EnrichError::Core(c) => c,
            EnrichError::Timeout { enricher, millis } => CoreError::Component {
                component: enricher,
                reason: format!("timeout after {millis} ms"),
            },
            EnrichError::RateLimited {
                enricher,
                per_second,
                burst,
            } => CoreError::Component {
                component: enricher,
                reason: format!("rate limited ({per_second}/s, burst {burst})"),
            },
            EnrichError::Worker { enricher, reason } => CoreError::Component {
                component: enricher,
                reason,
            },
            other => CoreError::Component {
                component: "vigil-enrich".to_owned(),
                reason: other.to_string(),
            },
        }
    }
}

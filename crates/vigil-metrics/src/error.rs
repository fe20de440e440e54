//! The metrics error type.

use std::path::PathBuf;

use thiserror::Error;

/// Errors raised by the metrics, the catalogue loaders and the report writer.
///
/// Every input problem is a typed variant naming what was wrong (which argument, which index,
/// what was expected), so no metric ever panics on caller data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// An input that must hold at least one element was empty.
    #[error("{what}: empty input")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    /// Two inputs that must be the same length were not.
    #[error("length mismatch: {what} has {found} elements, expected {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// The length required (that of the first input).
        expected: usize,
        /// The length supplied.
        found: usize,
    },
    /// A score or probability was NaN or infinite.
    #[error("{what}[{index}] = {value} is not finite")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A value outside the range the metric is defined on (e.g. a probability above 1).
    #[error("{what}[{index}] = {value} is outside {expected}")]
    OutOfRange {
        /// Which input.
        what: &'static str,
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
        /// The range required.
        expected: &'static str,
    },
    /// A class label not below the number of classes.
    #[error("{what}[{index}] = class {class}, but there are only {n_classes} classes")]
    ClassOutOfRange {
        /// Which input.
        what: &'static str,
        /// Position of the label.
        index: usize,
        /// The label.
        class: usize,
        /// Number of classes.
        n_classes: usize,
    },
    /// A metric that needs both classes (e.g. ROC-AUC) got only one.
    #[error(
        "{metric} needs both positive and negative labels; found {positives} positive, {negatives} negative"
    )]
    SingleClass {
        /// Which metric.
        metric: &'static str,
        /// Number of positive labels.
        positives: usize,
        /// Number of negative labels.
        negatives: usize,
    },
    /// A parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A lifecycle log or label set that is inconsistent.
    #[error("alert {alert_id:?}: {reason}")]
    Lifecycle {
        /// The alert concerned.
        alert_id: String,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A catalogue file (ATT&CK bundle, Sigma rule) that could not be parsed.
    #[error("{}: {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

impl MetricsError {
    /// An I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// The shared ATT&CK reader reports through vigil-io; its file errors keep path and cause.
impl From<vigil_io::IoError> for MetricsError {
    fn from(e: vigil_io::IoError) -> Self {
        match e {
            vigil_io::IoError::Open { path, source } => Self::Io { path, source },
            vigil_io::IoError::Parse { path, reason } => Self::Parse { path, reason },
            other => Self::Parse {
                path: PathBuf::new(),
                reason: other.to_string(),
            },
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;

//! The crate's one error type.

use thiserror::Error;
use vigil_core::CoreError;

/// Why a baseline operation failed.
///
/// Each variant names what was wrong (which measure, which parameter, which byte of a snapshot)
/// so a caller can report it without parsing a message.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum BaselineError {
    /// A numeric measure (or a vector component) was NaN or infinite.
    #[error("measure {measure:?}: value {value} is not finite")]
    NonFinite {
        /// The measure's name (`x[i]` for a vector component).
        measure: String,
        /// The rejected value.
        value: f64,
    },
    /// A hyperparameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What the parameter must be.
        reason: String,
    },
    /// More distinct measure or category-dimension names than the configured slots.
    #[error("too many {what}: {name:?} would be number {count}, the limit is {limit}")]
    TooManyNames {
        /// `measures` or `dimensions`.
        what: &'static str,
        /// The name that did not fit.
        name: String,
        /// How many there would be.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A vector of the wrong width for a multivariate detector.
    #[error("vector width mismatch: expected {expected}, found {found}")]
    Width {
        /// The detector's width.
        expected: usize,
        /// The width supplied.
        found: usize,
    },
    /// Not enough data to fit a model.
    #[error("not enough data: {reason}")]
    NotEnoughData {
        /// What was missing.
        reason: String,
    },
    /// Two states that cannot be merged (different configuration or seed).
    #[error("cannot merge: {reason}")]
    Incompatible {
        /// What differs.
        reason: String,
    },
    /// A snapshot that is not one, or not one this version can read.
    #[error("snapshot byte {offset}: {reason}")]
    Snapshot {
        /// Byte offset where decoding failed.
        offset: usize,
        /// What was expected there.
        reason: String,
    },
    /// A snapshot written by a format version this build does not read.
    #[error("snapshot format version {found} is not supported (this build reads {supported})")]
    SnapshotVersion {
        /// The version in the snapshot's header.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
}

impl From<BaselineError> for CoreError {
    fn from(e: BaselineError) -> Self {
        match e {
            BaselineError::NonFinite { measure, value } => CoreError::NonFinite {
                field: measure,
                value,
            },
            BaselineError::InvalidParameter { name, reason } => {
                CoreError::InvalidParameter { name, reason }
            }
            BaselineError::Width { expected, found } => CoreError::FeatureCount { expected, found },
            other => CoreError::Component {
                component: "vigil-baseline".into(),
                reason: other.to_string(),
            },
        }
    }
}

/// Checks that a value is finite, naming it in the error.
pub(crate) fn finite(measure: &str, value: f64) -> Result<f64, BaselineError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(BaselineError::NonFinite {
            measure: measure.to_owned(),
            value,
        })
    }
}

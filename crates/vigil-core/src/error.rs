//! The core error type.

use thiserror::Error;

/// Errors raised by the alert model and the shared traits.
///
/// Each variant names what was wrong (which field, what was expected, what was found) so that a
/// caller can report it to a person without re-parsing a message.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CoreError {
    /// An ATT&CK technique id that is not of the form `T1234` or `T1234.001`.
    #[error(
        "invalid ATT&CK technique id {value:?}: expected T followed by 4 digits, optionally .NNN"
    )]
    InvalidTechnique {
        /// The rejected text.
        value: String,
    },
    /// A value that could not be parsed into the type a field needs.
    #[error("field {field:?}: expected {expected}, found {found:?}")]
    InvalidField {
        /// The field's name.
        field: String,
        /// What the field must hold.
        expected: String,
        /// What it held.
        found: String,
    },
    /// A timestamp outside the range chrono can represent.
    #[error("timestamp {value} is out of range")]
    InvalidTime {
        /// The rejected timestamp, in the unit the caller used.
        value: i64,
    },
    /// A number that must be finite was NaN or infinite.
    #[error("{field}: value {value} is not finite")]
    NonFinite {
        /// What the value measured.
        field: String,
        /// The value (NaN or ±∞).
        value: f64,
    },
    /// A feature vector or matrix of the wrong width.
    #[error("feature width mismatch: expected {expected} features, found {found}")]
    FeatureCount {
        /// Width of the schema.
        expected: usize,
        /// Width supplied.
        found: usize,
    },
    /// A model fitted on one feature schema was given data of another.
    #[error("feature schema mismatch: model expects {expected:#018x}, data has {found:#018x}")]
    SchemaMismatch {
        /// Fingerprint of the model's schema.
        expected: u64,
        /// Fingerprint of the data's schema.
        found: u64,
    },
    /// A hyperparameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Training data that cannot fit a model (empty, a single class, mismatched lengths).
    #[error("invalid training data: {reason}")]
    InvalidData {
        /// Why.
        reason: String,
    },
    /// A component that failed for a reason of its own (a scorer, an enricher, a store).
    #[error("{component}: {reason}")]
    Component {
        /// Which component.
        component: String,
        /// Why it failed.
        reason: String,
    },
}

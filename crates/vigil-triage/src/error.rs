//! The triage error type.

use thiserror::Error;

/// Errors raised by triage scoring, calibration, suppression and model persistence.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TriageError {
    /// An error from the shared model (bad parameter, bad data, schema mismatch).
    #[error(transparent)]
    Core(#[from] vigil_core::CoreError),
    /// A saved GBDT model that does not start with the format's magic bytes.
    #[error("not a Vigil GBDT model: magic bytes {found:02x?}")]
    ModelMagic {
        /// The first bytes found.
        found: Vec<u8>,
    },
    /// A saved GBDT model of a format version this build cannot read.
    #[error("GBDT model format version {found} is not supported (this build reads {supported})")]
    ModelVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// A saved GBDT model whose payload does not match its checksum.
    #[error("GBDT model checksum mismatch: stored {stored:#018x}, computed {computed:#018x}")]
    ModelChecksum {
        /// Checksum in the file.
        stored: u64,
        /// Checksum of the payload read.
        computed: u64,
    },
    /// A saved GBDT model that is truncated or structurally invalid.
    #[error("corrupt GBDT model at byte {offset}: {reason}")]
    ModelCorrupt {
        /// Byte offset (in the payload, or the file for the header) where reading failed.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// Reading or writing a GBDT model failed.
    #[error("GBDT model I/O: {source}")]
    ModelIo {
        /// The I/O error.
        source: std::io::Error,
    },
    /// Two inputs that must have one entry per row have different lengths.
    #[error("{what}: expected {expected} entries (one per row), found {found}")]
    LengthMismatch {
        /// What was measured.
        what: &'static str,
        /// Rows expected.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// A calibration set with no rows.
    #[error("calibration set is empty")]
    EmptyCalibration,
    /// A score that must be finite was NaN or infinite.
    #[error("row {row}: score {value} is not finite")]
    NonFiniteScore {
        /// Row index.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A triage hyperparameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// An iterative fit that did not reach a finite solution.
    #[error("{what} did not converge to a finite solution")]
    NotConverged {
        /// Which fit.
        what: &'static str,
    },
    /// Data too small or too uniform for the requested evaluation or fit.
    #[error("insufficient data: {reason}")]
    InsufficientData {
        /// Why.
        reason: String,
    },
    /// A saved triage pipeline that cannot be read (bad JSON, wrong version, bad model part).
    #[error("saved triage pipeline: {reason}")]
    PipelineFormat {
        /// What was wrong.
        reason: String,
    },
    /// A saved verdict memory that cannot be read (bad magic, version, checksum or JSON).
    #[error("saved verdict memory: {reason}")]
    MemoryFormat {
        /// What was wrong.
        reason: String,
    },
    /// A saved pipeline or model whose feature schema differs from the extractor's.
    #[error("feature schema mismatch: saved {saved:#018x}, extractor {current:#018x}")]
    SchemaMismatch {
        /// Fingerprint recorded in the saved pipeline.
        saved: u64,
        /// Fingerprint of the extractor it was loaded with.
        current: u64,
    },
}

/// A row (or every row of a matrix) must hold `expected` features: the trained schema's or
/// the extractor's count.
pub(crate) fn require_width(expected: usize, found: usize) -> Result<(), vigil_core::CoreError> {
    if found == expected {
        Ok(())
    } else {
        Err(vigil_core::CoreError::FeatureCount { expected, found })
    }
}

/// `v` must be finite and ≥ 0 (a weight, a smoothing strength, a prior width that may be 0).
pub(crate) fn require_non_negative(name: &'static str, v: f64) -> Result<(), TriageError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(TriageError::InvalidParameter {
            name,
            reason: format!("must be finite and >= 0, got {v}"),
        })
    }
}

/// `v` must be finite and > 0 (a width, a tolerance, a cap).
pub(crate) fn require_positive(name: &'static str, v: f64) -> Result<(), TriageError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(TriageError::InvalidParameter {
            name,
            reason: format!("must be finite and > 0, got {v}"),
        })
    }
}

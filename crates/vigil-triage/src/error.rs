//! The triage error type.

use thiserror::Error;

/// Errors raised by triage scoring, calibration, suppression and model persistence.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TriageError {
    /// An error from the shared model (bad parameter, bad data, schema mismatch).
    #[error(transparent)]
    Core(#[from] vigil_core::CoreError),
}

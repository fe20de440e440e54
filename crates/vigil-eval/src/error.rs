//! The evaluation error type.

use thiserror::Error;

/// Errors raised by the SOC replay, the evaluation harness and the demo generator.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A replay or harness parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Per-alert inputs of different lengths (scores for another alert list).
    #[error("{what}: expected {expected} entries (one per alert), found {found}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Number of alerts.
        expected: usize,
        /// Entries supplied.
        found: usize,
    },
    /// A score that is NaN or outside `[0, 1]`.
    #[error("alert {alert_id:?}: score {value} is not a probability")]
    InvalidScore {
        /// The alert scored.
        alert_id: String,
        /// The score.
        value: f64,
    },
    /// Training data that cannot train a scorer (no alerts, a single class).
    #[error("cannot train on {what}: {reason}")]
    Training {
        /// What was being trained on.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// Too little graded data for the protocol asked for (no graded alerts, fewer
    /// organisations than folds).
    #[error("{what}: need at least {needed} {unit}, found {found}")]
    InsufficientData {
        /// Which data, for which protocol.
        what: &'static str,
        /// The least the protocol needs.
        needed: usize,
        /// What there was.
        found: usize,
        /// What is counted (`graded alerts`, `organisations`).
        unit: &'static str,
    },
    /// A data set that could not be opened or is not in its format (names the file).
    #[error(transparent)]
    Io(#[from] vigil_io::IoError),
    /// A record of a data set that could not be read (names the file, record, line, field
    /// and why). Evaluations stop at the first one: a figure over silently thinned data would
    /// not be the figure asked for.
    #[error(transparent)]
    Record(#[from] vigil_core::RecordError),
    /// An error from the shared model (features, scorers).
    #[error(transparent)]
    Core(#[from] vigil_core::CoreError),
    /// An error from the metrics layer (SOC metrics, report writing).
    #[error(transparent)]
    Metrics(#[from] vigil_metrics::MetricsError),
    /// An error from the triage layer (model fitting, calibration, suppression).
    #[error(transparent)]
    Triage(#[from] vigil_triage::error::TriageError),
    /// An error from the baselining layer (parameters, non-finite measures).
    #[error(transparent)]
    Baseline(#[from] vigil_baseline::BaselineError),
}

//! Probability calibration: isotonic and Platt, with ECE and Brier; label-shift adaptation
//! ([`PriorShift`]) and analyst feedback ([`VerdictMemory`]) per organisation.
//!
//! A model's threat probability is rarely a frequency: boosted trees are over-confident, a
//! decision tree's leaves are coarse. A [`Calibrator`] is a monotone map fitted on a held-out
//! calibration set (organisations the model was not fitted on) so that among alerts given
//! confidence `p`, about a share `p` are true positives. Both calibrators here are monotone
//! non-decreasing, so they never reorder alerts: ranking metrics (PR-AUC, ROC-AUC) are unchanged
//! up to ties, and a suppression threshold can be set on either scale.
//!
//! ```
//! use vigil_core::Fit;
//! use vigil_triage::calibrate::{CalibrationSet, Calibrator, IsotonicParams};
//!
//! # fn main() -> Result<(), vigil_triage::error::TriageError> {
//! let set = CalibrationSet::new(vec![0.1, 0.4, 0.6, 0.9], vec![false, false, true, true])?;
//! let iso = IsotonicParams::default().fit(&set)?;
//! assert!(iso.calibrate(0.9) >= iso.calibrate(0.1));
//! # Ok(())
//! # }
//! ```

mod isotonic;
mod memory;
mod platt;
mod prior_shift;
mod set;

pub use isotonic::{Isotonic, IsotonicParams};
pub use memory::{
    MEMORY_MAGIC, MEMORY_VERSION, MemoryHook, MemoryHookStats, ReplayRow, SIGMA_GRID,
    ValidVerdictMemoryParams, VerdictMemory, VerdictMemoryParams, alert_key, replay, select_shared,
    select_sigmas,
};
pub use platt::{Platt, PlattParams};
pub use prior_shift::{PriorShift, PriorShiftParams, ValidPriorShiftParams};
pub use set::CalibrationSet;

use serde::{Deserialize, Serialize};

/// A fitted monotone map from a model's threat probability to a calibrated one.
pub trait Calibrator: Send + Sync {
    /// The calibrated probability of `p`, in `[0, 1]`; non-decreasing in `p`.
    fn calibrate(&self, p: f64) -> f64;

    /// Calibrates many.
    fn calibrate_all(&self, ps: &[f64]) -> Vec<f64> {
        ps.iter().map(|&p| self.calibrate(p)).collect()
    }
}

/// No calibration: the model's probability as it is (clamped to `[0, 1]`, NaN read as 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity;

impl Calibrator for Identity {
    fn calibrate(&self, p: f64) -> f64 {
        clamp01(p)
    }
}

impl<T: Calibrator + ?Sized> Calibrator for Box<T> {
    fn calibrate(&self, p: f64) -> f64 {
        (**self).calibrate(p)
    }
}

/// Any of Vigil's calibrators, as one serialisable value (what a saved pipeline holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnyCalibrator {
    /// No calibration.
    Identity(Identity),
    /// Isotonic regression.
    Isotonic(Isotonic),
    /// Platt scaling.
    Platt(Platt),
}

impl Calibrator for AnyCalibrator {
    fn calibrate(&self, p: f64) -> f64 {
        match self {
            Self::Identity(c) => c.calibrate(p),
            Self::Isotonic(c) => c.calibrate(p),
            Self::Platt(c) => c.calibrate(p),
        }
    }
}

/// Which calibrator to fit (for command lines and pipeline parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    /// None.
    Identity,
    /// Isotonic regression (pool-adjacent-violators).
    #[default]
    Isotonic,
    /// Platt scaling (logistic on the log-odds).
    Platt,
}

impl CalibrationMethod {
    /// Fits the chosen calibrator.
    pub fn fit(self, set: &CalibrationSet) -> Result<AnyCalibrator, crate::error::TriageError> {
        use vigil_core::Fit;
        Ok(match self {
            Self::Identity => AnyCalibrator::Identity(Identity),
            Self::Isotonic => AnyCalibrator::Isotonic(IsotonicParams::default().fit(set)?),
            Self::Platt => AnyCalibrator::Platt(PlattParams::default().fit(set)?),
        })
    }
}

/// Clamps to `[0, 1]`, reading NaN as 0.
pub(crate) fn clamp01(p: f64) -> f64 {
    if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
}

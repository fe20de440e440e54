//! Seeded percentile-bootstrap confidence intervals.

use serde::{Deserialize, Serialize};
use vigil_core::SplitMix64;

use crate::error::{MetricsError, Result};
use crate::validate;

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapParams {
    /// Number of resamples (each the size of the data, drawn with replacement).
    pub resamples: usize,
    /// Two-sided confidence level, in `(0, 1)` (0.95 for a 95% interval).
    pub level: f64,
    /// Seed: the same seed gives the same interval, bit for bit.
    pub seed: u64,
}

impl Default for BootstrapParams {
    /// 1,000 resamples, 95%, seed 0.
    fn default() -> Self {
        Self {
            resamples: 1_000,
            level: 0.95,
            seed: 0,
        }
    }
}

/// A metric's value on the full data and its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// The metric on the full data.
    pub estimate: f64,
    /// Lower bound: the `(1 − level)/2` quantile of the resampled values.
    pub lower: f64,
    /// Upper bound: the `(1 + level)/2` quantile of the resampled values.
    pub upper: f64,
    /// Resamples on which the metric was defined (e.g. both classes present).
    pub valid_resamples: usize,
}

/// Percentile-bootstrap interval of a binary-label metric such as [`crate::roc_auc`].
///
/// Each resample draws `n` items with replacement (SplitMix64 from `params.seed`) and
/// evaluates `metric`; resamples where the metric is undefined (it returns an error, e.g. a
/// single class drawn) are skipped and counted out of `valid_resamples`. Bounds are
/// [`crate::quantile`]s (linear interpolation) of the valid values. Fails when fewer than half
/// of the resamples are valid.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// use vigil_metrics::{BootstrapParams, bootstrap_ci, roc_auc};
/// let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
/// let y = [true, true, false, true, false, true, false, false];
/// let ci = bootstrap_ci(&s, &y, roc_auc, BootstrapParams { resamples: 200, ..Default::default() })?;
/// assert!(ci.lower <= ci.upper && ci.upper <= 1.0);
/// # Ok(()) }
/// ```
pub fn bootstrap_ci<F>(
    scores: &[f64],
    labels: &[bool],
    mut metric: F,
    params: BootstrapParams,
) -> Result<ConfidenceInterval>
where
    F: FnMut(&[f64], &[bool]) -> Result<f64>,
{
    validate::scores_labels(scores, labels.len())?;
    let mut s = Vec::with_capacity(scores.len());
    let mut y = Vec::with_capacity(labels.len());
    let estimate = metric(scores, labels)?;
    bootstrap_ci_indexed(scores.len(), estimate, params, |idx| {
        s.clear();
        y.clear();
        for &i in idx {
            s.push(scores.get(i).copied().unwrap_or(0.0));
            y.push(labels.get(i).copied().unwrap_or(false));
        }
        metric(&s, &y)
    })
}

/// The general form of [`bootstrap_ci`]: `metric` receives the indices (into data of length
/// `n`) of each resample, so any metric over any data can be bootstrapped; `estimate` is the
/// metric on the full data, computed by the caller.
///
/// Errors: `n == 0`, `resamples == 0`, `level` outside `(0, 1)`, fewer than half the
/// resamples valid.
pub fn bootstrap_ci_indexed<F>(
    n: usize,
    estimate: f64,
    params: BootstrapParams,
    mut metric: F,
) -> Result<ConfidenceInterval>
where
    F: FnMut(&[usize]) -> Result<f64>,
{
    if n == 0 {
        return Err(MetricsError::Empty { what: "data" });
    }
    if params.resamples == 0 {
        return Err(MetricsError::InvalidParameter {
            name: "resamples",
            reason: "must be at least 1".into(),
        });
    }
    if !(params.level > 0.0 && params.level < 1.0) {
        return Err(MetricsError::InvalidParameter {
            name: "level",
            reason: format!("{} is not in (0, 1)", params.level),
        });
    }
    let mut rng = SplitMix64::new(params.seed);
    let mut idx = vec![0usize; n];
    let mut values = Vec::with_capacity(params.resamples);
    for _ in 0..params.resamples {
        for slot in idx.iter_mut() {
            *slot = rng.below(n as u64) as usize;
        }
        if let Ok(v) = metric(&idx)
            && v.is_finite()
        {
            values.push(v);
        }
    }
    if values.len() * 2 < params.resamples {
        return Err(MetricsError::InvalidParameter {
            name: "resamples",
            reason: format!(
                "the metric was defined on only {} of {} resamples",
                values.len(),
                params.resamples
            ),
        });
    }
    let alpha = (1.0 - params.level) / 2.0;
    let lower = crate::soc::quantile(&values, alpha)?;
    let upper = crate::soc::quantile(&values, 1.0 - alpha)?;
    Ok(ConfidenceInterval {
        estimate,
        lower,
        upper,
        valid_resamples: values.len(),
    })
}

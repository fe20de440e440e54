//! Quantiles, with their definitions.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::validate;

/// The `q`-quantile by **linear interpolation** between order statistics (Hyndman & Fan
/// type 7, the default of NumPy, R and Excel's `PERCENTILE.INC`).
///
/// **Definition.** Sort the `n` values ascending as `x_0 ≤ … ≤ x_{n−1}`; let `h = (n − 1)·q`;
/// the quantile is `x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋)`. So `q = 0.5` of an even count is
/// the mean of the two middle values, `q = 0` the minimum and `q = 1` the maximum.
///
/// Errors: empty input, a non-finite value, `q` outside `[0, 1]`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// assert_eq!(vigil_metrics::quantile(&[4.0, 1.0, 3.0, 2.0], 0.5)?, 2.5);
/// assert_eq!(vigil_metrics::quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.9)?, 4.6);
/// # Ok(()) }
/// ```
pub fn quantile(values: &[f64], q: f64) -> Result<f64> {
    let sorted = sorted_checked(values, q)?;
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor();
    let i = lo as usize;
    let a = sorted.get(i).copied().unwrap_or(0.0);
    let b = sorted.get(i + 1).copied().unwrap_or(a);
    Ok(a + (h - lo) * (b - a))
}

/// The `q`-quantile by the **nearest-rank** method: the smallest value `x` such that at
/// least a share `q` of the values are `≤ x`, i.e. `x_{⌈q·n⌉−1}` (and the minimum for `q = 0`).
/// Always one of the observed values.
///
/// Errors as [`quantile`].
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// assert_eq!(vigil_metrics::quantile_nearest_rank(&[4.0, 1.0, 3.0, 2.0], 0.5)?, 2.0);
/// # Ok(()) }
/// ```
pub fn quantile_nearest_rank(values: &[f64], q: f64) -> Result<f64> {
    let sorted = sorted_checked(values, q)?;
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Ok(sorted.get(rank.saturating_sub(1)).copied().unwrap_or(0.0))
}

fn sorted_checked(values: &[f64], q: f64) -> Result<Vec<f64>> {
    if values.is_empty() {
        return Err(MetricsError::Empty { what: "values" });
    }
    if !(0.0..=1.0).contains(&q) {
        return Err(MetricsError::InvalidParameter {
            name: "q",
            reason: format!("{q} is not in [0, 1]"),
        });
    }
    validate::finite("values", values)?;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted)
}

/// Summary of a duration sample, in seconds: count, mean, median, 90th percentile, extremes.
/// Median and p90 use [`quantile`] (linear interpolation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (q = 0.5).
    pub median: f64,
    /// 90th percentile (q = 0.9).
    pub p90: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises a sample; `None` when it is empty or holds a non-finite value.
    ///
    /// ```
    /// let s = vigil_metrics::Summary::of(&[60.0, 120.0, 600.0]).unwrap();
    /// assert_eq!((s.median, s.max), (120.0, 600.0));
    /// ```
    pub fn of(values: &[f64]) -> Option<Self> {
        let median = quantile(values, 0.5).ok()?;
        let p90 = quantile(values, 0.9).ok()?;
        let min = quantile(values, 0.0).ok()?;
        let max = quantile(values, 1.0).ok()?;
        Some(Self {
            n: values.len(),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            median,
            p90,
            min,
            max,
        })
    }
}

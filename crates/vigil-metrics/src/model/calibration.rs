//! Calibration: expected calibration error, reliability bins, Brier scores.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::validate;

/// The bin count used by callers that have no reason to choose another: 10 equal-width bins.
pub const DEFAULT_ECE_BINS: usize = 10;

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive, except the last bin which includes 1).
    pub hi: f64,
    /// Items whose predicted probability falls in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin (`NaN`-free: 0 when empty).
    pub mean_predicted: f64,
    /// Share of positives in the bin (0 when empty).
    pub observed: f64,
}

fn check_bins(n_bins: usize) -> Result<()> {
    if n_bins == 0 {
        return Err(MetricsError::InvalidParameter {
            name: "n_bins",
            reason: "must be at least 1".into(),
        });
    }
    Ok(())
}

/// The reliability diagram's bins: `n_bins` equal-width bins over `[0, 1]`; bin `b` holds
/// probabilities in `[b/B, (b+1)/B)`, the last bin also holds 1. Empty bins are returned
/// too (with count 0), so the result always has `n_bins` entries.
///
/// Errors: empty input, length mismatch, a probability outside `[0, 1]` or non-finite,
/// `n_bins == 0`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let bins = vigil_metrics::reliability_bins(&[0.05, 0.95, 1.0], &[false, true, true], 10)?;
/// assert_eq!((bins[0].count, bins[9].count), (1, 2));
/// # Ok(()) }
/// ```
pub fn reliability_bins(
    probs: &[f64],
    labels: &[bool],
    n_bins: usize,
) -> Result<Vec<ReliabilityBin>> {
    check_bins(n_bins)?;
    validate::scores_labels(probs, labels.len())?;
    validate::probabilities("probs", probs)?;
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    let mut count = vec![0usize; n_bins];
    for (&p, &y) in probs.iter().zip(labels) {
        let b = bin_of(p, n_bins);
        if let (Some(sp), Some(sy), Some(c)) =
            (sum_p.get_mut(b), sum_y.get_mut(b), count.get_mut(b))
        {
            *sp += p;
            *sy += f64::from(u8::from(y));
            *c += 1;
        }
    }
    Ok((0..n_bins)
        .map(|b| {
            let c = count.get(b).copied().unwrap_or(0);
            let mean = |s: &Vec<f64>| {
                if c == 0 {
                    0.0
                } else {
                    s.get(b).copied().unwrap_or(0.0) / c as f64
                }
            };
            ReliabilityBin {
                lo: b as f64 / n_bins as f64,
                hi: (b + 1) as f64 / n_bins as f64,
                count: c,
                mean_predicted: mean(&sum_p),
                observed: mean(&sum_y),
            }
        })
        .collect())
}

/// Index of the equal-width bin holding probability `p ∈ [0, 1]`: the `b` with
/// `b/B ≤ p < (b+1)/B` (the last bin closed), with the edges computed as `b as f64 / B` so
/// that the documented edges, not the rounding of `p·B`, decide.
fn bin_of(p: f64, n_bins: usize) -> usize {
    let nb = n_bins as f64;
    // `as usize` saturates; the min keeps p = 1 in the last bin.
    let mut b = ((p * nb).floor() as usize).min(n_bins - 1);
    if b > 0 && p < b as f64 / nb {
        b -= 1;
    } else if b + 1 < n_bins && p >= (b + 1) as f64 / nb {
        b += 1;
    }
    b
}

/// Expected calibration error.
///
/// **Definition.** With `n_bins` equal-width bins over `[0, 1]` (bin `b` = `[b/B, (b+1)/B)`,
/// the last bin closed), `N` items, and in each bin `n_b` items, mean predicted probability
/// `conf_b` and share of positives `acc_b`:
/// `ECE = Σ_b (n_b / N) · |acc_b − conf_b|` (empty bins contribute 0).
/// Guo et al. (2017) use 15 bins, many tools 10; [`DEFAULT_ECE_BINS`] is 10. Reported
/// figures should state the bin count.
///
/// Errors as [`reliability_bins`].
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let e = vigil_metrics::ece(&[0.9, 0.9, 0.1, 0.1], &[true, false, false, false], 10)?;
/// assert!((e - (0.5 * 0.4 + 0.5 * 0.1)).abs() < 1e-12); // = 0.25
/// # Ok(()) }
/// ```
pub fn ece(probs: &[f64], labels: &[bool], n_bins: usize) -> Result<f64> {
    let bins = reliability_bins(probs, labels, n_bins)?;
    let n = probs.len() as f64;
    Ok(bins
        .iter()
        .map(|b| b.count as f64 / n * (b.observed - b.mean_predicted).abs())
        .sum())
}

/// Binary Brier score: `(1/N) · Σ_i (p_i − y_i)²` with `y_i ∈ {0, 1}`. In `[0, 1]`, lower is
/// better; always predicting the base rate `π` scores `π(1 − π)`.
///
/// Errors: empty input, length mismatch, a probability outside `[0, 1]` or non-finite.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// assert_eq!(vigil_metrics::brier(&[1.0, 0.5], &[true, false])?, 0.125);
/// # Ok(()) }
/// ```
pub fn brier(probs: &[f64], labels: &[bool]) -> Result<f64> {
    validate::scores_labels(probs, labels.len())?;
    validate::probabilities("probs", probs)?;
    let sum: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    Ok(sum / probs.len() as f64)
}

/// Multi-class Brier score (Brier 1950): `(1/N) · Σ_i Σ_c (p_ic − [y_i = c])²`.
///
/// Each row holds one probability per class (all rows the same width, the class count). The
/// range is `[0, 2]` (not `[0, 1]`: a confident wrong answer costs 1 on each of two classes).
/// With two classes it is twice the binary [`brier`]. Rows need not sum to exactly 1, but
/// every entry must be in `[0, 1]`.
///
/// Errors: empty input, length mismatch (rows vs labels, or a row of another width), an
/// entry outside `[0, 1]`, a label `>=` the class count.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let b = vigil_metrics::brier_multiclass(&[[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]], &[0, 2])?;
/// assert!((b - (0.09 + 0.04 + 0.01) / 2.0).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn brier_multiclass<R: AsRef<[f64]>>(probs: &[R], truth: &[usize]) -> Result<f64> {
    let first = probs.first().ok_or(MetricsError::Empty { what: "probs" })?;
    let k = first.as_ref().len();
    if k == 0 {
        return Err(MetricsError::Empty { what: "probs row" });
    }
    if truth.len() != probs.len() {
        return Err(MetricsError::LengthMismatch {
            what: "truth",
            expected: probs.len(),
            found: truth.len(),
        });
    }
    validate::classes("truth", truth, k)?;
    let mut sum = 0.0;
    for (row, &y) in probs.iter().zip(truth) {
        let row = row.as_ref();
        if row.len() != k {
            return Err(MetricsError::LengthMismatch {
                what: "probs row",
                expected: k,
                found: row.len(),
            });
        }
        validate::probabilities("probs row", row)?;
        sum += row
            .iter()
            .enumerate()
            .map(|(c, &p)| (p - f64::from(u8::from(c == y))).powi(2))
            .sum::<f64>();
    }
    Ok(sum / probs.len() as f64)
}

/// Binary log-loss (cross-entropy): `−(1/N) · Σ_i [y_i·ln p_i + (1 − y_i)·ln(1 − p_i)]`, with
/// each `p_i` first clipped to `[ε, 1 − ε]`, `ε = f64::EPSILON` (as scikit-learn ≥ 1.5 does),
/// so a confident wrong answer costs about 36 rather than infinity. Lower is better; always
/// predicting the base rate `π` scores the entropy of `π`.
///
/// Errors: empty input, length mismatch, a probability outside `[0, 1]` or non-finite.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let l = vigil_metrics::log_loss(&[0.5, 0.5], &[true, false])?;
/// assert!((l - std::f64::consts::LN_2).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn log_loss(probs: &[f64], labels: &[bool]) -> Result<f64> {
    validate::scores_labels(probs, labels.len())?;
    validate::probabilities("probs", probs)?;
    let eps = f64::EPSILON;
    let sum: f64 = probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(eps, 1.0 - eps);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    Ok(sum / probs.len() as f64)
}

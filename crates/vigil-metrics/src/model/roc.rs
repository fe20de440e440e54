//! ROC-AUC, the ROC curve and recall at a fixed false-positive rate.

use serde::{Deserialize, Serialize};

use super::ranking::steps;
use crate::error::{MetricsError, Result};
use crate::validate;

/// One point of a ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Items with `score >= threshold` are called positive (`+∞` for the origin).
    pub threshold: f64,
    /// False-positive rate: negatives called positive / negatives.
    pub fpr: f64,
    /// True-positive rate (recall): positives called positive / positives.
    pub tpr: f64,
}

/// Area under the ROC curve, computed as the Mann–Whitney statistic.
///
/// **Definition.** With `P` positives and `N` negatives,
/// `AUC = (1 / (P·N)) · Σ_{i positive} Σ_{j negative} [s_i > s_j] + ½·[s_i = s_j]`:
/// the probability that a random positive outscores a random negative, ties counting one half.
/// This equals the trapezoidal area under [`roc_curve`]. It depends only on the order of the
/// scores, so any strictly increasing transform of the scores leaves it unchanged.
///
/// Errors: empty input, length mismatch, non-finite score, or labels of a single class.
/// Runs in `O(n log n)`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let auc = vigil_metrics::roc_auc(&[0.9, 0.8, 0.8, 0.1], &[true, true, false, false])?;
/// assert!((auc - 0.875).abs() < 1e-12); // 3 wins and 1 tie out of 4 pairs
/// # Ok(()) }
/// ```
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let steps = steps(scores, labels)?;
    let (p, n) = validate::both_classes("roc_auc", labels)?;
    // Positives in a tie group beat every negative below it and tie with those in it.
    let mut wins = 0.0;
    for s in &steps {
        let below = (n - s.fp) as f64;
        wins += s.pos_here as f64 * (below + 0.5 * s.neg_here as f64);
    }
    Ok(wins / (p as f64 * n as f64))
}

/// The ROC curve: `(fpr, tpr)` at every distinct score, from `(0, 0)` (threshold `+∞`) to
/// `(1, 1)`, thresholds decreasing. Ties move the curve diagonally.
///
/// Errors as [`roc_auc`].
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let c = vigil_metrics::roc_curve(&[0.9, 0.1], &[true, false])?;
/// assert_eq!(c.len(), 3);
/// assert_eq!((c[1].fpr, c[1].tpr), (0.0, 1.0));
/// # Ok(()) }
/// ```
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<Vec<RocPoint>> {
    let steps = steps(scores, labels)?;
    let (p, n) = validate::both_classes("roc_curve", labels)?;
    let mut out = Vec::with_capacity(steps.len() + 1);
    out.push(RocPoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    });
    out.extend(steps.iter().map(|s| RocPoint {
        threshold: s.threshold,
        fpr: s.fp as f64 / n as f64,
        tpr: s.tp as f64 / p as f64,
    }));
    Ok(out)
}

/// Recall (true-positive rate) at a false-positive rate of at most `max_fpr`.
///
/// **Definition.** The largest TPR over all thresholds `t` (every distinct score, and `+∞`)
/// whose FPR is `≤ max_fpr`. No interpolation between thresholds: this is a recall an
/// operator can actually get by setting a cut-off.
///
/// Errors as [`roc_auc`], plus `max_fpr` outside `[0, 1]`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let r = vigil_metrics::recall_at_fpr(&[0.9, 0.7, 0.6, 0.2], &[true, false, true, false], 0.0)?;
/// assert_eq!(r, 0.5);
/// # Ok(()) }
/// ```
pub fn recall_at_fpr(scores: &[f64], labels: &[bool], max_fpr: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&max_fpr) {
        return Err(MetricsError::InvalidParameter {
            name: "max_fpr",
            reason: format!("{max_fpr} is not in [0, 1]"),
        });
    }
    let curve = roc_curve(scores, labels)?;
    Ok(curve
        .iter()
        .filter(|p| p.fpr <= max_fpr)
        .map(|p| p.tpr)
        .fold(0.0, f64::max))
}

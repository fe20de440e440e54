//! Precision–recall: average precision, the trapezoidal PR-AUC, the PR curve, precision@k.

use serde::{Deserialize, Serialize};

use super::ranking::{Step, steps};
use crate::error::{MetricsError, Result};

/// One point of a precision–recall curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// Items with `score >= threshold` are called positive.
    pub threshold: f64,
    /// Positives called positive / positives.
    pub recall: f64,
    /// Positives called positive / items called positive.
    pub precision: f64,
}

fn positives_or_err(metric: &'static str, steps: &[Step]) -> Result<usize> {
    let (p, n) = steps.last().map_or((0, 0), |s| (s.tp, s.fp));
    if p == 0 {
        return Err(MetricsError::SingleClass {
            metric,
            positives: 0,
            negatives: n,
        });
    }
    Ok(p)
}

/// PR-AUC as **average precision**, the step-wise (non-interpolated) area.
///
/// **Definition.** With thresholds `t_1 > t_2 > …` the distinct scores, `P_k` and `R_k` the
/// precision and recall of "score ≥ t_k", and `R_0 = 0`:
/// `AP = Σ_k (R_k − R_{k−1}) · P_k`.
/// Equivalently, the mean over positives `i` of the precision of the threshold `s_i`.
/// This is scikit-learn's `average_precision_score`; unlike the trapezoid it never
/// interpolates linearly between PR points (which would be optimistic, Davis & Goadrich 2006).
/// A random scorer scores the positive share; a perfect one scores 1.
///
/// Errors: empty input, length mismatch, non-finite score, no positive label.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// // Ranked: + - + -  → precisions at the positives: 1/1 and 2/3.
/// let ap = vigil_metrics::pr_auc(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false])?;
/// assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let steps = steps(scores, labels)?;
    let p = positives_or_err("pr_auc", &steps)? as f64;
    Ok(steps
        .iter()
        .map(|s| (s.pos_here as f64 / p) * (s.tp as f64 / (s.tp + s.fp) as f64))
        .sum())
}

/// PR-AUC by the trapezoid rule over [`pr_curve`], with the curve started at
/// `(recall 0, precision 1)` as scikit-learn's `precision_recall_curve` does.
///
/// Linear interpolation in PR space overstates the area between distant points; prefer
/// [`pr_auc`] (average precision) for comparisons, use this to match tools that report it.
///
/// Errors as [`pr_auc`].
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let a = vigil_metrics::pr_auc_trapezoid(&[0.9, 0.1], &[true, false])?;
/// assert_eq!(a, 1.0);
/// # Ok(()) }
/// ```
pub fn pr_auc_trapezoid(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let curve = pr_curve(scores, labels)?;
    let mut area = 0.0;
    let (mut r0, mut p0) = (0.0, 1.0);
    for pt in &curve {
        area += (pt.recall - r0) * (pt.precision + p0) / 2.0;
        (r0, p0) = (pt.recall, pt.precision);
    }
    Ok(area)
}

/// The precision–recall curve: one point per distinct score, thresholds decreasing (recall
/// non-decreasing), ending at recall 1.
///
/// Errors as [`pr_auc`].
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let c = vigil_metrics::pr_curve(&[0.9, 0.5, 0.1], &[true, false, true])?;
/// assert_eq!(c.len(), 3);
/// assert_eq!((c[2].recall, c[2].precision), (1.0, 2.0 / 3.0));
/// # Ok(()) }
/// ```
pub fn pr_curve(scores: &[f64], labels: &[bool]) -> Result<Vec<PrPoint>> {
    let steps = steps(scores, labels)?;
    let p = positives_or_err("pr_curve", &steps)? as f64;
    Ok(steps
        .iter()
        .map(|s| PrPoint {
            threshold: s.threshold,
            recall: s.tp as f64 / p,
            precision: s.tp as f64 / (s.tp + s.fp) as f64,
        })
        .collect())
}

/// Precision among the `k` highest-scored items.
///
/// **Definition.** Share of positives among the top `k` items by score. When the `k`-th place
/// falls inside a group of tied scores, the result is the *expected* precision over every
/// order of that tie group (each tied item is in the top `k` with equal probability), so the
/// result never depends on input order.
///
/// Errors: as [`pr_auc`] except that no positive is needed (the result is then 0), plus
/// `k == 0` or `k > n`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// let p = vigil_metrics::precision_at_k(&[0.9, 0.8, 0.8, 0.1], &[true, true, false, false], 2)?;
/// assert_eq!(p, 0.75); // the 2nd place is a coin toss between a positive and a negative
/// # Ok(()) }
/// ```
pub fn precision_at_k(scores: &[f64], labels: &[bool], k: usize) -> Result<f64> {
    let steps = steps(scores, labels)?;
    if k == 0 || k > scores.len() {
        return Err(MetricsError::InvalidParameter {
            name: "k",
            reason: format!("{k} is not in 1..={}", scores.len()),
        });
    }
    let mut hits = 0.0;
    let mut taken = 0usize;
    for s in &steps {
        let size = s.pos_here + s.neg_here;
        let room = k - taken;
        if size <= room {
            hits += s.pos_here as f64;
            taken += size;
        } else {
            hits += s.pos_here as f64 * room as f64 / size as f64;
            taken = k;
        }
        if taken == k {
            break;
        }
    }
    Ok(hits / k as f64)
}

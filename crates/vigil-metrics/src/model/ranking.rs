//! The sorted, tie-grouped view of scored labels that the ranking metrics share.

use crate::error::Result;
use crate::validate;

/// One distinct score, with the cumulative counts of items scoring at least that much.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Step {
    /// The distinct score (the threshold).
    pub threshold: f64,
    /// Positives with `score >= threshold`.
    pub tp: usize,
    /// Negatives with `score >= threshold`.
    pub fp: usize,
    /// Positives with `score == threshold`.
    pub pos_here: usize,
    /// Negatives with `score == threshold`.
    pub neg_here: usize,
}

/// Validates the input and returns one [`Step`] per distinct score, highest score first.
pub(crate) fn steps(scores: &[f64], labels: &[bool]) -> Result<Vec<Step>> {
    validate::scores_labels(scores, labels.len())?;
    let mut order: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    // Descending; -0.0 and 0.0 must tie, so compare by value rather than total order.
    order.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    let mut out: Vec<Step> = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for (score, label) in order {
        let same = out.last().is_some_and(|s| s.threshold == score);
        if label {
            tp += 1;
        } else {
            fp += 1;
        }
        if same {
            if let Some(last) = out.last_mut() {
                last.tp = tp;
                last.fp = fp;
                last.pos_here += usize::from(label);
                last.neg_here += usize::from(!label);
            }
        } else {
            out.push(Step {
                threshold: score,
                tp,
                fp,
                pos_here: usize::from(label),
                neg_here: usize::from(!label),
            });
        }
    }
    Ok(out)
}

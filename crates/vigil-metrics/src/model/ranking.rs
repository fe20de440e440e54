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
    // Sort on integer keys that order like the floats (faster than comparing floats).
    // Adding 0.0 turns -0.0 into 0.0, so the two tie as `==` says they do.
    let mut order: Vec<(u64, bool)> = scores
        .iter()
        .map(|&s| order_key(s + 0.0))
        .zip(labels.iter().copied())
        .collect();
    order.sort_unstable_by_key(|&(k, _)| std::cmp::Reverse(k));
    let mut out: Vec<Step> = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for (key, label) in order {
        let score = from_order_key(key);
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

/// A key whose unsigned order is the order of finite floats (sign bit flipped for
/// non-negatives, all bits flipped for negatives).
fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Inverse of [`order_key`].
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

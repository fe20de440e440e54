//! Input checks shared by the metrics: one place that turns bad input into typed errors.

use crate::error::{MetricsError, Result};

/// Checks that `scores` is non-empty, finite, and as long as `labels`.
pub(crate) fn scores_labels(scores: &[f64], labels_len: usize) -> Result<()> {
    if scores.is_empty() {
        return Err(MetricsError::Empty { what: "scores" });
    }
    if labels_len != scores.len() {
        return Err(MetricsError::LengthMismatch {
            what: "labels",
            expected: scores.len(),
            found: labels_len,
        });
    }
    finite("scores", scores)
}

/// Checks that every value is finite.
pub(crate) fn finite(what: &'static str, xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(MetricsError::NonFinite {
            what,
            index,
            value: xs.get(index).copied().unwrap_or(f64::NAN),
        }),
        None => Ok(()),
    }
}

/// Checks that every value is a probability in `[0, 1]` (and finite).
pub(crate) fn probabilities(what: &'static str, xs: &[f64]) -> Result<()> {
    finite(what, xs)?;
    match xs.iter().position(|x| !(0.0..=1.0).contains(x)) {
        Some(index) => Err(MetricsError::OutOfRange {
            what,
            index,
            value: xs.get(index).copied().unwrap_or(f64::NAN),
            expected: "[0, 1]",
        }),
        None => Ok(()),
    }
}

/// Counts positives and negatives; errors when either is zero.
pub(crate) fn both_classes(metric: &'static str, labels: &[bool]) -> Result<(usize, usize)> {
    let positives = labels.iter().filter(|&&y| y).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(MetricsError::SingleClass {
            metric,
            positives,
            negatives,
        });
    }
    Ok((positives, negatives))
}

/// Checks class labels against the class count.
pub(crate) fn classes(what: &'static str, labels: &[usize], n_classes: usize) -> Result<()> {
    match labels.iter().position(|&c| c >= n_classes) {
        Some(index) => Err(MetricsError::ClassOutOfRange {
            what,
            index,
            class: labels.get(index).copied().unwrap_or(0),
            n_classes,
        }),
        None => Ok(()),
    }
}

//! Confusion matrix and macro-F1.

use serde::{Deserialize, Serialize};

use crate::error::{MetricsError, Result};
use crate::validate;

/// A multi-class confusion matrix: `count(truth, predicted)`, rows are the true class.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// use vigil_metrics::ConfusionMatrix;
/// let m = ConfusionMatrix::from_labels(&[0, 0, 1, 2], &[0, 1, 1, 2], 3)?;
/// assert_eq!(m.count(0, 1), 1);
/// assert_eq!(m.f1(1), Some(2.0 / 3.0));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    n_classes: usize,
    /// Row-major, `n_classes × n_classes`.
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// Counts `(truth[i], predicted[i])` pairs over classes `0..n_classes`.
    ///
    /// Errors: empty input, length mismatch, `n_classes == 0`, a label `>= n_classes`.
    pub fn from_labels(truth: &[usize], predicted: &[usize], n_classes: usize) -> Result<Self> {
        if truth.is_empty() {
            return Err(MetricsError::Empty { what: "truth" });
        }
        if predicted.len() != truth.len() {
            return Err(MetricsError::LengthMismatch {
                what: "predicted",
                expected: truth.len(),
                found: predicted.len(),
            });
        }
        if n_classes == 0 {
            return Err(MetricsError::InvalidParameter {
                name: "n_classes",
                reason: "must be at least 1".into(),
            });
        }
        validate::classes("truth", truth, n_classes)?;
        validate::classes("predicted", predicted, n_classes)?;
        let mut counts = vec![0u64; n_classes * n_classes];
        for (&t, &p) in truth.iter().zip(predicted) {
            if let Some(c) = counts.get_mut(t * n_classes + p) {
                *c += 1;
            }
        }
        Ok(Self { n_classes, counts })
    }

    /// A 2×2 matrix from boolean labels: class 1 is positive (`true`), class 0 negative.
    ///
    /// Errors: empty input, length mismatch.
    pub fn binary(truth: &[bool], predicted: &[bool]) -> Result<Self> {
        let t: Vec<usize> = truth.iter().map(|&b| usize::from(b)).collect();
        let p: Vec<usize> = predicted.iter().map(|&b| usize::from(b)).collect();
        Self::from_labels(&t, &p, 2)
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Items of class `truth` predicted as `predicted` (0 for classes out of range).
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        if truth >= self.n_classes || predicted >= self.n_classes {
            return 0;
        }
        self.counts
            .get(truth * self.n_classes + predicted)
            .copied()
            .unwrap_or(0)
    }

    /// The rows (true class), each holding counts per predicted class.
    pub fn rows(&self) -> impl Iterator<Item = &[u64]> {
        self.counts.chunks(self.n_classes.max(1))
    }

    /// Total items.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// True positives of class `c`.
    pub fn tp(&self, c: usize) -> u64 {
        self.count(c, c)
    }

    /// Items predicted `c` whose truth is another class.
    pub fn fp(&self, c: usize) -> u64 {
        (0..self.n_classes)
            .filter(|&t| t != c)
            .map(|t| self.count(t, c))
            .sum()
    }

    /// Items of class `c` predicted as another class.
    pub fn fn_(&self, c: usize) -> u64 {
        (0..self.n_classes)
            .filter(|&p| p != c)
            .map(|p| self.count(c, p))
            .sum()
    }

    /// Precision of class `c`, `TP / (TP + FP)`; `None` when nothing was predicted `c`.
    pub fn precision(&self, c: usize) -> Option<f64> {
        ratio(self.tp(c), self.tp(c) + self.fp(c))
    }

    /// Recall of class `c`, `TP / (TP + FN)`; `None` when no item is truly `c`.
    pub fn recall(&self, c: usize) -> Option<f64> {
        ratio(self.tp(c), self.tp(c) + self.fn_(c))
    }

    /// F1 of class `c`, `2·TP / (2·TP + FP + FN)` (the harmonic mean of precision and
    /// recall, 0 when either is 0). `None` when class `c` occurs neither in the truth nor in
    /// the predictions, where F1 is undefined.
    pub fn f1(&self, c: usize) -> Option<f64> {
        let tp = self.tp(c);
        ratio(2 * tp, 2 * tp + self.fp(c) + self.fn_(c))
    }

    /// Mean of [`ConfusionMatrix::f1`] over the classes where it is defined (see
    /// [`macro_f1`]). `None` only for an empty matrix.
    pub fn macro_f1(&self) -> Option<f64> {
        let f1s: Vec<f64> = (0..self.n_classes).filter_map(|c| self.f1(c)).collect();
        if f1s.is_empty() {
            return None;
        }
        Some(f1s.iter().sum::<f64>() / f1s.len() as f64)
    }

    /// Share of items on the diagonal; `None` for an empty matrix.
    pub fn accuracy(&self) -> Option<f64> {
        let diag: u64 = (0..self.n_classes).map(|c| self.tp(c)).sum();
        ratio(diag, self.total())
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Macro-averaged F1 over classes `0..n_classes`.
///
/// **Definition.** For each class `c`, `F1_c = 2·TP_c / (2·TP_c + FP_c + FN_c)`; macro-F1 is
/// the unweighted mean of `F1_c` over the classes that occur in the truth **or** in the
/// predictions. A class absent from both has no defined F1 and is left out of the mean (it
/// neither helps nor hurts); a class present in either but never predicted correctly counts
/// 0. This matches scikit-learn's `f1_score(average="macro")` without an explicit `labels`.
///
/// Errors: empty input, length mismatch, `n_classes == 0`, a label `>= n_classes`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// // Class 2 never occurs: the mean is over classes 0 and 1 only.
/// let f = vigil_metrics::macro_f1(&[0, 0, 1, 1], &[0, 1, 1, 1], 3)?;
/// assert!((f - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn macro_f1(truth: &[usize], predicted: &[usize], n_classes: usize) -> Result<f64> {
    let m = ConfusionMatrix::from_labels(truth, predicted, n_classes)?;
    m.macro_f1().ok_or(MetricsError::Empty { what: "truth" })
}

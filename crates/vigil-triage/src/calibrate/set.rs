//! The data a calibrator is fitted on.

use crate::error::TriageError;

/// Model scores and binary outcomes (true = threat) of a calibration set.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSet {
    scores: Vec<f64>,
    labels: Vec<bool>,
}

impl CalibrationSet {
    /// Pairs scores with labels; errors when the lengths differ, the set is empty, or a score
    /// is not finite.
    pub fn new(scores: Vec<f64>, labels: Vec<bool>) -> Result<Self, TriageError> {
        if scores.len() != labels.len() {
            return Err(TriageError::LengthMismatch {
                what: "calibration labels",
                expected: scores.len(),
                found: labels.len(),
            });
        }
        if scores.is_empty() {
            return Err(TriageError::EmptyCalibration);
        }
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(TriageError::NonFiniteScore { row, value });
        }
        Ok(Self { scores, labels })
    }

    /// The scores.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// The labels (true = threat).
    pub fn labels(&self) -> &[bool] {
        &self.labels
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Always false: an empty set cannot be built.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The pairs sorted by score (ties by label, false first), for deterministic fitting.
    pub(crate) fn sorted(&self) -> Vec<(f64, bool)> {
        let mut v: Vec<(f64, bool)> = self
            .scores
            .iter()
            .copied()
            .zip(self.labels.iter().copied())
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }
}

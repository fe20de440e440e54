//! The data a calibrator is fitted on.

use crate::error::TriageError;

/// Model scores and binary outcomes (true = threat) of a calibration set.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSet {
    scores: Vec<f64>,
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
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
        Ok(Self {
            scores,
            labels,
            weights: None,
        })
    }

    /// Gives each pair a weight (finite, ≥ 0, one per pair, not all 0), e.g. to cap how much
    /// one large organisation moves the calibrator. Isotonic calibration uses them; Platt
    /// ignores them.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self, TriageError> {
        if weights.len() != self.scores.len() {
            return Err(TriageError::LengthMismatch {
                what: "calibration weights",
                expected: self.scores.len(),
                found: weights.len(),
            });
        }
        if let Some((row, &value)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(TriageError::NonFiniteScore { row, value });
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(TriageError::EmptyCalibration);
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// The weights, when set.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
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

    /// The triples (score, label, weight) sorted by score (ties by label, false first), for
    /// deterministic fitting; weight 1 when none were given.
    pub(crate) fn sorted_weighted(&self) -> Vec<(f64, bool, f64)> {
        let mut v: Vec<(f64, bool, f64)> = self
            .scores
            .iter()
            .copied()
            .zip(self.labels.iter().copied())
            .enumerate()
            .map(|(i, (s, y))| {
                let w = self
                    .weights
                    .as_ref()
                    .and_then(|w| w.get(i).copied())
                    .unwrap_or(1.0);
                (s, y, w)
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }
}

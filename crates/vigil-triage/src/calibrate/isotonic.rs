//! Isotonic regression by pool-adjacent-violators (PAV).

use serde::{Deserialize, Serialize};
use vigil_core::Fit;

use super::{CalibrationSet, Calibrator, clamp01};
use crate::error::TriageError;

/// Hyperparameters of isotonic calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IsotonicParams {
    /// Pseudo-count pulling each block's rate towards the overall rate (0 = plain PAV). A
    /// little smoothing keeps a block of three alerts from mapping to exactly 0 or 1.
    pub prior_weight: f64,
}

impl Default for IsotonicParams {
    fn default() -> Self {
        Self { prior_weight: 1.0 }
    }
}

/// A fitted isotonic map: knots `(score, rate)` with non-decreasing rates, interpolated
/// linearly between knots and constant beyond the ends.
///
/// Deserialising checks the knots (as many scores as rates, at least one, scores finite and
/// non-decreasing, rates in `[0, 1]` and non-decreasing), so a saved map read back is one
/// `fit` could have made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SavedIsotonic")]
pub struct Isotonic {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// An [`Isotonic`] as read, before its knots are checked.
#[derive(Deserialize)]
struct SavedIsotonic {
    xs: Vec<f64>,
    ys: Vec<f64>,
}

impl TryFrom<SavedIsotonic> for Isotonic {
    type Error = String;

    fn try_from(s: SavedIsotonic) -> Result<Self, String> {
        let (xs, ys) = (s.xs, s.ys);
        if xs.len() != ys.len() || xs.is_empty() {
            return Err(format!(
                "isotonic map: {} knot scores and {} rates, expected as many and at least one",
                xs.len(),
                ys.len()
            ));
        }
        if let Some(i) = xs.iter().position(|x| !x.is_finite()) {
            return Err(format!("isotonic map: knot {i} score is not finite"));
        }
        if let Some(i) = ys.iter().position(|y| !(0.0..=1.0).contains(y)) {
            return Err(format!("isotonic map: knot {i} rate is outside [0, 1]"));
        }
        if let Some(i) =
            (1..xs.len()).find(|&i| xs.get(i) < xs.get(i - 1) || ys.get(i) < ys.get(i - 1))
        {
            return Err(format!("isotonic map: knot {i} decreases"));
        }
        Ok(Self { xs, ys })
    }
}

impl Isotonic {
    /// The knots: block mean scores and block rates.
    pub fn knots(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.xs.iter().copied().zip(self.ys.iter().copied())
    }
}

impl Fit<CalibrationSet> for IsotonicParams {
    type Fitted = Isotonic;
    type Error = TriageError;

    fn fit(&self, set: &CalibrationSet) -> Result<Isotonic, TriageError> {
        crate::error::require_non_negative("prior_weight", self.prior_weight)?;
        let pairs = set.sorted_weighted();
        let total: f64 = pairs.iter().map(|p| p.2).sum();
        let pos: f64 = pairs.iter().filter(|p| p.1).map(|p| p.2).sum();
        let base = if total > 0.0 { pos / total } else { 0.0 };
        // Blocks of (weighted sum of scores, weighted positives, weight); equal
        // scores start in one block so the map is a function of the score. Zero-weight pairs
        // carry no information and are skipped.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::with_capacity(pairs.len());
        for (s, y, wt) in pairs {
            if wt <= 0.0 {
                continue;
            }
            let yv = if y { wt } else { 0.0 };
            match blocks.last_mut() {
                Some(last) if last.2 > 0.0 && last.0 / last.2 == s => {
                    last.0 += s * wt;
                    last.1 += yv;
                    last.2 += wt;
                }
                _ => blocks.push((s * wt, yv, wt)),
            }
            // Pool while the last block's rate is below the previous one's.
            while blocks.len() >= 2 {
                let k = blocks.len();
                let (a, b) = (blocks[k - 2], blocks[k - 1]);
                if a.1 / a.2 > b.1 / b.2 {
                    blocks.truncate(k - 2);
                    blocks.push((a.0 + b.0, a.1 + b.1, a.2 + b.2));
                } else {
                    break;
                }
            }
        }
        if blocks.is_empty() {
            return Err(TriageError::EmptyCalibration);
        }
        let w = self.prior_weight;
        let xs = blocks.iter().map(|b| b.0 / b.2).collect();
        // Shrinking towards the base rate moves small blocks more than large ones, which can
        // reorder two nearly equal rates; a running maximum restores monotonicity.
        let mut ys: Vec<f64> = blocks
            .iter()
            .map(|b| (b.1 + w * base) / (b.2 + w))
            .collect();
        for i in 1..ys.len() {
            ys[i] = ys[i].max(ys[i - 1]);
        }
        Ok(Isotonic { xs, ys })
    }
}

impl Calibrator for Isotonic {
    fn calibrate(&self, p: f64) -> f64 {
        let p = if p.is_nan() { 0.0 } else { p };
        let i = self.xs.partition_point(|&x| x <= p);
        let y = match (i.checked_sub(1), self.xs.get(i)) {
            (None, _) => self.ys.first().copied().unwrap_or(0.0),
            (Some(j), None) => self.ys.get(j).copied().unwrap_or(0.0),
            (Some(j), Some(&x1)) => {
                let x0 = self.xs.get(j).copied().unwrap_or(x1);
                let y0 = self.ys.get(j).copied().unwrap_or(0.0);
                let y1 = self.ys.get(i).copied().unwrap_or(y0);
                if x1 > x0 {
                    y0 + (y1 - y0) * (p - x0) / (x1 - x0)
                } else {
                    y0
                }
            }
        };
        clamp01(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_violators() {
        let set =
            CalibrationSet::new(vec![0.1, 0.2, 0.3, 0.4], vec![false, true, false, true]).unwrap();
        let iso = IsotonicParams { prior_weight: 0.0 }.fit(&set).unwrap();
        let ys: Vec<f64> = iso.knots().map(|k| k.1).collect();
        assert_eq!(ys, vec![0.0, 0.5, 1.0]);
        assert_eq!(iso.calibrate(0.0), 0.0);
        assert_eq!(iso.calibrate(1.0), 1.0);
        assert!((iso.calibrate(0.25) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn weights_act_as_repetitions() {
        let (s, y) = (vec![0.1, 0.2, 0.3], vec![false, true, true]);
        let weighted = CalibrationSet::new(s, y)
            .unwrap()
            .with_weights(vec![2.0, 1.0, 3.0])
            .unwrap();
        let repeated = CalibrationSet::new(
            vec![0.1, 0.1, 0.2, 0.3, 0.3, 0.3],
            vec![false, false, true, true, true, true],
        )
        .unwrap();
        let p = IsotonicParams::default();
        let (a, b) = (p.fit(&weighted).unwrap(), p.fit(&repeated).unwrap());
        for x in [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 1.0] {
            assert!((a.calibrate(x) - b.calibrate(x)).abs() < 1e-12, "at {x}");
        }
        let zero = CalibrationSet::new(vec![0.1], vec![true]).unwrap();
        assert!(zero.with_weights(vec![0.0]).is_err());
    }
}

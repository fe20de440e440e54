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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    xs: Vec<f64>,
    ys: Vec<f64>,
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
        if !(self.prior_weight.is_finite() && self.prior_weight >= 0.0) {
            return Err(TriageError::InvalidParameter {
                name: "prior_weight",
                reason: format!("must be finite and >= 0, got {}", self.prior_weight),
            });
        }
        let pairs = set.sorted();
        let n = pairs.len() as f64;
        let base = pairs.iter().filter(|p| p.1).count() as f64 / n;
        // Blocks of (sum of scores, positives, count); equal scores start in one block so
        // the map is a function of the score.
        let mut blocks: Vec<(f64, f64, f64)> = Vec::with_capacity(pairs.len());
        for (s, y) in pairs {
            let yv = if y { 1.0 } else { 0.0 };
            match blocks.last_mut() {
                Some(last) if last.2 > 0.0 && last.0 / last.2 == s => {
                    last.0 += s;
                    last.1 += yv;
                    last.2 += 1.0;
                }
                _ => blocks.push((s, yv, 1.0)),
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
                let (x0, y0) = (self.xs[j], self.ys[j]);
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
}

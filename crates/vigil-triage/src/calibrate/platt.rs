//! Platt scaling: a logistic regression on the model's log-odds.

use serde::{Deserialize, Serialize};
use vigil_core::Fit;

use super::{CalibrationSet, Calibrator};
use crate::error::TriageError;

/// Hyperparameters of Platt scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlattParams {
    /// Newton iterations at most.
    pub max_iter: usize,
    /// Probabilities are clipped to `[eps, 1 - eps]` before taking log-odds.
    pub eps: f64,
}

impl Default for PlattParams {
    fn default() -> Self {
        Self {
            max_iter: 100,
            eps: 1e-6,
        }
    }
}

/// A fitted Platt map: `sigmoid(a · logit(p) + b)`, with `a ≥ 0` so it is non-decreasing.
///
/// Deserialising checks what `fit` guarantees: `a` finite and ≥ 0, `b` finite, `eps` in
/// `(0, 0.5)` (a larger one would make the clipping range empty).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SavedPlatt")]
pub struct Platt {
    /// Slope on the log-odds.
    pub a: f64,
    /// Intercept.
    pub b: f64,
    eps: f64,
}

/// A [`Platt`] as read, before it is checked.
#[derive(Deserialize)]
struct SavedPlatt {
    a: f64,
    b: f64,
    eps: f64,
}

impl TryFrom<SavedPlatt> for Platt {
    type Error = String;

    fn try_from(s: SavedPlatt) -> Result<Self, String> {
        if !(s.a.is_finite() && s.a >= 0.0 && s.b.is_finite()) {
            return Err(format!(
                "Platt map: slope {} must be finite and >= 0, intercept {} finite",
                s.a, s.b
            ));
        }
        if !(s.eps > 0.0 && s.eps < 0.5) {
            return Err(format!("Platt map: eps {} must be in (0, 0.5)", s.eps));
        }
        Ok(Self {
            a: s.a,
            b: s.b,
            eps: s.eps,
        })
    }
}

fn logit(p: f64, eps: f64) -> f64 {
    let p = if p.is_nan() { 0.0 } else { p }.clamp(eps, 1.0 - eps);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Fit<CalibrationSet> for PlattParams {
    type Fitted = Platt;
    type Error = TriageError;

    /// Newton's method on the log-loss with Platt's smoothed targets
    /// (`(n₊ + 1)/(n₊ + 2)` and `1/(n₋ + 2)`), which keeps the fit finite when the classes
    /// separate.
    fn fit(&self, set: &CalibrationSet) -> Result<Platt, TriageError> {
        if !(self.eps > 0.0 && self.eps < 0.5) {
            return Err(TriageError::InvalidParameter {
                name: "eps",
                reason: format!("must be in (0, 0.5), got {}", self.eps),
            });
        }
        let xs: Vec<f64> = set.scores().iter().map(|&p| logit(p, self.eps)).collect();
        let pos = set.labels().iter().filter(|&&y| y).count() as f64;
        let neg = set.len() as f64 - pos;
        let (t1, t0) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
        let ts: Vec<f64> = set
            .labels()
            .iter()
            .map(|&y| if y { t1 } else { t0 })
            .collect();
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..self.max_iter {
            // Gradient and Hessian of the mean log-loss in (a, b), plus a small ridge.
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for (&x, &t) in xs.iter().zip(&ts) {
                let p = sigmoid(a * x + b);
                let d = p - t;
                let w = p * (1.0 - p);
                ga += d * x;
                gb += d;
                haa += w * x * x;
                hab += w * x;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() + db.abs() < 1e-10 {
                break;
            }
        }
        if !(a.is_finite() && b.is_finite()) {
            return Err(TriageError::NotConverged {
                what: "Platt scaling",
            });
        }
        // A negative slope would reverse the ranking; fall back to a constant rate.
        if a < 0.0 {
            let rate = (pos + 1.0) / (set.len() as f64 + 2.0);
            return Ok(Platt {
                a: 0.0,
                b: logit(rate, self.eps),
                eps: self.eps,
            });
        }
        Ok(Platt {
            a,
            b,
            eps: self.eps,
        })
    }
}

impl Calibrator for Platt {
    fn calibrate(&self, p: f64) -> f64 {
        sigmoid(self.a * logit(p, self.eps) + self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_miscalibrated_slope() {
        // True rate is sigmoid(0.5 * logit(p)): the model is over-confident.
        let mut rng = vigil_core::SplitMix64::new(3);
        let (mut s, mut l) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            let p = rng.next_f64().clamp(0.01, 0.99);
            let truth = sigmoid(0.5 * logit(p, 1e-6));
            s.push(p);
            l.push(rng.next_f64() < truth);
        }
        let platt = PlattParams::default()
            .fit(&CalibrationSet::new(s, l).unwrap())
            .unwrap();
        assert!((platt.a - 0.5).abs() < 0.05, "a = {}", platt.a);
        assert!(platt.b.abs() < 0.1, "b = {}", platt.b);
    }
}

//! Test helpers: a stand-in model (weighted logistic regression) and verdict builders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use ndarray::{Array1, Array2, ArrayView2};
use vigil_core::{CoreError, FeatureSchema, Fit, LabeledData, Scorer, Verdict, VerdictEvent};

/// Weighted logistic regression by full-batch gradient descent: deterministic, small.
#[derive(Debug, Clone)]
pub struct LogRegParams {
    pub iters: usize,
    pub lr: f64,
    pub l2: f64,
}

impl Default for LogRegParams {
    fn default() -> Self {
        Self {
            iters: 300,
            lr: 0.5,
            l2: 1e-3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogReg {
    pub w: Array1<f64>,
    pub b: f64,
    pub schema: FeatureSchema,
}

impl Fit<LabeledData> for LogRegParams {
    type Fitted = LogReg;
    type Error = CoreError;
    fn fit(&self, d: &LabeledData) -> Result<LogReg, CoreError> {
        let n = d.len();
        let p = d.schema.len();
        let weights = d.weights.clone().unwrap_or_else(|| Array1::ones(n));
        let wsum = weights.sum().max(1e-12);
        // y = 1 for the threat class (class 0).
        let y: Array1<f64> = d.targets.mapv(|t| if t == 0 { 1.0 } else { 0.0 });
        let mut w = Array1::zeros(p);
        let mut b = 0.0;
        for _ in 0..self.iters {
            let z = d.features.dot(&w) + b;
            let pr = z.mapv(|v| 1.0 / (1.0 + (-v).exp()));
            let r = (&pr - &y) * &weights;
            let gw = d.features.t().dot(&r) / wsum + &w * self.l2;
            let gb = r.sum() / wsum;
            w = w - gw * self.lr;
            b -= gb * self.lr;
        }
        Ok(LogReg {
            w,
            b,
            schema: d.schema.clone(),
        })
    }
}

impl Scorer for LogReg {
    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }
    fn n_classes(&self) -> usize {
        2
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let z = x.dot(&self.w) + self.b;
        let mut out = Array2::zeros((x.nrows(), 2));
        for (i, v) in z.iter().enumerate() {
            let p = 1.0 / (1.0 + (-v).exp());
            out[[i, 0]] = p;
            out[[i, 1]] = 1.0 - p;
        }
        Ok(out)
    }
}

pub fn event(alert: &str, verdict: Verdict, analyst: &str, t: i64) -> VerdictEvent {
    VerdictEvent {
        alert_id: alert.to_string(),
        verdict,
        analyst: analyst.to_string(),
        at: chrono::DateTime::from_timestamp(t, 0).unwrap(),
        detector: Some(format!("det-{}", alert.len() % 3)),
        reason: Some("test".into()),
    }
}

/// The `i`-th verdict of a deterministic stream: everything in it follows from `i`, so a test
/// can check a stored verdict against `numbered_event(id)`; every other one has no reason, so
/// round trips cover both.
pub fn numbered_event(i: u64) -> VerdictEvent {
    VerdictEvent {
        alert_id: format!("alert-{i}"),
        verdict: Verdict::ALL[(i % 3) as usize],
        analyst: format!("analyst-{}", i % 4),
        at: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
        detector: Some("ids".into()),
        reason: i.is_multiple_of(2).then(|| format!("reason {i}")),
    }
}

pub fn verdict_of(threat: bool) -> Verdict {
    if threat {
        Verdict::TruePositive
    } else {
        Verdict::FalsePositive
    }
}

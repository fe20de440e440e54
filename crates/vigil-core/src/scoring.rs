//! Scoring traits: a fitted model over feature rows, and a whole alert scorer.

use std::sync::Arc;

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::{Alert, CoreError, Explanation, FeatureSchema, Score};

/// A fitted model over feature rows (the output of [`crate::Fit::fit`]).
///
/// Object-safe, so a registry or a champion/challenger pair can hold `Box<dyn Scorer>`.
pub trait Scorer: Send + Sync {
    /// The feature schema the model was fitted on.
    fn schema(&self) -> &FeatureSchema;

    /// Number of classes the model predicts. Class 0 is the threat class
    /// ([`crate::Verdict::TruePositive`] or malicious).
    fn n_classes(&self) -> usize;

    /// Class probabilities, one row per input row, each row summing to 1.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError>;

    /// Probability of the threat class for one row.
    fn threat_probability(&self, row: ArrayView1<'_, f64>) -> Result<f64, CoreError> {
        let x = row.insert_axis(ndarray::Axis(0));
        let p = self.predict_proba(x)?;
        Ok(p[[0, 0]])
    }

    /// Additive explanation of the threat score of one row, when the model supports it.
    fn explain(&self, _row: ArrayView1<'_, f64>) -> Option<Explanation> {
        None
    }
}

impl<T: Scorer + ?Sized> Scorer for Box<T> {
    fn schema(&self) -> &FeatureSchema {
        (**self).schema()
    }
    fn n_classes(&self) -> usize {
        (**self).n_classes()
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        (**self).predict_proba(x)
    }
    fn threat_probability(&self, row: ArrayView1<'_, f64>) -> Result<f64, CoreError> {
        (**self).threat_probability(row)
    }
    fn explain(&self, row: ArrayView1<'_, f64>) -> Option<Explanation> {
        (**self).explain(row)
    }
}

impl<T: Scorer + ?Sized> Scorer for Arc<T> {
    fn schema(&self) -> &FeatureSchema {
        (**self).schema()
    }
    fn n_classes(&self) -> usize {
        (**self).n_classes()
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        (**self).predict_proba(x)
    }
    fn threat_probability(&self, row: ArrayView1<'_, f64>) -> Result<f64, CoreError> {
        (**self).threat_probability(row)
    }
    fn explain(&self, row: ArrayView1<'_, f64>) -> Option<Explanation> {
        (**self).explain(row)
    }
}

/// Scores whole alerts: the trait the SOC replay, the CLI and researchers' own models plug
/// into. An implementation typically chains a feature extractor, a fitted [`Scorer`], a
/// calibrator and a risk formula.
///
/// ```
/// use vigil_core::{Alert, AlertScorer, CoreError, Score, Severity};
/// /// Scores by severity alone: the traditional SOC's queue order.
/// struct BySeverity;
/// impl AlertScorer for BySeverity {
///     fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
///         let w = alert.severity.weight();
///         Ok(Score::new(w, w))
///     }
/// }
/// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
/// a.severity = Severity::Critical;
/// assert_eq!(BySeverity.score(&a).unwrap().confidence, 1.0);
/// ```
pub trait AlertScorer: Send + Sync {
    /// Scores one alert.
    fn score(&self, alert: &Alert) -> Result<Score, CoreError>;

    /// Scores many; the default calls [`AlertScorer::score`] for each.
    fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
        alerts.iter().map(|a| self.score(a)).collect()
    }
}

impl<T: AlertScorer + ?Sized> AlertScorer for Box<T> {
    fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
        (**self).score(alert)
    }
    fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
        (**self).score_batch(alerts)
    }
}

impl<T: AlertScorer + ?Sized> AlertScorer for Arc<T> {
    fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
        (**self).score(alert)
    }
    fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
        (**self).score_batch(alerts)
    }
}

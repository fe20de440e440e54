//! [`Score`]: what every scorer returns.

use serde::{Deserialize, Serialize};

/// A scored alert: how sure the model is that it is a threat, how much is at stake, where it
/// goes in the queue, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Calibrated probability, in `[0, 1]`, that the alert is a true positive.
    pub confidence: f64,
    /// Risk in `[0, 1]`: confidence combined with impact (severity, asset criticality).
    pub risk: f64,
    /// Queue priority derived from risk.
    pub priority: Priority,
    /// Why the model scored it so.
    #[serde(default)]
    pub explanation: Explanation,
}

impl Score {
    /// A score from a confidence and a risk (both clamped to `[0, 1]`, NaN read as 0), with
    /// priority from [`Priority::from_risk`] and no explanation.
    ///
    /// ```
    /// # use vigil_core::{Score, Priority};
    /// let s = Score::new(0.9, 0.8);
    /// assert_eq!(s.priority, Priority::Critical);
    /// ```
    pub fn new(confidence: f64, risk: f64) -> Self {
        let clamp = |v: f64| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
        let risk = clamp(risk);
        Self {
            confidence: clamp(confidence),
            risk,
            priority: Priority::from_risk(risk),
            explanation: Explanation::default(),
        }
    }
}

/// Queue priority, from most to least urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Priority {
    /// Look now.
    Critical,
    /// Look soon.
    High,
    /// Look today.
    Medium,
    /// Look when the queue allows.
    Low,
    /// Candidate for suppression.
    Info,
}

impl Priority {
    /// Fixed risk cut-offs: ≥ 0.75 Critical, ≥ 0.5 High, ≥ 0.25 Medium, ≥ 0.05 Low, else Info.
    pub fn from_risk(risk: f64) -> Self {
        if risk >= 0.75 {
            Self::Critical
        } else if risk >= 0.5 {
            Self::High
        } else if risk >= 0.25 {
            Self::Medium
        } else if risk >= 0.05 {
            Self::Low
        } else {
            Self::Info
        }
    }
}

/// One feature's share of a model's raw score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Feature name, as in the model's schema.
    pub feature: String,
    /// Additive contribution to the raw (pre-calibration, usually log-odds) score.
    pub value: f64,
}

/// Additive explanation: `base + Σ contributions = raw score`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Explanation {
    /// The model's expected raw score over its training data.
    pub base: f64,
    /// The raw score the contributions add up to.
    pub raw: f64,
    /// The contributions, largest magnitude first (a scorer may keep only the top ones).
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// An explanation from one contribution per feature (`phi[i]` is `names[i]`'s): zero
    /// contributions are dropped and the rest ordered largest magnitude first, ties by feature
    /// name, so the order depends on the values and names only, not on the schema's order.
    ///
    /// ```
    /// use vigil_core::Explanation;
    ///
    /// let names = ["b".to_string(), "a".to_string(), "c".to_string()];
    /// let e = Explanation::from_features(-1.0, 0.5, &names, &[0.75, 0.75, 0.0]);
    /// let order: Vec<&str> = e.contributions.iter().map(|c| c.feature.as_str()).collect();
    /// assert_eq!(order, ["a", "b"]);
    /// ```
    pub fn from_features(base: f64, raw: f64, names: &[String], phi: &[f64]) -> Self {
        let mut contributions: Vec<Contribution> = names
            .iter()
            .zip(phi)
            .filter(|(_, v)| **v != 0.0)
            .map(|(n, v)| Contribution {
                feature: n.clone(),
                value: *v,
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.value
                .abs()
                .total_cmp(&a.value.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        Self {
            base,
            raw,
            contributions,
        }
    }
}

//! The conformal-risk-control threshold, global or per group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vigil_core::Fit;

use crate::error::TriageError;

/// The largest `λ` with `(#{s < λ} + 1) / (n + 1) ≤ α` over the threat scores `tp_scores`:
/// the `(k+1)`-th smallest score with `k = ⌊α(n+1)⌋ − 1`, or `−∞` (suppress nothing) when
/// `k < 0`. `α` outside `(0, 1)` or a non-finite score is an error.
///
/// ```
/// # use vigil_triage::suppress::crc_threshold;
/// let s: Vec<f64> = (0..19).map(f64::from).collect();
/// assert_eq!(crc_threshold(&s, 0.1).unwrap(), 1.0); // k = ⌊0.1·20⌋ − 1 = 1
/// assert_eq!(crc_threshold(&s, 0.01).unwrap(), f64::NEG_INFINITY); // too few to certify
/// ```
pub fn crc_threshold(tp_scores: &[f64], alpha: f64) -> Result<f64, TriageError> {
    check_alpha(alpha)?;
    if let Some((row, &value)) = tp_scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(TriageError::NonFiniteScore { row, value });
    }
    let n = tp_scores.len();
    // k = ⌊α(n+1)⌋ − 1, computed in floating point then floored; the small epsilon keeps an
    // exact product such as 0.05 · 100 = 5 from flooring to 4 through rounding.
    let allowed = (alpha * (n as f64 + 1.0) + 1e-9).floor() - 1.0;
    if allowed < 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    let k = allowed as usize;
    let mut sorted = tp_scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted.get(k).copied().unwrap_or(f64::INFINITY))
}

fn check_alpha(alpha: f64) -> Result<(), TriageError> {
    if alpha > 0.0 && alpha < 1.0 {
        Ok(())
    } else {
        Err(TriageError::InvalidParameter {
            name: "alpha",
            reason: format!("must be in (0, 1), got {alpha}"),
        })
    }
}

/// Calibration data for suppression: scores, whether each row is a threat, and optionally a
/// group (detector) per row.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressionSet {
    scores: Vec<f64>,
    threat: Vec<bool>,
    groups: Option<Vec<String>>,
}

impl SuppressionSet {
    /// Builds the set; lengths must agree and scores be finite.
    pub fn new(
        scores: Vec<f64>,
        threat: Vec<bool>,
        groups: Option<Vec<String>>,
    ) -> Result<Self, TriageError> {
        if threat.len() != scores.len() {
            return Err(TriageError::LengthMismatch {
                what: "suppression labels",
                expected: scores.len(),
                found: threat.len(),
            });
        }
        if let Some(g) = &groups
            && g.len() != scores.len()
        {
            return Err(TriageError::LengthMismatch {
                what: "suppression groups",
                expected: scores.len(),
                found: g.len(),
            });
        }
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(TriageError::NonFiniteScore { row, value });
        }
        Ok(Self {
            scores,
            threat,
            groups,
        })
    }

    fn tp_scores(&self) -> Vec<f64> {
        self.scores
            .iter()
            .zip(&self.threat)
            .filter(|(_, t)| **t)
            .map(|(s, _)| *s)
            .collect()
    }
}

/// Hyperparameters of suppression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressionParams {
    /// Largest expected share of true positives that may be suppressed, in `(0, 1)`.
    pub alpha: f64,
    /// Per-group thresholds for groups with at least this many calibration true positives
    /// (`None`: one global threshold).
    pub per_group: Option<usize>,
}

impl SuppressionParams {
    /// One global threshold at level `alpha`.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            per_group: None,
        }
    }

    /// Per-group thresholds for groups with at least `min_tp` calibration true positives;
    /// the other groups share one threshold fitted on their pooled true positives.
    pub fn per_group(mut self, min_tp: usize) -> Self {
        self.per_group = Some(min_tp);
        self
    }
}

/// A fitted suppressor: suppress when the score is strictly below the threshold.
///
/// Thresholds may be −∞ (nothing certified); JSON has no infinities, so they are saved as
/// the strings `"-inf"` / `"inf"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressor {
    alpha: f64,
    #[serde(with = "extended_f64")]
    global: f64,
    /// Thresholds of groups with their own; others use `pooled`.
    #[serde(with = "extended_f64_map")]
    groups: BTreeMap<String, f64>,
    #[serde(with = "extended_f64")]
    pooled: f64,
    n_tp: usize,
}

/// An `f64` that may be infinite, as JSON: finite numbers as numbers, ±∞ as strings.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Ext {
    Num(f64),
    Text(String),
}

impl Ext {
    fn from_f64(v: f64) -> Self {
        if v.is_finite() {
            Self::Num(v)
        } else if v > 0.0 {
            Self::Text("inf".into())
        } else {
            Self::Text("-inf".into())
        }
    }

    fn into_f64<E: serde::de::Error>(self) -> Result<f64, E> {
        match self {
            Self::Num(v) => Ok(v),
            Self::Text(t) if t == "-inf" => Ok(f64::NEG_INFINITY),
            Self::Text(t) if t == "inf" => Ok(f64::INFINITY),
            Self::Text(t) => Err(E::custom(format!(
                "expected a number, \"inf\" or \"-inf\", found {t:?}"
            ))),
        }
    }
}

mod extended_f64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        super::Ext::from_f64(*v).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::Ext::deserialize(d)?.into_f64()
    }
}

mod extended_f64_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<String, f64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let v: BTreeMap<&String, super::Ext> = m
            .iter()
            .map(|(k, v)| (k, super::Ext::from_f64(*v)))
            .collect();
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, f64>, D::Error> {
        BTreeMap::<String, super::Ext>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| v.into_f64().map(|f| (k, f)))
            .collect()
    }
}

impl Fit<SuppressionSet> for SuppressionParams {
    type Fitted = Suppressor;
    type Error = TriageError;

    fn fit(&self, set: &SuppressionSet) -> Result<Suppressor, TriageError> {
        check_alpha(self.alpha)?;
        let tp = set.tp_scores();
        let global = crc_threshold(&tp, self.alpha)?;
        let mut groups = BTreeMap::new();
        let mut pooled = global;
        if let (Some(min_tp), Some(g)) = (self.per_group, &set.groups) {
            // BTreeMap: group order, hence the result, does not depend on hashing.
            let mut by_group: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
            for ((s, t), name) in set.scores.iter().zip(&set.threat).zip(g) {
                if *t {
                    by_group.entry(name.as_str()).or_default().push(*s);
                }
            }
            let mut rest = Vec::new();
            for (name, scores) in by_group {
                if scores.len() >= min_tp.max(1) {
                    groups.insert(name.to_owned(), crc_threshold(&scores, self.alpha)?);
                } else {
                    rest.extend(scores);
                }
            }
            pooled = crc_threshold(&rest, self.alpha)?;
        }
        Ok(Suppressor {
            alpha: self.alpha,
            global,
            groups,
            pooled,
            n_tp: tp.len(),
        })
    }
}

impl Suppressor {
    /// The level it was fitted for.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The global threshold (−∞ when nothing could be certified).
    pub fn global_threshold(&self) -> f64 {
        self.global
    }

    /// Number of calibration true positives it was fitted on.
    pub fn n_calibration_threats(&self) -> usize {
        self.n_tp
    }

    /// The threshold that applies to `group` (the global one without per-group fitting).
    pub fn threshold_for(&self, group: Option<&str>) -> f64 {
        if self.groups.is_empty() && self.pooled == self.global {
            return self.global;
        }
        group
            .and_then(|g| self.groups.get(g))
            .copied()
            .unwrap_or(self.pooled)
    }

    /// True when an alert of `group` with threat score `score` is suppressed.
    pub fn suppress(&self, score: f64, group: Option<&str>) -> bool {
        let s = if score.is_nan() { 0.0 } else { score };
        s < self.threshold_for(group)
    }
}

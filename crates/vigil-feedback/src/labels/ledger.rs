//! Per-analyst agreement tracking.

use serde::{Deserialize, Serialize};
use vigil_core::SeededMap;

use crate::FeedbackError;
use crate::stats::clopper_pearson_upper;
use crate::store::StoredVerdict;

/// When an analyst is flagged and how much a flagged analyst still counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerParams {
    /// Agreement below which an analyst is an outlier.
    pub flag_below: f64,
    /// Confidence that agreement really is below `flag_below` before flagging (one-sided
    /// Clopper–Pearson upper bound under `flag_below`).
    pub confidence: f64,
    /// Weight multiplier for a flagged analyst (overall, or on one detector).
    pub flagged_weight: f64,
}

impl Default for LedgerParams {
    fn default() -> Self {
        Self {
            flag_below: 0.8,
            confidence: 0.95,
            flagged_weight: 0.05,
        }
    }
}

impl LedgerParams {
    /// Checks the ranges.
    pub fn check(self) -> Result<Self, FeedbackError> {
        let unit = |name, v: f64| {
            FeedbackError::require((0.0..=1.0).contains(&v), name, "a value in [0, 1]", v)
        };
        unit("flag_below", self.flag_below)?;
        unit("confidence", self.confidence)?;
        unit("flagged_weight", self.flagged_weight)?;
        Ok(self)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Tally {
    agree: u64,
    total: u64,
}

impl Tally {
    fn add(&mut self, agreed: bool) {
        self.total += 1;
        if agreed {
            self.agree += 1;
        }
    }
}

/// An analyst's standing, for the oversight report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalystStanding {
    /// The analyst.
    pub analyst: String,
    /// Comparisons made.
    pub compared: u64,
    /// Comparisons where the analyst agreed.
    pub agreed: u64,
    /// Posterior mean agreement, `(agreed + 1) / (compared + 2)`.
    pub reliability: f64,
    /// True when flagged overall.
    pub flagged: bool,
    /// Detectors on which the analyst is flagged.
    pub flagged_detectors: Vec<String>,
}

/// Agreement of each analyst with the others, overall and per detector.
///
/// Agreement is on the threat / not-threat decision (TP against BP or FP), which is what
/// training uses. Comparisons come from alerts reviewed by several analysts
/// ([`AnalystLedger::observe_verdicts`], leave-one-out) and, optionally, from alerts where a
/// model is confident ([`AnalystLedger::observe`] with the caller's reference).
#[derive(Debug, Clone, Default)]
pub struct AnalystLedger {
    params: LedgerParams,
    overall: SeededMap<String, Tally>,
    per_detector: SeededMap<(String, String), Tally>,
}

impl AnalystLedger {
    /// A ledger with these (checked) parameters.
    pub fn new(params: LedgerParams) -> Result<Self, FeedbackError> {
        Ok(Self {
            params: params.check()?,
            ..Self::default()
        })
    }

    /// Records one comparison of `analyst` against a reference label.
    pub fn observe(&mut self, analyst: &str, detector: Option<&str>, agreed: bool) {
        self.overall
            .entry(analyst.to_string())
            .or_default()
            .add(agreed);
        if let Some(d) = detector {
            self.per_detector
                .entry((analyst.to_string(), d.to_string()))
                .or_default()
                .add(agreed);
        }
    }

    /// Compares every analyst with the weighted majority of the *other* analysts on each alert
    /// reviewed by at least two analysts. Returns the number of comparisons made.
    pub fn observe_verdicts(&mut self, verdicts: &[StoredVerdict]) -> usize {
        let mut by_alert: SeededMap<&str, Vec<&StoredVerdict>> = SeededMap::default();
        for v in verdicts {
            by_alert
                .entry(v.event.alert_id.as_str())
                .or_default()
                .push(v);
        }
        let mut comparisons: Vec<(String, Option<String>, bool, u64)> = Vec::new();
        for vs in by_alert.values() {
            for v in vs {
                let (mut threat, mut other) = (0.0, 0.0);
                for o in vs.iter().filter(|o| o.event.analyst != v.event.analyst) {
                    let w = self.weight(&o.event.analyst, o.event.detector.as_deref());
                    if o.event.verdict.is_threat() {
                        threat += w;
                    } else {
                        other += w;
                    }
                }
                if threat + other <= 0.0 || threat == other {
                    continue;
                }
                let reference = threat > other;
                comparisons.push((
                    v.event.analyst.clone(),
                    v.event.detector.clone(),
                    v.event.verdict.is_threat() == reference,
                    v.id,
                ));
            }
        }
        // Apply in id order so the ledger does not depend on hash order.
        comparisons.sort_by_key(|c| c.3);
        let n = comparisons.len();
        for (analyst, detector, agreed, _) in comparisons {
            self.observe(&analyst, detector.as_deref(), agreed);
        }
        n
    }

    /// Posterior mean agreement (uniform prior): `(agreed + 1) / (compared + 2)`.
    pub fn reliability(&self, analyst: &str) -> f64 {
        let t = self.overall.get(analyst).copied().unwrap_or_default();
        (t.agree as f64 + 1.0) / (t.total as f64 + 2.0)
    }

    fn flagged_tally(&self, t: Tally) -> bool {
        t.total > 0
            && clopper_pearson_upper(t.agree, t.total, self.params.confidence)
                < self.params.flag_below
    }

    /// True when the analyst's agreement is, with the configured confidence, below the
    /// threshold.
    pub fn is_flagged(&self, analyst: &str) -> bool {
        self.overall
            .get(analyst)
            .is_some_and(|t| self.flagged_tally(*t))
    }

    /// True when the analyst is flagged on this detector's alerts.
    pub fn is_flagged_on(&self, analyst: &str, detector: &str) -> bool {
        self.per_detector
            .get(&(analyst.to_string(), detector.to_string()))
            .is_some_and(|t| self.flagged_tally(*t))
    }

    /// The weight of an analyst's verdict: reliability, times `flagged_weight` when flagged
    /// overall or on this detector.
    pub fn weight(&self, analyst: &str, detector: Option<&str>) -> f64 {
        let mut w = self.reliability(analyst);
        if self.is_flagged(analyst) || detector.is_some_and(|d| self.is_flagged_on(analyst, d)) {
            w *= self.params.flagged_weight;
        }
        w
    }

    /// Every analyst's standing, by name.
    pub fn standings(&self) -> Vec<AnalystStanding> {
        let mut out: Vec<AnalystStanding> = self
            .overall
            .iter()
            .map(|(a, t)| {
                let mut flagged_detectors: Vec<String> = self
                    .per_detector
                    .iter()
                    .filter(|((pa, _), pt)| pa == a && self.flagged_tally(**pt))
                    .map(|((_, d), _)| d.clone())
                    .collect();
                flagged_detectors.sort();
                AnalystStanding {
                    analyst: a.clone(),
                    compared: t.total,
                    agreed: t.agree,
                    reliability: self.reliability(a),
                    flagged: self.flagged_tally(*t),
                    flagged_detectors,
                }
            })
            .collect();
        out.sort_by(|a, b| a.analyst.cmp(&b.analyst));
        out
    }
}

//! Precision, false-positive rate and calibration per detector or alert type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default)]
struct Acc {
    n: u64,
    threats: u64,
    surfaced: u64,
    surfaced_threats: u64,
    brier: f64,
    // Calibration: per probability decile, (count, sum of p, threats).
    bins: [(u64, f64, u64); 10],
}

/// One group's quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupQuality {
    /// Detector or alert type.
    pub group: String,
    /// Alerts with a known outcome.
    pub alerts: u64,
    /// Of which threats.
    pub threats: u64,
    /// Share of surfaced (not suppressed) alerts that were threats.
    pub precision: f64,
    /// Share of benign alerts that were surfaced.
    pub fpr: f64,
    /// Share of threats that were suppressed.
    pub miss_rate: f64,
    /// Expected calibration error over 10 equal-width bins.
    pub ece: f64,
    /// Mean squared error of the threat probability.
    pub brier: f64,
}

/// Accumulates, per group, the model's probability, its decision and the outcome.
///
/// ```
/// use vigil_feedback::oversight::QualityTracker;
/// let mut q = QualityTracker::default();
/// q.record("ids", 0.9, false, true);
/// q.record("ids", 0.1, true, false);
/// let r = &q.report()[0];
/// assert_eq!((r.precision, r.fpr, r.miss_rate), (1.0, 0.0, 0.0));
/// ```
#[derive(Debug, Clone, Default)]
pub struct QualityTracker {
    // BTreeMap for a deterministic report order.
    groups: BTreeMap<String, Acc>,
}

impl QualityTracker {
    /// Records one alert: its group, threat probability, whether it was suppressed, and
    /// whether it was a threat.
    pub fn record(&mut self, group: &str, p_threat: f64, suppressed: bool, threat: bool) {
        let a = self.groups.entry(group.to_string()).or_default();
        let p = if p_threat.is_nan() {
            0.5
        } else {
            p_threat.clamp(0.0, 1.0)
        };
        a.n += 1;
        a.threats += u64::from(threat);
        if !suppressed {
            a.surfaced += 1;
            a.surfaced_threats += u64::from(threat);
        }
        let y = if threat { 1.0 } else { 0.0 };
        a.brier += (p - y) * (p - y);
        let b = ((p * 10.0) as usize).min(9);
        if let Some(bin) = a.bins.get_mut(b) {
            bin.0 += 1;
            bin.1 += p;
            bin.2 += u64::from(threat);
        }
    }

    /// Every group's quality, by name.
    pub fn report(&self) -> Vec<GroupQuality> {
        let ratio = |a: u64, b: u64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        self.groups
            .iter()
            .map(|(g, a)| {
                let benign = a.n - a.threats;
                let benign_surfaced = a.surfaced - a.surfaced_threats;
                let suppressed_threats = a.threats - a.surfaced_threats;
                let ece = a
                    .bins
                    .iter()
                    .filter(|b| b.0 > 0)
                    .map(|b| (b.1 / b.0 as f64 - b.2 as f64 / b.0 as f64).abs() * b.0 as f64)
                    .sum::<f64>()
                    / a.n.max(1) as f64;
                GroupQuality {
                    group: g.clone(),
                    alerts: a.n,
                    threats: a.threats,
                    precision: ratio(a.surfaced_threats, a.surfaced),
                    fpr: ratio(benign_surfaced, benign),
                    miss_rate: ratio(suppressed_threats, a.threats),
                    ece,
                    brier: a.brier / a.n.max(1) as f64,
                }
            })
            .collect()
    }
}

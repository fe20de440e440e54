//! Per-detector precision over time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One detector's reviewed alerts in one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecisionPoint {
    /// The detector.
    pub detector: String,
    /// Start of the period (unix seconds, a multiple of the period).
    pub period_start: i64,
    /// Reviewed alerts judged threats.
    pub threats: u64,
    /// Reviewed alerts.
    pub reviewed: u64,
    /// `threats / reviewed`.
    pub precision: f64,
}

/// Counts reviewed alerts per detector and fixed-length period, giving each detector's
/// precision (share of its reviewed alerts that were threats) as a time series: a detector
/// whose precision falls has started to fire on something new.
///
/// ```
/// use vigil_feedback::drift::PrecisionTracker;
/// let mut t = PrecisionTracker::new(3600);
/// t.record("ids", chrono::DateTime::UNIX_EPOCH, true);
/// t.record("ids", chrono::DateTime::UNIX_EPOCH, false);
/// assert_eq!(t.series("ids")[0].precision, 0.5);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PrecisionTracker {
    period: i64,
    // BTreeMap: deterministic order for reports; detector names are few and not hashed.
    counts: BTreeMap<(String, i64), (u64, u64)>,
}

impl PrecisionTracker {
    /// A tracker with periods of `period_secs` seconds (at least 1).
    pub fn new(period_secs: i64) -> Self {
        Self {
            period: period_secs.max(1),
            counts: BTreeMap::new(),
        }
    }

    /// Records one reviewed alert.
    pub fn record(&mut self, detector: &str, at: DateTime<Utc>, threat: bool) {
        let start = at.timestamp().div_euclid(self.period) * self.period;
        let c = self
            .counts
            .entry((detector.to_string(), start))
            .or_insert((0, 0));
        c.1 += 1;
        if threat {
            c.0 += 1;
        }
    }

    /// One detector's series, oldest first.
    pub fn series(&self, detector: &str) -> Vec<PrecisionPoint> {
        self.all()
            .into_iter()
            .filter(|p| p.detector == detector)
            .collect()
    }

    /// Every detector's series, by detector then time.
    pub fn all(&self) -> Vec<PrecisionPoint> {
        self.counts
            .iter()
            .map(|((d, s), (t, r))| PrecisionPoint {
                detector: d.clone(),
                period_start: *s,
                threats: *t,
                reviewed: *r,
                precision: if *r > 0 { *t as f64 / *r as f64 } else { 0.0 },
            })
            .collect()
    }
}

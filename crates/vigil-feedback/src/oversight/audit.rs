//! Audits of suppressed alerts.

use serde::{Deserialize, Serialize};
use vigil_core::SplitMix64;

use crate::stats::{Interval, clopper_pearson, clopper_pearson_upper, wilson};

/// Audit results: suppressed alerts reviewed, and how many were threats (misses).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTally {
    /// Suppressed alerts an analyst reviewed.
    pub audited: u64,
    /// Of those, threats: alerts the suppression would have missed.
    pub misses: u64,
}

impl AuditTally {
    /// Records one audited alert.
    pub fn record(&mut self, was_threat: bool) {
        self.audited += 1;
        self.misses += u64::from(was_threat);
    }

    /// Two-sided Clopper–Pearson interval of the realized miss rate (exact, conservative).
    pub fn clopper_pearson(&self, confidence: f64) -> Interval {
        clopper_pearson(self.misses, self.audited, confidence)
    }

    /// Wilson interval of the realized miss rate.
    pub fn wilson(&self, confidence: f64) -> Interval {
        wilson(self.misses, self.audited, confidence)
    }

    /// One-sided upper bound of the miss rate at `confidence` (Clopper–Pearson).
    pub fn upper(&self, confidence: f64) -> f64 {
        clopper_pearson_upper(self.misses, self.audited, confidence)
    }
}

/// Chooses suppressed alerts for audit: each with probability `rate`, independently, from a
/// seeded generator — a uniform sample, so the audited miss rate estimates the miss rate of
/// everything suppressed.
///
/// ```
/// use vigil_feedback::oversight::AuditSampler;
/// let mut s = AuditSampler::new(0.1, 7);
/// let picked = (0..10_000).filter(|_| s.pick()).count();
/// assert!((800..1200).contains(&picked));
/// ```
#[derive(Debug, Clone)]
pub struct AuditSampler {
    rate: f64,
    rng: SplitMix64,
}

impl AuditSampler {
    /// A sampler auditing each suppressed alert with probability `rate` (clamped to [0, 1]).
    pub fn new(rate: f64, seed: u64) -> Self {
        Self {
            rate: if rate.is_nan() {
                0.0
            } else {
                rate.clamp(0.0, 1.0)
            },
            rng: SplitMix64::new(seed),
        }
    }

    /// True when the next suppressed alert should be audited.
    pub fn pick(&mut self) -> bool {
        self.rng.next_f64() < self.rate
    }

    /// Up to `k` of `n` suppressed alerts, uniformly without replacement (sorted indices).
    pub fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        // Partial Fisher–Yates: the first k positions are a uniform sample.
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.rng.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx.sort_unstable();
        idx
    }
}

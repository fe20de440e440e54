//! When to retrain.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Why a retraining was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetrainReason {
    /// Enough new verdicts arrived.
    Verdicts,
    /// A drift detector fired on the error stream.
    Drift,
    /// The schedule came due.
    Schedule,
}

/// What the policy looks at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyState {
    /// Verdicts stored since the last retraining.
    pub new_verdicts: u64,
    /// True when drift was detected since the last retraining.
    pub drift: bool,
    /// When the last retraining ran (`None`: never).
    pub last_trained: Option<DateTime<Utc>>,
    /// Now (stream time in a replay).
    pub now: DateTime<Utc>,
}

/// Retrain every N verdicts, on drift, or on a schedule — whichever comes first — but never
/// with fewer than `min_new` new verdicts (nothing to learn from).
///
/// ```
/// use vigil_feedback::retrain::{PolicyState, RetrainPolicy, RetrainReason};
/// let p = RetrainPolicy { every_verdicts: Some(25), ..RetrainPolicy::default() };
/// let s = PolicyState { new_verdicts: 25, drift: false, last_trained: None,
///     now: chrono::DateTime::UNIX_EPOCH };
/// assert_eq!(p.decide(&s), Some(RetrainReason::Verdicts));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainPolicy {
    /// Retrain after this many new verdicts.
    pub every_verdicts: Option<u64>,
    /// Retrain when drift is detected.
    pub on_drift: bool,
    /// Retrain when this long has passed since the last retraining.
    pub every: Option<Duration>,
    /// Minimum new verdicts for any retraining.
    pub min_new: u64,
}

impl Default for RetrainPolicy {
    fn default() -> Self {
        Self {
            every_verdicts: Some(25),
            on_drift: true,
            every: Some(Duration::hours(24)),
            min_new: 5,
        }
    }
}

impl RetrainPolicy {
    /// The reason to retrain now, if any (verdict count first, then drift, then schedule).
    pub fn decide(&self, s: &PolicyState) -> Option<RetrainReason> {
        if s.new_verdicts < self.min_new.max(1) {
            return None;
        }
        if self.every_verdicts.is_some_and(|n| s.new_verdicts >= n) {
            return Some(RetrainReason::Verdicts);
        }
        if self.on_drift && s.drift {
            return Some(RetrainReason::Drift);
        }
        match (self.every, s.last_trained) {
            (Some(every), Some(last)) if s.now - last >= every => Some(RetrainReason::Schedule),
            _ => None,
        }
    }
}

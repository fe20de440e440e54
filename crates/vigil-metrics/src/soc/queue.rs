//! Queue length over time, for the report's queue plot.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::LifecycleLog;

use super::timeline::index;

/// Queue length just after a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePoint {
    /// When the length changed.
    pub at: DateTime<Utc>,
    /// Alerts waiting: created, not yet reviewed nor suppressed.
    pub waiting: usize,
}

/// The queue length as a step function: one point per moment it changes, in time order.
///
/// An alert joins the queue at its `Created` time and leaves at its first `Surfaced` or
/// `Suppressed` time (whichever is earlier); alerts never reviewed stay to the end. Alerts
/// without a `Created` event are ignored. Leaving before joining (a malformed log) is read as
/// leaving on arrival.
///
/// ```
/// use chrono::{DateTime, Duration};
/// use vigil_core::{LifecycleLog, LifecycleStage::*};
/// let t = DateTime::UNIX_EPOCH;
/// let mut log = LifecycleLog::new();
/// log.record("a", Created, t, None);
/// log.record("b", Created, t, None);
/// log.record("a", Surfaced, t + Duration::minutes(3), None);
/// let q = vigil_metrics::queue_length(&log);
/// assert_eq!(q.iter().map(|p| p.waiting).collect::<Vec<_>>(), [2, 1]);
/// ```
pub fn queue_length(log: &LifecycleLog) -> Vec<QueuePoint> {
    let mut deltas: Vec<(DateTime<Utc>, i64)> = Vec::new();
    for s in index(log).values() {
        let Some(created) = s.created else { continue };
        deltas.push((created, 1));
        let left = match (s.surfaced, s.suppressed) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(left) = left {
            deltas.push((left.max(created), -1));
        }
    }
    // At equal times, arrivals first, so the count never dips below zero in between.
    deltas.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<QueuePoint> = Vec::new();
    let mut waiting: i64 = 0;
    for (at, d) in deltas {
        waiting += d;
        let w = usize::try_from(waiting).unwrap_or(0);
        match out.last_mut() {
            Some(last) if last.at == at => last.waiting = w,
            _ => out.push(QueuePoint { at, waiting: w }),
        }
    }
    out
}

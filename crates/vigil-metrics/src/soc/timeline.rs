//! The per-alert view of a lifecycle log: the earliest time each stage was reached.

use chrono::{DateTime, Utc};
use vigil_core::{LifecycleLog, LifecycleStage, SeededMap};

/// Earliest time an alert reached each stage.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Stages {
    pub created: Option<DateTime<Utc>>,
    pub suppressed: Option<DateTime<Utc>>,
    pub surfaced: Option<DateTime<Utc>>,
    pub triaged: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
}

fn earliest(slot: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) {
    *slot = Some(slot.map_or(at, |s| s.min(at)));
}

/// Indexes a log by alert id (alert ids come from the data, hence the seeded map).
pub(crate) fn index(log: &LifecycleLog) -> SeededMap<&str, Stages> {
    let mut map: SeededMap<&str, Stages> = SeededMap::default();
    for e in log.events() {
        let s = map.entry(e.alert_id.as_str()).or_default();
        match e.stage {
            LifecycleStage::Created => earliest(&mut s.created, e.at),
            LifecycleStage::Suppressed => earliest(&mut s.suppressed, e.at),
            LifecycleStage::Surfaced => earliest(&mut s.surfaced, e.at),
            LifecycleStage::Triaged => earliest(&mut s.triaged, e.at),
            LifecycleStage::Resolved => earliest(&mut s.resolved, e.at),
            // A stage added to vigil-core later does not change these metrics.
            _ => {}
        }
    }
    map
}

/// Seconds from `a` to `b` (negative when `b` is earlier).
pub(crate) fn seconds(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

//! What happened to every alert in a replay, and the lifecycle log built from it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{Alert, LifecycleLog, LifecycleStage};

/// How an alert's life in the replay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FateKind {
    /// An analyst reviewed the queue item holding it.
    Reviewed,
    /// Suppressed: its score was under the certified threshold.
    SuppressedScore,
    /// Suppressed: it joined an incident of the same host and type that an analyst had just
    /// reviewed, so it did not queue again.
    JoinedIncident,
    /// It waited in the queue and no analyst reached it.
    NeverReviewed,
}

/// One alert's fate. Times are unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlertFate {
    /// How it ended.
    pub kind: FateKind,
    /// When an analyst started on its item, or when it was suppressed.
    pub at: i64,
    /// When the analyst gave the verdict (reviewed only).
    pub triaged: i64,
    /// When response finished (reviewed only; equals `triaged` for benign items).
    pub resolved: i64,
    /// Which analyst (reviewed only).
    pub analyst: u32,
    /// Which queue item (reviewed only).
    pub item: u32,
}

impl AlertFate {
    pub(crate) fn never() -> Self {
        Self {
            kind: FateKind::NeverReviewed,
            at: 0,
            triaged: 0,
            resolved: 0,
            analyst: 0,
            item: 0,
        }
    }

    pub(crate) fn suppressed(at: i64, kind: FateKind) -> Self {
        Self {
            kind,
            at,
            ..Self::never()
        }
    }

    pub(crate) fn reviewed(at: i64, triaged: i64, resolved: i64, analyst: u32, item: u32) -> Self {
        Self {
            kind: FateKind::Reviewed,
            at,
            triaged,
            resolved,
            analyst,
            item,
        }
    }

    /// True when suppressed for either reason.
    pub fn is_suppressed(&self) -> bool {
        matches!(
            self.kind,
            FateKind::SuppressedScore | FateKind::JoinedIncident
        )
    }
}

/// Queue length at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSample {
    /// Unix seconds.
    pub at: i64,
    /// Alerts waiting.
    pub alerts: usize,
    /// Queue items (alerts or incidents) waiting.
    pub items: usize,
}

/// The result of one replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayOutcome {
    /// The discipline's name.
    pub discipline: &'static str,
    /// One fate per input alert, in input order.
    pub fates: Vec<AlertFate>,
    /// Queue length sampled at a fixed step.
    pub samples: Vec<QueueSample>,
    /// Analyst seconds spent reviewing.
    pub busy_s: i64,
    /// Queue items reviewed.
    pub items_reviewed: usize,
    /// Seconds from the first alert to the end of the replay.
    pub span_s: i64,
    /// Analysts in the pool.
    pub analysts: usize,
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

impl ReplayOutcome {
    /// Number of alerts with a fate of this kind.
    pub fn count(&self, kind: FateKind) -> usize {
        self.fates.iter().filter(|f| f.kind == kind).count()
    }

    /// The lifecycle log: `Created` for every alert; `Suppressed` (by `vigil`), or
    /// `Surfaced`, `Triaged` and `Resolved` (by `analyst-N`) as the replay decided.
    /// `alerts` must be the slice replayed.
    pub fn lifecycle(&self, alerts: &[Alert]) -> LifecycleLog {
        let mut log = LifecycleLog::new();
        let names: Vec<String> = (0..self.analysts)
            .map(|a| format!("analyst-{}", a + 1))
            .collect();
        for (a, f) in alerts.iter().zip(&self.fates) {
            log.record(a.id.clone(), LifecycleStage::Created, a.time, None);
            match f.kind {
                FateKind::Reviewed => {
                    let by = names.get(f.analyst as usize).map(String::as_str);
                    log.record(a.id.clone(), LifecycleStage::Surfaced, at(f.at), by);
                    log.record(a.id.clone(), LifecycleStage::Triaged, at(f.triaged), by);
                    log.record(a.id.clone(), LifecycleStage::Resolved, at(f.resolved), by);
                }
                FateKind::SuppressedScore | FateKind::JoinedIncident => {
                    log.record(
                        a.id.clone(),
                        LifecycleStage::Suppressed,
                        at(f.at),
                        Some("vigil"),
                    );
                }
                FateKind::NeverReviewed => {}
            }
        }
        log
    }
}

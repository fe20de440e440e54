//! The alert lifecycle log, from which MTTD and MTTR are computed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A stage in an alert's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifecycleStage {
    /// The detector raised it.
    Created,
    /// It was suppressed by the AI without reaching an analyst.
    Suppressed,
    /// It was put in front of an analyst (an analyst started on it).
    Surfaced,
    /// The analyst gave a verdict.
    Triaged,
    /// Response finished (contained, or closed as benign).
    Resolved,
}

/// One stage reached by one alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleEvent {
    /// The alert.
    pub alert_id: String,
    /// The stage reached.
    pub stage: LifecycleStage,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (analyst id or `vigil`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// An append-only log of lifecycle events.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LifecycleLog {
    events: Vec<LifecycleEvent>,
}

impl LifecycleLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event.
    pub fn record(
        &mut self,
        alert_id: impl Into<String>,
        stage: LifecycleStage,
        at: DateTime<Utc>,
        by: Option<&str>,
    ) {
        self.events.push(LifecycleEvent {
            alert_id: alert_id.into(),
            stage,
            at,
            by: by.map(str::to_owned),
        });
    }

    /// All events in the order recorded.
    pub fn events(&self) -> &[LifecycleEvent] {
        &self.events
    }

    /// Earliest time an alert reached a stage.
    ///
    /// ```
    /// # use vigil_core::{LifecycleLog, LifecycleStage};
    /// let t = chrono::DateTime::UNIX_EPOCH;
    /// let mut log = LifecycleLog::new();
    /// log.record("a", LifecycleStage::Created, t, None);
    /// log.record("a", LifecycleStage::Surfaced, t + chrono::Duration::minutes(3), Some("ana"));
    /// assert_eq!(log.first("a", LifecycleStage::Surfaced), Some(t + chrono::Duration::minutes(3)));
    /// ```
    pub fn first(&self, alert_id: &str, stage: LifecycleStage) -> Option<DateTime<Utc>> {
        self.events
            .iter()
            .filter(|e| e.stage == stage && e.alert_id == alert_id)
            .map(|e| e.at)
            .min()
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

//! Incidents: alerts grouped because they are one story.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Alert, Entity, Verdict};

/// A group of alerts handled as one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Identifier.
    pub id: String,
    /// Title (usually the most severe alert's).
    pub title: String,
    /// Member alert ids, in arrival order.
    pub alerts: Vec<String>,
    /// Distinct entities across members.
    pub entities: Vec<Entity>,
    /// Earliest member time.
    pub first_seen: DateTime<Utc>,
    /// Latest member time.
    pub last_seen: DateTime<Utc>,
    /// The analyst's verdict on the incident as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

impl Incident {
    /// An incident holding one alert.
    pub fn from_alert(id: impl Into<String>, alert: &Alert) -> Self {
        Self {
            id: id.into(),
            title: alert.title.clone(),
            alerts: vec![alert.id.clone()],
            entities: alert.entities.clone(),
            first_seen: alert.time,
            last_seen: alert.time,
            verdict: None,
        }
    }

    /// Adds an alert: its id, its new entities, and the time span.
    ///
    /// ```
    /// # use vigil_core::{Alert, Incident};
    /// let t = chrono::DateTime::UNIX_EPOCH;
    /// let mut i = Incident::from_alert("inc-1", &Alert::new("a", t, "x"));
    /// i.push(&Alert::new("b", t + chrono::Duration::seconds(5), "y"));
    /// assert_eq!(i.alerts, ["a", "b"]);
    /// assert_eq!((i.last_seen - i.first_seen).num_seconds(), 5);
    /// ```
    pub fn push(&mut self, alert: &Alert) {
        self.alerts.push(alert.id.clone());
        for e in &alert.entities {
            if !self.entities.contains(e) {
                self.entities.push(e.clone());
            }
        }
        self.first_seen = self.first_seen.min(alert.time);
        self.last_seen = self.last_seen.max(alert.time);
    }
}

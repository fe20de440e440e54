//! [`Alert`] itself.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Entity, EntityKind, GroundTruth, Severity, TechniqueId, Verdict};
use crate::enrich::Enrichment;

/// One alert raised by a detector.
///
/// Fields that a source may not have are optional; `raw` keeps every source field (nested ones
/// flattened to dotted paths, such as `finding_info.title`) in source order, so nothing a
/// reader saw is lost and feature extractors can use fields Vigil does not model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Identifier, unique within its source.
    pub id: String,
    /// When the detector raised it (UTC).
    pub time: DateTime<Utc>,
    /// Tenant or organisation the alert belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Product that raised it (Wazuh, Suricata, Defender XDR, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Detector or rule id within the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    /// Human-readable title.
    pub title: String,
    /// Category or ATT&CK tactic as the source names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Severity as the source set it.
    #[serde(default)]
    pub severity: Severity,
    /// ATT&CK techniques the source mapped the alert to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub techniques: Vec<TechniqueId>,
    /// Entities involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Incident the source grouped it into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// Every source field, in source order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub raw: IndexMap<String, String>,
    /// The analyst's verdict, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Research ground truth, for labelled data sets only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truth: Option<GroundTruth>,
    /// Context gathered by enrichers, with provenance, and the enrichers that failed.
    #[serde(default, skip_serializing_if = "Enrichment::is_empty")]
    pub enrichment: Enrichment,
}

impl Alert {
    /// A new alert with the required fields; everything else empty.
    ///
    /// ```
    /// # use vigil_core::Alert;
    /// let a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "Port scan");
    /// assert!(a.entities.is_empty() && a.verdict.is_none());
    /// ```
    pub fn new(id: impl Into<String>, time: DateTime<Utc>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            time,
            tenant: None,
            source: None,
            detector: None,
            title: title.into(),
            category: None,
            severity: Severity::Unknown,
            techniques: Vec::new(),
            entities: Vec::new(),
            incident: None,
            raw: IndexMap::new(),
            verdict: None,
            truth: None,
            enrichment: Enrichment::default(),
        }
    }

    /// The entities of one kind, in order.
    pub fn entities_of(&self, kind: EntityKind) -> impl Iterator<Item = &Entity> {
        self.entities.iter().filter(move |e| e.kind == kind)
    }

    /// The first entity of a kind, if any.
    pub fn first_entity(&self, kind: EntityKind) -> Option<&str> {
        self.entities_of(kind).next().map(|e| e.value.as_str())
    }

    /// True when the analyst's verdict, or failing that the ground truth, says the alert was
    /// a real threat. `None` when neither is known.
    pub fn is_threat(&self) -> Option<bool> {
        match (self.verdict, &self.truth) {
            (Some(v), _) => Some(v.is_threat()),
            (None, Some(t)) => Some(t.malicious),
            (None, None) => None,
        }
    }
}

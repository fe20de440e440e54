//! What the SOC metrics need to know about each alert: was it a threat, and which attack.

use serde::{Deserialize, Serialize};
use vigil_core::Alert;

/// Ground truth (or verdict) of one alert, as the SOC metrics use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLabel {
    /// The alert's id, as in the lifecycle log.
    pub alert_id: String,
    /// True when the alert was a real threat (an attack alert).
    pub threat: bool,
    /// The attack (or attack phase) the alert belongs to, for detection metrics. Only alerts
    /// with an attack count towards MTTD/MTTR; set it for threat alerts only.
    pub attack: Option<String>,
}

impl AlertLabel {
    /// A label from its parts.
    pub fn new(alert_id: impl Into<String>, threat: bool, attack: Option<String>) -> Self {
        Self {
            alert_id: alert_id.into(),
            threat,
            attack,
        }
    }

    /// The label of an [`Alert`]: `threat` from [`Alert::is_threat`] (verdict, else ground
    /// truth, else benign). For threats, `attack` is the ground truth's phase when the alert
    /// has ground truth (a threat outside every phase window, phase `None`, belongs to no
    /// attack), else the alert's incident; it is prefixed by `tenant/` when the alert has a
    /// tenant, so that the same phase name in two networks makes two attacks. On AIT-ADS (as
    /// vigil-io reads it, `time_label` `false_positive` giving phase `None`) this is exactly
    /// the issue's *attack phase*: a (network, `time_label`) pair holding an attack alert.
    ///
    /// ```
    /// use vigil_core::{Alert, GroundTruth};
    /// use vigil_metrics::AlertLabel;
    /// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
    /// a.tenant = Some("fox".into());
    /// a.truth = Some(GroundTruth { malicious: true, phase: Some("dnsteal".into()), step: None });
    /// assert_eq!(AlertLabel::from_alert(&a).attack.as_deref(), Some("fox/dnsteal"));
    /// // An attack alert outside every phase window counts as a threat but in no phase.
    /// a.truth = Some(GroundTruth { malicious: true, phase: None, step: Some("dnsteal".into()) });
    /// let l = AlertLabel::from_alert(&a);
    /// assert!(l.threat && l.attack.is_none());
    /// ```
    pub fn from_alert(alert: &Alert) -> Self {
        let threat = alert.is_threat().unwrap_or(false);
        let attack = threat
            .then(|| match &alert.truth {
                Some(t) => t.phase.clone(),
                None => alert.incident.clone(),
            })
            .flatten()
            .map(|a| match &alert.tenant {
                Some(t) => format!("{t}/{a}"),
                None => a,
            });
        Self {
            alert_id: alert.id.clone(),
            threat,
            attack,
        }
    }
}

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
    /// truth, else benign); for threats, `attack` is the ground truth's phase (else the
    /// alert's incident, else its attack step), prefixed by `tenant/` when the alert has a
    /// tenant, so that the same phase name in two networks makes two attacks. On AIT-ADS
    /// this is exactly the issue's *attack phase*: a (network, `time_label`) pair.
    ///
    /// ```
    /// use vigil_core::{Alert, GroundTruth};
    /// use vigil_metrics::AlertLabel;
    /// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
    /// a.tenant = Some("fox".into());
    /// a.truth = Some(GroundTruth { malicious: true, phase: Some("dnsteal".into()), step: None });
    /// assert_eq!(AlertLabel::from_alert(&a).attack.as_deref(), Some("fox/dnsteal"));
    /// ```
    pub fn from_alert(alert: &Alert) -> Self {
        let threat = alert.is_threat().unwrap_or(false);
        let attack = threat
            .then(|| {
                alert
                    .truth
                    .as_ref()
                    .and_then(|t| t.phase.clone())
                    .or_else(|| alert.incident.clone())
                    .or_else(|| alert.truth.as_ref().and_then(|t| t.step.clone()))
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

//! Risk: calibrated confidence combined with impact.
//!
//! ```text
//! impact = severity.weight()                                  without asset criticality
//!        = (1 − a) · severity.weight() + a · criticality       with it (a = asset_weight)
//! risk   = confidence · (floor + (1 − floor) · impact)
//! ```
//!
//! `confidence` is the calibrated probability that the alert is a true positive;
//! `severity.weight()` is vigil-core's map of severity to `[0, 1]` (Unknown 0.3);
//! `criticality` is the highest asset criticality the enrichment found
//! ([`vigil_core::Enrichment::asset_criticality`]). The floor (default 0.5) keeps
//! confidence first: impact can halve a risk but never raise an unlikely threat above a
//! likely one of half its confidence. Risk is in `[0, 1]` and non-decreasing in confidence,
//! severity and criticality.
//!
//! ```
//! use vigil_core::{Alert, Severity};
//! use vigil_triage::risk::RiskParams;
//!
//! let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
//! a.severity = Severity::Critical;
//! let r = RiskParams::default();
//! assert_eq!(r.risk(0.8, &a), 0.8); // critical: impact 1
//! a.severity = Severity::Info;
//! assert!((r.risk(0.8, &a) - 0.8 * (0.5 + 0.5 * 0.1)).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};
use vigil_core::Alert;

/// Weights of the risk formula.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskParams {
    /// Share of risk that confidence alone carries, in `[0, 1]`.
    pub floor: f64,
    /// Weight of asset criticality against severity when the enrichment gives one, in `[0, 1]`.
    pub asset_weight: f64,
}

impl Default for RiskParams {
    fn default() -> Self {
        Self {
            floor: 0.5,
            asset_weight: 0.5,
        }
    }
}

impl RiskParams {
    /// Impact of an alert in `[0, 1]`.
    pub fn impact(&self, alert: &Alert) -> f64 {
        let sev = alert.severity.weight();
        let a = clamp01(self.asset_weight);
        let impact = match alert.enrichment.asset_criticality() {
            Some(c) => (1.0 - a) * sev + a * clamp01(c),
            None => sev,
        };
        clamp01(impact)
    }

    /// Risk of an alert given its calibrated confidence.
    pub fn risk(&self, confidence: f64, alert: &Alert) -> f64 {
        let floor = clamp01(self.floor);
        clamp01(clamp01(confidence) * (floor + (1.0 - floor) * self.impact(alert)))
    }
}

fn clamp01(v: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }
}

//! The flat, stable set of figures a CLI prints for one queue discipline.

use serde::{Deserialize, Serialize};

use super::outcome::SocMetrics;

/// The headline figures of one replay, with the key names the `vigil demo` and
/// `vigil replay` JSON use (times in seconds; `None` serialises as `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// Alerts arrived.
    pub alerts: usize,
    /// Attack phases (attacks) with at least one alert.
    pub phases_total: usize,
    /// Attack phases an analyst reviewed an alert of.
    pub phases_detected: usize,
    /// Median time to detect, seconds.
    pub mttd_median_s: Option<f64>,
    /// 90th-percentile time to detect, seconds.
    pub mttd_p90_s: Option<f64>,
    /// Median time to respond, seconds.
    pub mttr_median_s: Option<f64>,
    /// 90th-percentile time to respond, seconds.
    pub mttr_p90_s: Option<f64>,
    /// Share of alerts neither reviewed nor suppressed.
    pub unaddressed_share: f64,
    /// Alerts reviewed.
    pub reviewed: usize,
    /// Alerts suppressed without review.
    pub suppressed: usize,
    /// Benign alerts reviewed.
    pub benign_reviewed: usize,
    /// Share of reviewed alerts that were threats.
    pub precision: Option<f64>,
    /// Share of benign alerts reviewed.
    pub false_positive_rate: Option<f64>,
    /// Mean over phases of the share of the phase's alerts suppressed.
    pub miss_rate: Option<f64>,
    /// Analyst time spent on reviews, hours.
    pub analyst_busy_hours: f64,
    /// Alerts reviewed per analyst-hour on duty.
    pub reviews_per_analyst_hour: Option<f64>,
    /// Alerts reviewed per busy analyst-hour.
    pub reviews_per_busy_hour: Option<f64>,
}

impl SocMetrics {
    /// The headline figures (see [`Headline`]).
    ///
    /// ```
    /// # fn main() -> Result<(), vigil_metrics::MetricsError> {
    /// use vigil_core::{LifecycleLog, LifecycleStage::*};
    /// use vigil_metrics::{AlertLabel, SocParams, soc_metrics};
    /// let mut log = LifecycleLog::new();
    /// log.record("a", Created, chrono::DateTime::UNIX_EPOCH, None);
    /// let m = soc_metrics(&log, &[AlertLabel::new("a", true, Some("p".into()))], &SocParams::default())?;
    /// let h = serde_json::to_value(m.headline()).unwrap();
    /// assert_eq!((h["phases_total"].as_u64(), h["phases_detected"].as_u64()), (Some(1), Some(0)));
    /// assert!(h["mttd_median_s"].is_null());
    /// # Ok(()) }
    /// ```
    pub fn headline(&self) -> Headline {
        Headline {
            alerts: self.alerts,
            phases_total: self.attacks_total,
            phases_detected: self.attacks_detected,
            mttd_median_s: self.mttd.map(|s| s.median),
            mttd_p90_s: self.mttd.map(|s| s.p90),
            mttr_median_s: self.mttr.map(|s| s.median),
            mttr_p90_s: self.mttr.map(|s| s.p90),
            unaddressed_share: self.unaddressed_share,
            reviewed: self.reviewed,
            suppressed: self.suppressed,
            benign_reviewed: self.benign_reviewed,
            precision: self.precision,
            false_positive_rate: self.false_positive_rate,
            miss_rate: self.miss_rate,
            analyst_busy_hours: self.analyst_busy_hours,
            reviews_per_analyst_hour: self.reviews_per_analyst_hour,
            reviews_per_busy_hour: self.reviews_per_busy_hour,
        }
    }
}

//! SOC outcome metrics from a lifecycle log: detection (MTTD), response (MTTR), precision,
//! false-positive rate, analyst capacity and the share of alerts never addressed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{LifecycleLog, SeededMap};

use super::label::AlertLabel;
use super::quantile::Summary;
use super::timeline::{Stages, index, seconds};
use crate::error::{MetricsError, Result};

/// Which lifecycle event marks an attack as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DetectionPoint {
    /// An analyst starts on one of its alerts (`Surfaced`): the review begins.
    #[default]
    Review,
    /// An analyst gives a verdict on one of its alerts (`Triaged`): the review ends.
    Verdict,
}

/// Settings of [`soc_metrics`] that the log cannot tell.
///
/// ```
/// use vigil_metrics::{DetectionPoint, SocParams};
/// let p = SocParams::new().analyst_hours(24.0).detection(DetectionPoint::Verdict);
/// assert_eq!(p.analyst_hours, Some(24.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SocParams {
    /// Analyst-hours on duty during the replay (analysts × hours each), for
    /// [`SocMetrics::reviews_per_analyst_hour`]. `None` leaves that figure out.
    pub analyst_hours: Option<f64>,
    /// The event that marks detection (default: the start of a review).
    pub detection: DetectionPoint,
}

impl SocParams {
    /// The defaults: no analyst hours, detection at the start of a review.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the analyst-hours on duty.
    pub fn analyst_hours(mut self, hours: f64) -> Self {
        self.analyst_hours = Some(hours);
        self
    }

    /// Sets the detection point.
    pub fn detection(mut self, point: DetectionPoint) -> Self {
        self.detection = point;
        self
    }
}

/// How one attack (or attack phase) fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttackOutcome {
    /// The attack's key ([`AlertLabel::attack`]).
    pub attack: String,
    /// Its alerts.
    pub alerts: usize,
    /// Its alerts an analyst reviewed (surfaced).
    pub reviewed: usize,
    /// Its alerts suppressed without review.
    pub suppressed: usize,
    /// When its first alert was created.
    pub first_alert: DateTime<Utc>,
    /// When an analyst first reviewed one of its alerts (detection), if ever.
    pub detected_at: Option<DateTime<Utc>>,
    /// Time to detect, seconds: `detected_at − first_alert`.
    pub time_to_detect_s: Option<f64>,
    /// When response first finished on one of its reviewed alerts, if ever.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Time to respond, seconds: `resolved_at − detected_at`.
    pub time_to_respond_s: Option<f64>,
}

/// SOC outcome metrics of one replay (one queue discipline).
///
/// Counting rules: every labelled alert is *arrived*; an alert with a `Surfaced` event is
/// *reviewed* (whatever else happened to it); one with `Suppressed` and no `Surfaced` is
/// *suppressed*; the rest are *unaddressed*. So `alerts = reviewed + suppressed +
/// unaddressed`, always.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocMetrics {
    /// Alerts arrived.
    pub alerts: usize,
    /// Threat alerts arrived.
    pub threats: usize,
    /// Benign alerts arrived.
    pub benign: usize,
    /// Alerts an analyst reviewed.
    pub reviewed: usize,
    /// Threat alerts reviewed.
    pub threats_reviewed: usize,
    /// Benign alerts reviewed (analyst time spent on non-threats).
    pub benign_reviewed: usize,
    /// Alerts suppressed and never reviewed.
    pub suppressed: usize,
    /// Threat alerts suppressed and never reviewed.
    pub threats_suppressed: usize,
    /// Alerts neither reviewed nor suppressed.
    pub unaddressed: usize,
    /// `unaddressed / alerts`.
    pub unaddressed_share: f64,
    /// Precision: `threats_reviewed / reviewed` (`None` when nothing was reviewed).
    pub precision: Option<f64>,
    /// False-positive rate: `benign_reviewed / benign` (`None` with no benign alert).
    pub false_positive_rate: Option<f64>,
    /// Share of threat alerts reviewed: `threats_reviewed / threats` (`None` with no threat).
    pub threat_recall: Option<f64>,
    /// Attacks (distinct [`AlertLabel::attack`] keys).
    pub attacks_total: usize,
    /// Attacks with at least one alert reviewed.
    pub attacks_detected: usize,
    /// Mean over attacks of the share of the attack's alerts suppressed (each attack weighs
    /// the same, so a flood of one step cannot hide a missed rare one); `None` with no attack.
    pub miss_rate: Option<f64>,
    /// Time to detect over the detected attacks, seconds (see [`soc_metrics`]).
    pub mttd: Option<Summary>,
    /// Time to respond over the detected and resolved attacks, seconds.
    pub mttr: Option<Summary>,
    /// Analyst time spent, hours: over reviewed alerts, from `Surfaced` to the first
    /// `Triaged` (else `Resolved`) at or after it.
    pub analyst_busy_hours: f64,
    /// Analyst-hours on duty, as given in [`SocParams`].
    pub analyst_hours: Option<f64>,
    /// Capacity: `reviewed / analyst_hours` (`None` without analyst hours).
    pub reviews_per_analyst_hour: Option<f64>,
    /// Throughput while busy: `reviewed / analyst_busy_hours` (`None` when no time was
    /// logged).
    pub reviews_per_busy_hour: Option<f64>,
    /// Per attack, sorted by first alert time then key.
    pub per_attack: Vec<AttackOutcome>,
}

/// Computes the SOC outcome metrics of a replay.
///
/// `labels` lists every alert that arrived, once; `log` holds their lifecycle events, and
/// every labelled alert must have a `Created` event (its arrival). Each stage counts at its
/// earliest time.
///
/// **Definitions.**
/// - *Detection* of an attack: the first `Surfaced` event (an analyst starts on it) of any of
///   the attack's alerts; with [`DetectionPoint::Verdict`], the first `Triaged` event of a
///   reviewed alert instead (a reviewed alert without one does not detect). Suppressed
///   alerts do not detect anything.
/// - **MTTD**: over detected attacks, `detection − Created of the attack's first alert`.
///   Attacks never detected are left out of the quantiles and counted in
///   `attacks_total − attacks_detected` (a censored time would depend on the replay's end).
/// - **MTTR**: over detected attacks, from detection to the earliest `Resolved` event, at
///   or after detection, of any of the attack's *reviewed* alerts (response finished on the
///   case). Detected attacks with no such event are left out of MTTR.
/// - Median and p90 are [`crate::quantile`]s (linear interpolation); all in seconds.
///
/// To pool several SOCs (e.g. AIT-ADS networks replayed separately), concatenate their logs
/// and labels: attack keys stay distinct when they carry the tenant (as
/// [`AlertLabel::from_alert`] makes them), and alert ids must be unique across the pool.
///
/// A stage logged less than a second before the alert's `Created` (timestamps truncated to
/// whole seconds) counts as at `Created`.
///
/// Errors: empty labels; an alert labelled twice; a labelled alert without `Created`, or
/// with a stage a second or more earlier than it; a logged alert without a label; a negative or non-finite
/// `analyst_hours`.
///
/// ```
/// # fn main() -> Result<(), vigil_metrics::MetricsError> {
/// use chrono::{DateTime, Duration};
/// use vigil_core::{LifecycleLog, LifecycleStage::*};
/// use vigil_metrics::{AlertLabel, SocParams, soc_metrics};
/// let t = DateTime::UNIX_EPOCH;
/// let mut log = LifecycleLog::new();
/// log.record("a1", Created, t, None);
/// log.record("b1", Created, t, None);
/// log.record("a2", Created, t + Duration::minutes(5), None);
/// log.record("b1", Surfaced, t + Duration::minutes(1), Some("ana"));
/// log.record("a2", Surfaced, t + Duration::minutes(10), Some("ana"));
/// log.record("a2", Resolved, t + Duration::minutes(40), Some("ana"));
/// let labels = [
///     AlertLabel::new("a1", true, Some("intrusion".into())),
///     AlertLabel::new("a2", true, Some("intrusion".into())),
///     AlertLabel::new("b1", false, None),
/// ];
/// let m = soc_metrics(&log, &labels, &SocParams::new().analyst_hours(1.0))?;
/// assert_eq!(m.mttd.map(|s| s.median), Some(600.0)); // from a1's arrival to a2's review
/// assert_eq!(m.mttr.map(|s| s.median), Some(1800.0));
/// assert_eq!((m.precision, m.false_positive_rate), (Some(0.5), Some(1.0)));
/// assert_eq!(m.unaddressed, 1);
/// # Ok(()) }
/// ```
pub fn soc_metrics(
    log: &LifecycleLog,
    labels: &[AlertLabel],
    params: &SocParams,
) -> Result<SocMetrics> {
    if labels.is_empty() {
        return Err(MetricsError::Empty { what: "labels" });
    }
    if let Some(h) = params.analyst_hours
        && !(h.is_finite() && h >= 0.0)
    {
        return Err(MetricsError::InvalidParameter {
            name: "analyst_hours",
            reason: format!("{h} is not a finite non-negative number"),
        });
    }
    let stages = index(log);
    let mut seen: SeededMap<&str, ()> = SeededMap::default();
    for l in labels {
        if seen.insert(l.alert_id.as_str(), ()).is_some() {
            return Err(lifecycle_err(&l.alert_id, "labelled more than once"));
        }
    }
    if let Some(id) = stages.keys().find(|id| !seen.contains_key(*id)) {
        return Err(lifecycle_err(
            id,
            "in the lifecycle log but not in the labels",
        ));
    }

    let mut c = Counts::default();
    let mut attacks: SeededMap<&str, AttackAcc> = SeededMap::default();
    let mut busy_s = 0.0;
    for l in labels {
        let s = stages.get(l.alert_id.as_str()).copied().unwrap_or_default();
        let created = s
            .created
            .ok_or_else(|| lifecycle_err(&l.alert_id, "no Created event"))?;
        let s = clamp_to_created(&l.alert_id, s, created)?;
        c.add(l.threat, &s);
        if let Some(start) = s.surfaced {
            let end = [s.triaged, s.resolved]
                .into_iter()
                .flatten()
                .find(|&e| e >= start);
            busy_s += end.map_or(0.0, |e| seconds(start, e));
        }
        if let Some(key) = l.attack.as_deref() {
            attacks
                .entry(key)
                .or_insert_with(|| AttackAcc::new(created))
                .add(created, &s, params.detection);
        }
    }

    let mut per_attack: Vec<AttackOutcome> =
        attacks.into_iter().map(|(k, a)| a.finish(k)).collect();
    per_attack.sort_by(|a, b| {
        a.first_alert
            .cmp(&b.first_alert)
            .then_with(|| a.attack.cmp(&b.attack))
    });
    let ttd: Vec<f64> = per_attack
        .iter()
        .filter_map(|a| a.time_to_detect_s)
        .collect();
    let ttr: Vec<f64> = per_attack
        .iter()
        .filter_map(|a| a.time_to_respond_s)
        .collect();
    let miss_rate = share_mean(
        per_attack
            .iter()
            .map(|a| ratio(a.suppressed, a.alerts).unwrap_or(0.0)),
    );

    let alerts = labels.len();
    Ok(SocMetrics {
        alerts,
        threats: c.threats,
        benign: alerts - c.threats,
        reviewed: c.reviewed,
        threats_reviewed: c.threats_reviewed,
        benign_reviewed: c.reviewed - c.threats_reviewed,
        suppressed: c.suppressed,
        threats_suppressed: c.threats_suppressed,
        unaddressed: c.unaddressed,
        unaddressed_share: c.unaddressed as f64 / alerts as f64,
        precision: ratio(c.threats_reviewed, c.reviewed),
        false_positive_rate: ratio(c.reviewed - c.threats_reviewed, alerts - c.threats),
        threat_recall: ratio(c.threats_reviewed, c.threats),
        attacks_total: per_attack.len(),
        attacks_detected: per_attack
            .iter()
            .filter(|a| a.detected_at.is_some())
            .count(),
        miss_rate,
        mttd: Summary::of(&ttd),
        mttr: Summary::of(&ttr),
        analyst_busy_hours: busy_s / 3600.0,
        analyst_hours: params.analyst_hours,
        reviews_per_analyst_hour: params
            .analyst_hours
            .filter(|&h| h > 0.0)
            .map(|h| c.reviewed as f64 / h),
        reviews_per_busy_hour: (busy_s > 0.0).then(|| c.reviewed as f64 / (busy_s / 3600.0)),
        per_attack,
    })
}

/// Stages logged under a second before `Created` (timestamps truncated to whole seconds)
/// count as at `Created`; any earlier is a malformed log.
fn clamp_to_created(id: &str, mut s: Stages, created: DateTime<Utc>) -> Result<Stages> {
    let tolerance = chrono::Duration::seconds(1);
    for (name, slot) in [
        ("Suppressed", &mut s.suppressed),
        ("Surfaced", &mut s.surfaced),
        ("Triaged", &mut s.triaged),
        ("Resolved", &mut s.resolved),
    ] {
        if let Some(t) = *slot {
            if t + tolerance <= created {
                return Err(lifecycle_err(
                    id,
                    &format!("{name} event {t} is earlier than its Created event {created}"),
                ));
            }
            *slot = Some(t.max(created));
        }
    }
    Ok(s)
}

fn lifecycle_err(id: &str, reason: &str) -> MetricsError {
    MetricsError::Lifecycle {
        alert_id: id.to_owned(),
        reason: reason.to_owned(),
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn share_mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

#[derive(Default)]
struct Counts {
    threats: usize,
    reviewed: usize,
    threats_reviewed: usize,
    suppressed: usize,
    threats_suppressed: usize,
    unaddressed: usize,
}

impl Counts {
    fn add(&mut self, threat: bool, s: &Stages) {
        self.threats += usize::from(threat);
        if s.surfaced.is_some() {
            self.reviewed += 1;
            self.threats_reviewed += usize::from(threat);
        } else if s.suppressed.is_some() {
            self.suppressed += 1;
            self.threats_suppressed += usize::from(threat);
        } else {
            self.unaddressed += 1;
        }
    }
}

struct AttackAcc {
    alerts: usize,
    reviewed: usize,
    suppressed: usize,
    first_alert: DateTime<Utc>,
    detected_at: Option<DateTime<Utc>>,
    /// Resolved times of reviewed alerts, to pick the first one after detection at the end.
    resolved: Vec<DateTime<Utc>>,
}

impl AttackAcc {
    fn new(first: DateTime<Utc>) -> Self {
        Self {
            alerts: 0,
            reviewed: 0,
            suppressed: 0,
            first_alert: first,
            detected_at: None,
            resolved: Vec::new(),
        }
    }

    fn add(&mut self, created: DateTime<Utc>, s: &Stages, point: DetectionPoint) {
        self.alerts += 1;
        self.first_alert = self.first_alert.min(created);
        if let Some(review) = s.surfaced {
            self.reviewed += 1;
            let detected = match point {
                DetectionPoint::Review => Some(review),
                DetectionPoint::Verdict => s.triaged.filter(|&t| t >= review),
            };
            if let Some(at) = detected {
                self.detected_at = Some(self.detected_at.map_or(at, |d| d.min(at)));
            }
            self.resolved.extend(s.resolved);
        } else if s.suppressed.is_some() {
            self.suppressed += 1;
        }
    }

    fn finish(self, key: &str) -> AttackOutcome {
        let resolved_at = self
            .detected_at
            .and_then(|d| self.resolved.iter().copied().filter(|&r| r >= d).min());
        AttackOutcome {
            attack: key.to_owned(),
            alerts: self.alerts,
            reviewed: self.reviewed,
            suppressed: self.suppressed,
            first_alert: self.first_alert,
            detected_at: self.detected_at,
            time_to_detect_s: self.detected_at.map(|d| seconds(self.first_alert, d)),
            resolved_at,
            time_to_respond_s: self
                .detected_at
                .zip(resolved_at)
                .map(|(d, r)| seconds(d, r)),
        }
    }
}

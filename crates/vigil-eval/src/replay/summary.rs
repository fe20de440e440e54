//! SOC figures of one replay: attack phases detected and when, alerts left unaddressed,
//! benign alerts reviewed.
//!
//! Definitions (as on AIT-ADS, and for every labelled stream): an *attack alert* is one whose
//! ground truth (or verdict) says threat; an *attack phase* is a (tenant, `truth.phase`) pair
//! holding at least one attack alert; it is *detected* when an analyst reviews one of its
//! attack alerts, and its time to detect runs from its first attack alert to that review's
//! verdict (`Triaged`). Its time to respond runs from detection to the end of the response
//! to that review (`Resolved`), as `vigil_metrics::soc_metrics` defines MTTR. `miss_rate` is the share of a phase's attack alerts
//! suppressed by score, averaged over phases, each phase weighing the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vigil_core::Alert;

use super::outcome::{FateKind, ReplayOutcome};

/// One attack phase in a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseResult {
    /// Tenant (network) of the phase.
    pub network: String,
    /// Phase name (AIT-ADS `time_label`).
    pub phase: String,
    /// Attack alerts in the phase.
    pub attack_alerts: usize,
    /// Of which suppressed by score.
    pub suppressed: usize,
    /// Unix time of its first attack alert.
    pub first_attack: i64,
    /// Unix time of the first verdict on one of its attack alerts, if any.
    pub detected_at: Option<i64>,
    /// Seconds to detect, if detected.
    pub ttd_s: Option<i64>,
    /// Seconds to respond (detection to end of response), if detected.
    pub ttr_s: Option<i64>,
}

/// The figures of one replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSummary {
    /// Discipline name.
    pub discipline: String,
    /// Alerts that arrived.
    pub alerts: usize,
    /// Alerts reviewed by an analyst.
    pub reviewed: usize,
    /// Alerts suppressed by score.
    pub suppressed_score: usize,
    /// Alerts that joined an already reviewed incident.
    pub joined_incident: usize,
    /// Alerts never reviewed.
    pub never_reviewed: usize,
    /// `never_reviewed / alerts`.
    pub unaddressed_share: f64,
    /// `(suppressed_score + joined_incident) / alerts`.
    pub suppressed_share: f64,
    /// Benign alerts that arrived (the denominator of `fpr`).
    pub benign_alerts: usize,
    /// Benign alerts reviewed.
    pub benign_reviewed: usize,
    /// Attack alerts reviewed.
    pub attack_reviewed: usize,
    /// Queue items (alerts or incidents) reviewed.
    pub items_reviewed: usize,
    /// Attack phases.
    pub phases_total: usize,
    /// Attack phases detected.
    pub phases_detected: usize,
    /// Median seconds to detect over detected phases (`null` when none was).
    pub mttd_median_s: Option<f64>,
    /// 90th percentile seconds to detect over detected phases.
    pub mttd_p90_s: Option<f64>,
    /// Median seconds to respond over detected phases.
    pub mttr_median_s: Option<f64>,
    /// 90th percentile seconds to respond.
    pub mttr_p90_s: Option<f64>,
    /// Share of reviewed alerts that were attack alerts.
    pub precision: Option<f64>,
    /// Share of benign alerts that an analyst reviewed.
    pub fpr: Option<f64>,
    /// Share of attack alerts suppressed by score, averaged over phases.
    pub miss_rate: Option<f64>,
    /// Analyst hours spent reviewing.
    pub analyst_hours: f64,
    /// Alerts reviewed per busy analyst hour.
    pub alerts_per_analyst_hour: Option<f64>,
    /// Per-phase detail, by network then first attack time.
    pub phases: Vec<PhaseResult>,
}

/// What a list of phase results gives a summary, whether one replay's or a pool's.
struct PhaseFigures {
    detected: usize,
    mttd_median_s: Option<f64>,
    mttd_p90_s: Option<f64>,
    mttr_median_s: Option<f64>,
    mttr_p90_s: Option<f64>,
    /// Share of each phase's attack alerts suppressed, averaged over phases.
    miss_rate: Option<f64>,
}

impl PhaseFigures {
    fn of(phases: &[PhaseResult]) -> Self {
        // One quantile definition for the whole project: vigil-metrics' (linear interpolation).
        let summary = |f: fn(&PhaseResult) -> Option<i64>| {
            let v: Vec<f64> = phases.iter().filter_map(f).map(|s| s as f64).collect();
            vigil_metrics::Summary::of(&v)
        };
        let ttd = summary(|p| p.ttd_s);
        let ttr = summary(|p| p.ttr_s);
        let miss: Vec<f64> = phases
            .iter()
            .filter(|p| p.attack_alerts > 0)
            .map(|p| p.suppressed as f64 / p.attack_alerts as f64)
            .collect();
        Self {
            detected: phases.iter().filter(|p| p.detected_at.is_some()).count(),
            mttd_median_s: ttd.map(|s| s.median),
            mttd_p90_s: ttd.map(|s| s.p90),
            mttr_median_s: ttr.map(|s| s.median),
            mttr_p90_s: ttr.map(|s| s.p90),
            miss_rate: (!miss.is_empty()).then(|| miss.iter().sum::<f64>() / miss.len() as f64),
        }
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The counts a summary's shares and rates come from: one replay's, or a pool's sums.
struct Counts {
    alerts: usize,
    reviewed: usize,
    suppressed_score: usize,
    joined_incident: usize,
    never_reviewed: usize,
    benign_alerts: usize,
    benign_reviewed: usize,
    attack_reviewed: usize,
    items_reviewed: usize,
}

impl QueueSummary {
    /// Summarises a replay of `alerts` (the slice replayed, with ground truth).
    pub fn new(alerts: &[Alert], outcome: &ReplayOutcome) -> Self {
        let mut phases: BTreeMap<(String, String), PhaseResult> = BTreeMap::new();
        let (mut benign_reviewed, mut attack_reviewed, mut benign) = (0, 0, 0);
        for (a, f) in alerts.iter().zip(&outcome.fates) {
            let attack = a.is_threat().unwrap_or(false);
            let reviewed = f.kind == FateKind::Reviewed;
            if attack {
                attack_reviewed += usize::from(reviewed);
            } else {
                benign += 1;
                benign_reviewed += usize::from(reviewed);
            }
            let Some(phase) = a.truth.as_ref().and_then(|t| t.phase.as_ref()) else {
                continue;
            };
            if !attack {
                continue;
            }
            let t = a.time.timestamp();
            let p = phases
                .entry((a.tenant.clone().unwrap_or_default(), phase.clone()))
                .or_insert_with(|| PhaseResult {
                    network: a.tenant.clone().unwrap_or_default(),
                    phase: phase.clone(),
                    attack_alerts: 0,
                    suppressed: 0,
                    first_attack: t,
                    detected_at: None,
                    ttd_s: None,
                    ttr_s: None,
                });
            p.attack_alerts += 1;
            p.first_attack = p.first_attack.min(t);
            p.suppressed += usize::from(f.kind == FateKind::SuppressedScore);
            if reviewed && p.detected_at.is_none_or(|d| f.triaged < d) {
                p.detected_at = Some(f.triaged);
                p.ttr_s = Some(f.resolved);
            }
        }
        let mut phases: Vec<PhaseResult> = phases.into_values().collect();
        for p in &mut phases {
            p.ttd_s = p.detected_at.map(|d| d - p.first_attack);
            p.ttr_s = match (p.ttr_s, p.detected_at) {
                (Some(r), Some(d)) => Some(r - d),
                _ => None,
            };
        }
        phases.sort_by(|a, b| (&a.network, a.first_attack).cmp(&(&b.network, b.first_attack)));
        let counts = Counts {
            alerts: alerts.len(),
            reviewed: outcome.count(FateKind::Reviewed),
            suppressed_score: outcome.count(FateKind::SuppressedScore),
            joined_incident: outcome.count(FateKind::JoinedIncident),
            never_reviewed: outcome.count(FateKind::NeverReviewed),
            benign_alerts: benign,
            benign_reviewed,
            attack_reviewed,
            items_reviewed: outcome.items_reviewed,
        };
        let hours = outcome.busy_s as f64 / 3600.0;
        Self::from_parts(outcome.discipline, counts, hours, phases)
    }

    /// Pools replays of separate streams (separate SOCs, same discipline): counts add up,
    /// phases are concatenated and the medians are taken over all of them.
    pub fn pool(discipline: &str, parts: &[QueueSummary]) -> Self {
        let sum = |f: fn(&QueueSummary) -> usize| parts.iter().map(f).sum::<usize>();
        let counts = Counts {
            alerts: sum(|p| p.alerts),
            reviewed: sum(|p| p.reviewed),
            suppressed_score: sum(|p| p.suppressed_score),
            joined_incident: sum(|p| p.joined_incident),
            never_reviewed: sum(|p| p.never_reviewed),
            benign_alerts: sum(|p| p.benign_alerts),
            benign_reviewed: sum(|p| p.benign_reviewed),
            attack_reviewed: sum(|p| p.attack_reviewed),
            items_reviewed: sum(|p| p.items_reviewed),
        };
        let hours: f64 = parts.iter().map(|p| p.analyst_hours).sum();
        let phases: Vec<PhaseResult> = parts.iter().flat_map(|p| p.phases.clone()).collect();
        Self::from_parts(discipline, counts, hours, phases)
    }

    /// The summary of `c`, `hours` (analyst hours) and `phases`: every share, rate and
    /// quantile derived in one place, so a replay's and a pool's figures cannot drift apart.
    fn from_parts(discipline: &str, c: Counts, hours: f64, phases: Vec<PhaseResult>) -> Self {
        let figures = PhaseFigures::of(&phases);
        Self {
            discipline: discipline.to_owned(),
            alerts: c.alerts,
            reviewed: c.reviewed,
            suppressed_score: c.suppressed_score,
            joined_incident: c.joined_incident,
            never_reviewed: c.never_reviewed,
            unaddressed_share: ratio(c.never_reviewed, c.alerts).unwrap_or(0.0),
            suppressed_share: ratio(c.suppressed_score + c.joined_incident, c.alerts)
                .unwrap_or(0.0),
            benign_alerts: c.benign_alerts,
            benign_reviewed: c.benign_reviewed,
            attack_reviewed: c.attack_reviewed,
            items_reviewed: c.items_reviewed,
            phases_total: phases.len(),
            phases_detected: figures.detected,
            mttd_median_s: figures.mttd_median_s,
            mttd_p90_s: figures.mttd_p90_s,
            mttr_median_s: figures.mttr_median_s,
            mttr_p90_s: figures.mttr_p90_s,
            precision: ratio(c.attack_reviewed, c.reviewed),
            fpr: ratio(c.benign_reviewed, c.benign_alerts),
            miss_rate: figures.miss_rate,
            analyst_hours: hours,
            alerts_per_analyst_hour: (hours > 0.0).then(|| c.reviewed as f64 / hours),
            phases,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(benign_alerts: usize, benign_reviewed: usize) -> QueueSummary {
        QueueSummary {
            discipline: "x".into(),
            alerts: benign_alerts,
            reviewed: benign_reviewed,
            suppressed_score: 0,
            joined_incident: 0,
            never_reviewed: benign_alerts - benign_reviewed,
            unaddressed_share: 0.0,
            suppressed_share: 0.0,
            benign_alerts,
            benign_reviewed,
            attack_reviewed: 0,
            items_reviewed: benign_reviewed,
            phases_total: 0,
            phases_detected: 0,
            mttd_median_s: None,
            mttd_p90_s: None,
            mttr_median_s: None,
            mttr_p90_s: None,
            precision: ratio(0, benign_reviewed),
            fpr: ratio(benign_reviewed, benign_alerts),
            miss_rate: None,
            analyst_hours: 0.0,
            alerts_per_analyst_hour: None,
            phases: Vec::new(),
        }
    }

    #[test]
    fn pooled_fpr_counts_benign_alerts_of_parts_with_none_reviewed() {
        // A stream whose benign alerts were all left alone still adds them to the denominator
        // (the FPR was once recovered from each part's own FPR, which loses them).
        let pooled = QueueSummary::pool("x", &[part(100, 10), part(900, 0)]);
        assert_eq!(pooled.benign_alerts, 1000);
        assert_eq!(pooled.fpr, Some(0.01));
        assert_eq!(pooled.never_reviewed, 990);
    }
}

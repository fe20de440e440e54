//! Conflict resolution: one label per alert.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{SeededMap, Verdict};

use super::AnalystLedger;
use crate::store::{StoredVerdict, VerdictId};

/// The label an alert gets after its verdicts are reconciled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consensus {
    /// The alert.
    pub alert_id: String,
    /// The winning verdict.
    pub verdict: Verdict,
    /// Share of the total vote weight that went to the winner, in `(0, 1]`.
    pub support: f64,
    /// Mean ledger weight of the analysts who voted for the winner: how much a training row
    /// built from this label should count.
    pub weight: f64,
    /// The analyst with the most weight among those who voted for the winner: the source a
    /// training row is attributed to when influence is capped.
    pub primary_analyst: String,
    /// Detector of the alert, when a verdict named one.
    pub detector: Option<String>,
    /// Time of the latest verdict on the alert.
    pub latest_at: DateTime<Utc>,
    /// Ids of every verdict that took part.
    pub verdict_ids: Vec<VerdictId>,
    /// True when verdicts disagreed.
    pub contested: bool,
}

/// Reconciles the verdicts on each alert into one label.
///
/// **Rule.** Each verdict votes for its class with its analyst's ledger weight
/// ([`AnalystLedger::weight`]: reliability, cut for flagged analysts). The class with the most
/// weight wins. A tie goes to the most recent verdict among the tied classes (later time,
/// then later id): a later review usually saw more (escalation, enrichment, the incident's
/// outcome). Several verdicts by one analyst on one alert count once — their latest — so
/// repeating a verdict does not add weight.
///
/// Labels come out ordered by their latest verdict id, so a caller can split them in time.
///
/// ```
/// use vigil_core::{Verdict, VerdictEvent};
/// use vigil_feedback::labels::{resolve, AnalystLedger};
/// use vigil_feedback::store::StoredVerdict;
/// let v = |id, analyst: &str, verdict| StoredVerdict { id, event: VerdictEvent {
///     alert_id: "a".into(), verdict, analyst: analyst.into(),
///     at: chrono::DateTime::UNIX_EPOCH, detector: None, reason: None } };
/// let labels = resolve(&[v(0, "x", Verdict::TruePositive), v(1, "y", Verdict::FalsePositive),
///     v(2, "z", Verdict::FalsePositive)], &AnalystLedger::default());
/// assert_eq!(labels[0].verdict, Verdict::FalsePositive);
/// assert!(labels[0].contested);
/// ```
pub fn resolve(verdicts: &[StoredVerdict], ledger: &AnalystLedger) -> Vec<Consensus> {
    // alert -> (analyst -> latest verdict); alert ids come from outside, so seeded hashing.
    let mut by_alert: SeededMap<&str, Vec<&StoredVerdict>> = SeededMap::default();
    let mut order: Vec<&str> = Vec::new();
    for v in verdicts {
        let entry = by_alert.entry(v.event.alert_id.as_str()).or_default();
        if entry.is_empty() {
            order.push(v.event.alert_id.as_str());
        }
        entry.push(v);
    }
    let mut out: Vec<Consensus> = order
        .into_iter()
        .filter_map(|alert| by_alert.get(alert).and_then(|vs| resolve_one(vs, ledger)))
        .collect();
    out.sort_by_key(|c| c.verdict_ids.iter().max().copied().unwrap_or(0));
    out
}

fn latest_per_analyst<'a>(vs: &[&'a StoredVerdict]) -> Vec<&'a StoredVerdict> {
    let mut latest: Vec<&StoredVerdict> = Vec::new();
    for v in vs {
        match latest
            .iter_mut()
            .find(|l| l.event.analyst == v.event.analyst)
        {
            Some(l) => {
                if (v.event.at, v.id) > (l.event.at, l.id) {
                    *l = v;
                }
            }
            None => latest.push(v),
        }
    }
    latest
}

fn resolve_one(vs: &[&StoredVerdict], ledger: &AnalystLedger) -> Option<Consensus> {
    let first = vs.first()?;
    let votes = latest_per_analyst(vs);
    let detector = vs.iter().find_map(|v| v.event.detector.clone());
    let mut weight = [0.0_f64; 3];
    for v in &votes {
        let w = ledger.weight(&v.event.analyst, v.event.detector.as_deref());
        if let Some(slot) = weight.get_mut(v.event.verdict.index()) {
            *slot += w;
        }
    }
    let total: f64 = weight.iter().sum();
    let best = weight.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Tie (or all-zero weights): the most recent verdict among the tied classes wins.
    let tied = |c: usize| weight.get(c).is_some_and(|w| (w - best).abs() <= 1e-12);
    let winner = votes
        .iter()
        .filter(|v| tied(v.event.verdict.index()))
        .max_by_key(|v| (v.event.at, v.id))
        .map(|v| v.event.verdict)?;
    let winners: Vec<&&StoredVerdict> =
        votes.iter().filter(|v| v.event.verdict == winner).collect();
    let primary = winners
        .iter()
        .max_by(|a, b| {
            let wa = ledger.weight(&a.event.analyst, a.event.detector.as_deref());
            let wb = ledger.weight(&b.event.analyst, b.event.detector.as_deref());
            wa.total_cmp(&wb)
                .then((a.event.at, a.id).cmp(&(b.event.at, b.id)))
        })
        .map_or_else(|| first.event.analyst.clone(), |v| v.event.analyst.clone());
    let mean_w = winners
        .iter()
        .map(|v| ledger.weight(&v.event.analyst, v.event.detector.as_deref()))
        .sum::<f64>()
        / winners.len().max(1) as f64;
    Some(Consensus {
        alert_id: first.event.alert_id.clone(),
        verdict: winner,
        support: if total > 0.0 { best / total } else { 1.0 },
        weight: mean_w,
        primary_analyst: primary,
        detector,
        latest_at: vs
            .iter()
            .map(|v| v.event.at)
            .max()
            .unwrap_or(first.event.at),
        verdict_ids: vs.iter().map(|v| v.id).collect(),
        contested: votes.iter().any(|v| v.event.verdict != winner),
    })
}

//! The figures of the study: suppression, misses per phase, the learning curve.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Stream;
use super::stream::{is_attack, phase_of};
use crate::drift::{PrecisionPoint, Psi};
use crate::labels::AnalystStanding;
use crate::oversight::{AutonomyEvent, GroupQuality};
use crate::retrain::RetrainOutcome;
use crate::stats::Interval;

/// Suppression figures over a set of alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Verdicts asked for.
    pub verdicts: usize,
    /// Share of benign alerts suppressed.
    pub fp_suppressed: f64,
    /// Share of attack alerts suppressed (and not reviewed), averaged over attack phases.
    pub miss_rate: f64,
    /// Benign alerts.
    pub benign: usize,
    /// Benign alerts suppressed.
    pub benign_suppressed: usize,
    /// Attack phases.
    pub phases: usize,
    /// Phases with every attack alert suppressed.
    pub phases_fully_missed: usize,
}

/// One attack phase's misses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseMiss {
    /// Network.
    pub network: String,
    /// Phase name.
    pub phase: String,
    /// Attack alerts in the phase.
    pub attacks: usize,
    /// Of which suppressed and not reviewed.
    pub missed: usize,
}

/// A point of the learning curve: the champion after some verdicts, applied to the whole
/// test stream at the suppression threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Network.
    pub network: String,
    /// Verdicts received on this network so far.
    pub verdicts: usize,
    /// Champion version.
    pub version: u64,
    /// PR-AUC (average precision) of the champion's threat probability, attack vs benign.
    pub pr_auc: f64,
    /// Share of benign alerts under the threshold.
    pub fp_suppressed: f64,
    /// Phase-averaged share of attack alerts under the threshold.
    pub miss_rate: f64,
}

/// One test network's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkReport {
    /// Network.
    pub network: String,
    /// Alerts replayed.
    pub alerts: usize,
    /// The online figures: each alert suppressed or not by the champion of its time.
    pub figures: Figures,
    /// Per-phase misses.
    pub phases: Vec<PhaseMiss>,
    /// Challengers promoted.
    pub promotions: usize,
    /// Challengers rejected.
    pub rejections: usize,
    /// Every retraining.
    pub retrainings: Vec<RetrainOutcome>,
    /// Drift alarms on the error stream.
    pub drift_alarms: u64,
    /// Audits of suppressed alerts and the realized miss rate's 95% Clopper–Pearson interval
    /// (by verdict, so noisy verdicts count as the analyst gave them).
    pub audit: AuditFigures,
    /// Autonomy grants and revocations.
    pub autonomy: Vec<AutonomyEvent>,
    /// Analysts' standing at the end.
    pub analysts: Vec<AnalystStanding>,
    /// Per-detector quality of the online decisions (by ground truth).
    pub detectors: Vec<GroupQuality>,
    /// Per-detector precision of the verdicts, per day.
    pub detector_precision: Vec<PrecisionPoint>,
    /// Population stability of the features, base training rows against this network
    /// (largest five).
    pub psi_vs_training: Vec<Psi>,
    /// Population stability within the network: its first quarter against the rest
    /// (largest five).
    pub psi_over_time: Vec<Psi>,
}

/// Audit results of one network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFigures {
    /// Suppressed alerts audited.
    pub audited: u64,
    /// Audited alerts judged threats.
    pub misses: u64,
    /// 95% Clopper–Pearson interval of the miss rate among suppressed alerts.
    pub clopper_pearson: Option<Interval>,
    /// 95% Wilson interval.
    pub wilson: Option<Interval>,
}

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Learning curves of every test network.
    pub curve: Vec<CurvePoint>,
    /// Challengers promoted, over all test networks.
    pub promotions: usize,
    /// Challengers rejected.
    pub rejections: usize,
    /// Online figures over all test networks (phases from every network pooled).
    #[serde(rename = "final")]
    pub final_figures: Figures,
    /// The suppression threshold on the threat probability.
    pub threshold: f64,
    /// Per network.
    pub networks: Vec<NetworkReport>,
}

/// Figures of a set of (stream, suppressed-and-unreviewed flags, suppressed flags).
pub(crate) fn figures(
    parts: &[(&Stream, &[bool], &[bool])],
    verdicts: usize,
) -> (Figures, Vec<PhaseMiss>) {
    let mut benign = 0usize;
    let mut benign_suppressed = 0usize;
    // (network, phase) → (attacks, missed)
    let mut phases: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for (s, missed, suppressed) in parts {
        for ((a, m), sup) in s.alerts.iter().zip(missed.iter()).zip(suppressed.iter()) {
            if is_attack(a) {
                if let Some(p) = phase_of(a) {
                    let e = phases.entry((s.name.clone(), p.to_string())).or_default();
                    e.0 += 1;
                    e.1 += usize::from(*m);
                }
            } else if a.truth.is_some() {
                benign += 1;
                benign_suppressed += usize::from(*sup);
            }
        }
    }
    let n_phases = phases.len();
    let miss_rate = if n_phases > 0 {
        phases
            .values()
            .map(|(n, m)| *m as f64 / (*n).max(1) as f64)
            .sum::<f64>()
            / n_phases as f64
    } else {
        0.0
    };
    let fig = Figures {
        verdicts,
        fp_suppressed: if benign > 0 {
            benign_suppressed as f64 / benign as f64
        } else {
            0.0
        },
        miss_rate,
        benign,
        benign_suppressed,
        phases: n_phases,
        phases_fully_missed: phases.values().filter(|(n, m)| n == m).count(),
    };
    let list = phases
        .into_iter()
        .map(|((network, phase), (attacks, missed))| PhaseMiss {
            network,
            phase,
            attacks,
            missed,
        })
        .collect();
    (fig, list)
}

/// Pools figures of disjoint alert sets: benign shares by counts, miss rates by phases (each
/// phase of every set weighing the same).
///
/// ```
/// use vigil_feedback::experiment::{pool, Figures};
/// let a = Figures { verdicts: 10, fp_suppressed: 0.5, miss_rate: 0.1, benign: 100,
///     benign_suppressed: 50, phases: 1, phases_fully_missed: 0 };
/// let b = Figures { verdicts: 5, fp_suppressed: 1.0, miss_rate: 0.0, benign: 100,
///     benign_suppressed: 100, phases: 3, phases_fully_missed: 0 };
/// let p = pool(&[a, b]);
/// assert_eq!((p.verdicts, p.fp_suppressed, p.miss_rate), (15, 0.75, 0.025));
/// ```
pub fn pool(parts: &[Figures]) -> Figures {
    let benign: usize = parts.iter().map(|f| f.benign).sum();
    let benign_suppressed: usize = parts.iter().map(|f| f.benign_suppressed).sum();
    let phases: usize = parts.iter().map(|f| f.phases).sum();
    Figures {
        verdicts: parts.iter().map(|f| f.verdicts).sum(),
        fp_suppressed: if benign > 0 {
            benign_suppressed as f64 / benign as f64
        } else {
            0.0
        },
        miss_rate: if phases > 0 {
            parts
                .iter()
                .map(|f| f.miss_rate * f.phases as f64)
                .sum::<f64>()
                / phases as f64
        } else {
            0.0
        },
        benign,
        benign_suppressed,
        phases,
        phases_fully_missed: parts.iter().map(|f| f.phases_fully_missed).sum(),
    }
}

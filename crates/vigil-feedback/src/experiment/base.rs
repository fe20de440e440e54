//! The base training set and the suppression threshold, both from the training streams.

use std::collections::BTreeMap;

use ndarray::{Array1, Axis};
use vigil_core::{Fit, LabeledData, Scorer, SplitMix64};

use super::Stream;
use super::stream::{is_attack, phase_of};
use crate::FeedbackError;
use crate::oversight::AuditTally;
use crate::retrain::threat_probs;

/// The base training rows, and which training stream each came from.
#[derive(Debug, Clone)]
pub struct BaseSet {
    /// Features, targets (0 = attack, 1 = benign) and weights.
    pub data: LabeledData,
    /// Index of the training stream of each row.
    pub stream_of: Vec<usize>,
}

impl BaseSet {
    /// The rows not from stream `skip`.
    pub fn without(&self, skip: usize) -> LabeledData {
        let idx: Vec<usize> = self
            .stream_of
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != skip)
            .map(|(i, _)| i)
            .collect();
        self.data.select(&idx)
    }
}

/// Subsamples the training streams into a base set.
///
/// Rows are drawn without replacement, at most `per_stratum` per (stream, detector, class),
/// each standing for `count / kept` alerts. Weights then make every stream count the same,
/// benign and attack halves of a stream weigh the same, and within the attack half every
/// attack phase (plus one group for attack alerts outside any phase) weighs the same —
/// matching the figure of merit, which averages misses over phases.
pub fn build_base(
    streams: &[Stream],
    per_stratum: usize,
    seed: u64,
) -> Result<BaseSet, FeedbackError> {
    let schema =
        streams
            .first()
            .map(|s| s.schema.clone())
            .ok_or_else(|| FeedbackError::InvalidData {
                reason: "no training streams".into(),
            })?;
    let mut rng = SplitMix64::new(seed);
    let mut picks: Vec<(usize, usize, f64)> = Vec::new(); // (stream, row, weight)
    for (si, s) in streams.iter().enumerate() {
        schema.ensure_same(&s.schema)?;
        // stratum → rows; BTreeMap so the draw does not depend on hash order.
        let mut strata: BTreeMap<(&str, bool), Vec<usize>> = BTreeMap::new();
        for (i, a) in s.alerts.iter().enumerate() {
            if a.truth.is_none() {
                continue;
            }
            let det = a.detector.as_deref().unwrap_or("");
            strata.entry((det, is_attack(a))).or_default().push(i);
        }
        // Group weights: half benign, half attack split evenly over phase groups.
        let mut groups: BTreeMap<Option<&str>, f64> = BTreeMap::new(); // attack group → count
        let mut benign = 0.0_f64;
        for a in s.alerts.iter().filter(|a| a.truth.is_some()) {
            if is_attack(a) {
                *groups.entry(phase_of(a)).or_default() += 1.0;
            } else {
                benign += 1.0;
            }
        }
        let n_groups = groups.len().max(1) as f64;
        let has_attacks = !groups.is_empty();
        for rows in strata.values_mut() {
            let kept = rows.len().min(per_stratum.max(1));
            rng.shuffle(rows);
            let factor = rows.len() as f64 / kept as f64;
            let mut chosen: Vec<usize> = rows.iter().take(kept).copied().collect();
            chosen.sort_unstable();
            for i in chosen {
                let Some(a) = s.alerts.get(i) else { continue };
                let w = if is_attack(a) {
                    let g = groups.get(&phase_of(a)).copied().unwrap_or(1.0);
                    0.5 / n_groups / g
                } else if has_attacks {
                    0.5 / benign.max(1.0)
                } else {
                    1.0 / benign.max(1.0)
                };
                picks.push((si, i, w * factor));
            }
        }
    }
    if picks.is_empty() {
        return Err(FeedbackError::InvalidData {
            reason: "training streams hold no labelled alerts".into(),
        });
    }
    let mut x = ndarray::Array2::zeros((picks.len(), schema.len()));
    let mut targets = Vec::with_capacity(picks.len());
    let mut weights = Vec::with_capacity(picks.len());
    let mut stream_of = Vec::with_capacity(picks.len());
    for (mut row, (si, i, w)) in x.axis_iter_mut(Axis(0)).zip(&picks) {
        let s = streams.get(*si).ok_or_else(|| FeedbackError::InvalidData {
            reason: format!("stream {si} vanished"),
        })?;
        row.assign(&s.features.row(*i));
        let attack = s.alerts.get(*i).is_some_and(is_attack);
        targets.push(usize::from(!attack));
        weights.push(*w);
        stream_of.push(*si);
    }
    // Scale weights to a mean of 1 so the model's regularisation sees familiar magnitudes.
    let mean = weights.iter().sum::<f64>() / weights.len() as f64;
    if mean > 0.0 {
        weights.iter_mut().for_each(|w| *w /= mean);
    }
    let data = LabeledData::new(x, Array1::from(targets), 2, schema)?
        .with_weights(Array1::from(weights))?;
    Ok(BaseSet { data, stream_of })
}

/// Phase-averaged miss rate of "suppress when p < t", per phase's sorted probabilities.
fn miss_at(phases: &[Vec<f64>], t: f64) -> f64 {
    if phases.is_empty() {
        return 0.0;
    }
    phases
        .iter()
        .map(|ps| ps.partition_point(|p| *p < t) as f64 / ps.len().max(1) as f64)
        .sum::<f64>()
        / phases.len() as f64
}

/// The suppression threshold: the largest `t` such that "suppress when p < t" keeps the mean
/// (over held-out training streams) phase-averaged miss rate at or below `calib_miss`.
///
/// Each training stream is held out in turn and scored by a model fitted on the others'
/// base rows; with a single training stream, its in-sample scores are used.
pub fn calibrate_threshold<P>(
    params: &P,
    base: &BaseSet,
    streams: &[Stream],
    calib_miss: f64,
) -> Result<Calibration, FeedbackError>
where
    P: Fit<LabeledData>,
    P::Fitted: Scorer,
    P::Error: std::fmt::Display,
{
    let mut scores = Vec::new();
    for (si, s) in streams.iter().enumerate() {
        let train = if streams.len() > 1 {
            base.without(si)
        } else {
            base.data.clone()
        };
        let model = params.fit(&train).map_err(|e| FeedbackError::Fit {
            what: "calibration model",
            reason: e.to_string(),
        })?;
        scores.push(threat_probs(&model, s.features.view())?);
    }
    Ok(threshold_from_scores(streams, &scores, calib_miss))
}

/// The threshold, its figures on each held-out training stream, and the pre-deployment
/// audit per detector.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Suppress when the threat probability is below this.
    pub threshold: f64,
    /// Per held-out training stream: (phase-averaged miss rate, benign share suppressed).
    pub per_stream: Vec<(f64, f64)>,
    /// Per detector, the alerts of held-out training streams that the threshold suppresses
    /// and how many of them were attacks: a pre-deployment audit, on networks the scoring
    /// model did not see, from which autonomy can be granted.
    pub audits: BTreeMap<String, AuditTally>,
}

/// [`calibrate_threshold`] from held-out scores already computed (one vector per stream).
pub fn threshold_from_scores(
    streams: &[Stream],
    scores: &[Vec<f64>],
    calib_miss: f64,
) -> Calibration {
    // Per held-out stream: phase → sorted attack probabilities, and benign probabilities.
    let mut held: Vec<(Vec<Vec<f64>>, Vec<f64>)> = Vec::new();
    for (s, p) in streams.iter().zip(scores) {
        let mut phases: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut benign = Vec::new();
        for (a, pi) in s.alerts.iter().zip(p.iter()) {
            if is_attack(a) {
                if let Some(ph) = phase_of(a) {
                    phases.entry(ph).or_default().push(*pi);
                }
            } else if a.truth.is_some() {
                benign.push(*pi);
            }
        }
        let mut ph: Vec<Vec<f64>> = phases.into_values().collect();
        ph.iter_mut().for_each(|v| v.sort_by(f64::total_cmp));
        benign.sort_by(f64::total_cmp);
        held.push((ph, benign));
    }
    // Candidates: every attack probability (miss changes only there), ascending.
    let mut cands: Vec<f64> = held
        .iter()
        .flat_map(|(ph, _)| ph.iter().flatten().copied())
        .collect();
    cands.push(1.0);
    cands.sort_by(f64::total_cmp);
    cands.dedup();
    let mean_miss =
        |t: f64| held.iter().map(|(ph, _)| miss_at(ph, t)).sum::<f64>() / held.len().max(1) as f64;
    // mean_miss is non-decreasing in t: binary search for the last candidate within budget.
    let k = cands.partition_point(|t| mean_miss(*t) <= calib_miss);
    let t = if k == 0 {
        0.0
    } else {
        cands.get(k - 1).copied().unwrap_or(0.0)
    };
    let per_stream = held
        .iter()
        .map(|(ph, b)| {
            let sup = b.partition_point(|p| *p < t) as f64 / b.len().max(1) as f64;
            (miss_at(ph, t), sup)
        })
        .collect();
    let mut audits: BTreeMap<String, AuditTally> = BTreeMap::new();
    for (s, p) in streams.iter().zip(scores) {
        for (a, pi) in s.alerts.iter().zip(p) {
            if *pi < t && a.truth.is_some() {
                audits
                    .entry(a.detector.clone().unwrap_or_default())
                    .or_default()
                    .record(is_attack(a));
            }
        }
    }
    Calibration {
        threshold: t,
        per_stream,
        audits,
    }
}

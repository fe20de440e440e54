//! Vigil's scorer for the replay: alert-stream features, a native gradient-boosted model, and
//! a suppression threshold certified on networks the model did not see.
//!
//! Training ([`VigilTrainer::train`]) takes several labelled streams (one per network or
//! tenant). Features are extracted over each whole stream in time order, so novelty and
//! bursts mean the same in training as in replay. Floods would drown the rare steps that
//! matter (one AIT-ADS network holds 400,000 alerts of one scan step and two of a
//! privilege escalation), so at most `cap_per_cell` rows are kept per (stream, alert type,
//! label) cell. The suppression threshold is chosen by cross-fitting: each training stream is
//! scored by a model fitted on the others, and the threshold is the highest one whose miss
//! rate (share of a phase's attack alerts under it, averaged over phases) stays within
//! `suppress_alpha` on those held-out streams.

use ndarray::{Array1, Array2, Axis};
use vigil_core::{Alert, AlertScorer, CoreError, FeatureExtractor, Fit, Score, Scorer, SplitMix64};
use vigil_triage::features::alert_stream::{AlertStreamFeatures, AlertStreamParams, alert_type};
use vigil_triage::gbdt::GbdtParams;

use crate::EvalError;

/// How to train Vigil's scorer.
#[derive(Debug, Clone)]
pub struct VigilTrainer {
    /// Alert-stream feature parameters.
    pub stream: AlertStreamParams,
    /// Gradient-boosted trees parameters.
    pub gbdt: GbdtParams,
    /// Rows kept per (stream, alert type, label) cell.
    pub cap_per_cell: usize,
    /// Target phase-averaged miss rate of suppression; `None` suppresses nothing.
    pub suppress_alpha: Option<f64>,
    /// Alerts of a type seen fewer times than this in training are never suppressed: too
    /// little evidence to certify a miss rate for them.
    pub min_support: f64,
    /// Seed of row sampling.
    pub seed: u64,
}

impl Default for VigilTrainer {
    fn default() -> Self {
        Self {
            stream: AlertStreamParams::default(),
            gbdt: GbdtParams::new()
                .n_trees(150)
                .learning_rate(0.08)
                .max_leaves(31)
                .min_data_in_leaf(20)
                .seed(7),
            cap_per_cell: 2000,
            suppress_alpha: Some(0.02),
            min_support: 100.0,
            seed: 7,
        }
    }
}

/// A trained Vigil scorer.
pub struct VigilScorer {
    features: AlertStreamFeatures,
    model: Box<dyn Scorer>,
    suppress_below: f64,
    min_support: f64,
}

impl std::fmt::Debug for VigilScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VigilScorer")
            .field("features", &self.features.schema().names())
            .field("suppress_below", &self.suppress_below)
            .finish_non_exhaustive()
    }
}

/// Row indices kept from one stream: at most `cap` per (type, label) cell, chosen by a seeded
/// shuffle, returned in stream order.
fn sample_rows(alerts: &[Alert], cap: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut cells: std::collections::BTreeMap<(&str, bool), Vec<usize>> = Default::default();
    for (i, a) in alerts.iter().enumerate() {
        cells
            .entry((alert_type(a), a.is_threat().unwrap_or(false)))
            .or_default()
            .push(i);
    }
    let mut keep = Vec::new();
    for (_, mut rows) in cells {
        if rows.len() > cap {
            rng.shuffle(&mut rows);
            rows.truncate(cap);
        }
        keep.extend(rows);
    }
    keep.sort_unstable();
    keep
}

/// Features and labels of the sampled rows of several streams.
fn labelled(
    fx: &AlertStreamFeatures,
    streams: &[&[Alert]],
    cap: usize,
    seed: u64,
) -> Result<(Array2<f64>, Array1<usize>), EvalError> {
    let mut rng = SplitMix64::new(seed);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in streams {
        let m = fx.extract_batch(s)?;
        let keep = sample_rows(s, cap, &mut rng);
        xs.push(m.select(Axis(0), &keep));
        ys.extend(
            keep.iter()
                .map(|&i| usize::from(!s.get(i).and_then(Alert::is_threat).unwrap_or(false))),
        );
    }
    let views: Vec<_> = xs.iter().map(|x| x.view()).collect();
    let x = ndarray::concatenate(Axis(0), &views).map_err(|e| EvalError::Training {
        what: "feature rows".into(),
        reason: e.to_string(),
    })?;
    Ok((x, Array1::from(ys)))
}

impl VigilTrainer {
    fn fit_model(
        &self,
        fx: &AlertStreamFeatures,
        streams: &[&[Alert]],
    ) -> Result<Box<dyn Scorer>, EvalError> {
        let (x, y) = labelled(fx, streams, self.cap_per_cell, self.seed)?;
        let classes: std::collections::BTreeSet<usize> = y.iter().copied().collect();
        if classes.len() < 2 {
            return Err(EvalError::Training {
                what: format!("{} streams", streams.len()),
                reason: "training alerts hold a single class (need attack and benign)".into(),
            });
        }
        // Class 0 is the threat class, as every Vigil scorer has it.
        let data = vigil_core::LabeledData::new(x, y, 2, fx.schema().clone())?;
        Ok(Box::new(self.gbdt.fit(&data)?))
    }

    /// Trains on labelled streams (each sorted by time, one per network or tenant).
    pub fn train(&self, streams: &[&[Alert]]) -> Result<VigilScorer, EvalError> {
        if let Some(a) = self.suppress_alpha
            && !(a > 0.0 && a < 1.0)
        {
            return Err(EvalError::InvalidParameter {
                name: "suppress_alpha",
                reason: format!("a miss rate in (0, 1), got {a}"),
            });
        }
        let fx = fit_features(&self.stream, streams)?;
        let model = self.fit_model(&fx, streams)?;
        let suppress_below = match self.suppress_alpha {
            Some(alpha) if streams.len() >= 2 => self.cross_fit_threshold(streams, alpha)?,
            _ => 0.0,
        };
        Ok(VigilScorer {
            features: fx,
            model,
            suppress_below,
            min_support: self.min_support,
        })
    }

    /// The highest threshold whose phase-averaged miss rate on held-out streams is ≤ alpha.
    fn cross_fit_threshold(&self, streams: &[&[Alert]], alpha: f64) -> Result<f64, EvalError> {
        // Per phase, the held-out scores of its attack alerts.
        let mut phases: Vec<Vec<f64>> = Vec::new();
        for k in 0..streams.len() {
            let rest: Vec<&[Alert]> = streams
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, s)| *s)
                .collect();
            let Some(held) = streams.get(k) else { continue };
            let fx = fit_features(&self.stream, &rest)?;
            let model = self.fit_model(&fx, &rest)?;
            let scorer = VigilScorer {
                features: fx,
                model,
                suppress_below: 0.0,
                min_support: self.min_support,
            };
            let scores = scorer.score_stream(held)?;
            let mut by_phase: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
            for (a, s) in held.iter().zip(scores) {
                if a.is_threat() == Some(true)
                    && let Some(p) = a.truth.as_ref().and_then(|t| t.phase.as_deref())
                {
                    by_phase.entry(p).or_default().push(s);
                }
            }
            phases.extend(by_phase.into_values());
        }
        if phases.is_empty() {
            return Ok(0.0);
        }
        let mut cands: Vec<f64> = phases.iter().flatten().copied().collect();
        cands.sort_by(f64::total_cmp);
        cands.dedup();
        let miss = |t: f64| {
            phases
                .iter()
                .map(|p| p.iter().filter(|&&s| s < t).count() as f64 / p.len() as f64)
                .sum::<f64>()
                / phases.len() as f64
        };
        // Miss rate grows with the threshold: binary search the last candidate within alpha.
        let (mut lo, mut hi) = (0usize, cands.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if miss(cands.get(mid).copied().unwrap_or(1.0)) <= alpha {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(if lo == 0 {
            0.0
        } else {
            cands.get(lo - 1).copied().unwrap_or(0.0)
        })
    }
}

fn fit_features(
    params: &AlertStreamParams,
    streams: &[&[Alert]],
) -> Result<AlertStreamFeatures, EvalError> {
    let all: Vec<Alert> = streams.iter().flat_map(|s| s.iter().cloned()).collect();
    Ok(params.fit(&all[..])?)
}

impl VigilScorer {
    /// Threat probability of every alert of one time-ordered stream.
    pub fn score_stream(&self, alerts: &[Alert]) -> Result<Vec<f64>, EvalError> {
        let x = self.features.extract_batch(alerts)?;
        let p = self.model.predict_proba(x.view())?;
        Ok(p.column(0).iter().map(|v| v.clamp(0.0, 1.0)).collect())
    }

    /// Alerts scored below this are suppressed (0 when suppression is off).
    pub fn suppress_below(&self) -> f64 {
        self.suppress_below
    }

    /// Whether each alert may be suppressed: its type had at least `min_support` training
    /// alerts.
    pub fn suppressible(&self, alerts: &[Alert]) -> Vec<bool> {
        alerts
            .iter()
            .map(|a| self.features.type_support(a) >= self.min_support)
            .collect()
    }

    /// The fitted features.
    pub fn features(&self) -> &AlertStreamFeatures {
        &self.features
    }
}

impl AlertScorer for VigilScorer {
    /// Scores a lone alert as the first of a stream; prefer [`AlertScorer::score_batch`].
    fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
        let x = self.features.extract(alert)?;
        let p = self.model.threat_probability(x.view())?;
        Ok(Score::new(p, p))
    }

    /// Scores a time-ordered stream: each alert sees the ones before it.
    fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
        match self.score_stream(alerts) {
            Ok(s) => s.into_iter().map(|p| Ok(Score::new(p, p))).collect(),
            Err(e) => {
                let e = CoreError::Component {
                    component: "vigil-scorer".into(),
                    reason: e.to_string(),
                };
                alerts.iter().map(|_| Err(e.clone())).collect()
            }
        }
    }
}

/// Scores of any [`AlertScorer`] over a stream, as the replay takes them (the `risk`).
pub fn scores_of(scorer: &dyn AlertScorer, alerts: &[Alert]) -> Result<Vec<f64>, EvalError> {
    scorer
        .score_batch(alerts)
        .into_iter()
        .map(|s| s.map(|s| s.risk).map_err(EvalError::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suppression_target_outside_0_1_is_a_typed_error() {
        for a in [0.0, -0.1, 1.0, 1.5, f64::NAN] {
            let t = VigilTrainer {
                suppress_alpha: Some(a),
                ..VigilTrainer::default()
            };
            assert!(
                matches!(
                    t.train(&[]),
                    Err(EvalError::InvalidParameter {
                        name: "suppress_alpha",
                        ..
                    })
                ),
                "{a}"
            );
        }
    }
}

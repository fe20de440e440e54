//! The retraining loop: verdict labels → challenger → comparison → registry.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use vigil_core::{Fit, LabeledData, Scorer, SeededMap};

use super::{CompareParams, Comparison, Registry, RetrainReason, compare};
use crate::FeedbackError;
use crate::labels::Consensus;
use crate::store::VerdictId;

/// How challengers are trained and judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerParams {
    /// Share of the most recent labels held back for the comparison.
    pub holdout_share: f64,
    /// Fewest labels held back (when there are enough labels).
    pub holdout_min: usize,
    /// Most labels held back.
    pub holdout_max: usize,
    /// Most recent labels used for training (the time-ordered window).
    pub window: usize,
    /// Share of the total training weight that verdict labels carry together, the rest being
    /// the base training set (the anchor that keeps a few verdicts from rewriting the model).
    pub verdict_share: f64,
    /// Most of the verdict weight any one analyst may hold.
    pub max_analyst_share: f64,
    /// The champion/challenger comparison.
    pub compare: CompareParams,
}

impl Default for TrainerParams {
    fn default() -> Self {
        Self {
            holdout_share: 0.3,
            holdout_min: 10,
            holdout_max: 80,
            window: 5000,
            verdict_share: 0.5,
            max_analyst_share: 0.4,
            compare: CompareParams::default(),
        }
    }
}

impl TrainerParams {
    /// Checks the ranges.
    pub fn check(self) -> Result<Self, FeedbackError> {
        let open_unit =
            |name, v: f64| FeedbackError::require(v > 0.0 && v < 1.0, name, "a value in (0, 1)", v);
        open_unit("holdout_share", self.holdout_share)?;
        open_unit("verdict_share", self.verdict_share)?;
        FeedbackError::require(
            self.max_analyst_share > 0.0 && self.max_analyst_share <= 1.0,
            "max_analyst_share",
            "a value in (0, 1]",
            self.max_analyst_share,
        )?;
        FeedbackError::require(self.window >= 1, "window", "at least 1", self.window)?;
        Ok(Self {
            compare: self.compare.check()?,
            ..self
        })
    }
}

/// What one retraining did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainOutcome {
    /// The challenger's version id.
    pub version: u64,
    /// The champion it was compared against.
    pub parent: u64,
    /// Why it was trained.
    pub reason: RetrainReason,
    /// Verdict labels it was trained on.
    pub trained_labels: usize,
    /// The comparison on held-back labels.
    pub comparison: Comparison,
    /// True when it became champion.
    pub promoted: bool,
}

/// Trains challengers on the base set plus a time-ordered window of verdict labels, compares
/// them with the champion on the most recent labels (held back from training), and promotes
/// only those not worse at the stated confidence.
///
/// Generic over any `P: Fit<LabeledData>` whose fitted model is a [`Scorer`]. Targets are
/// class 0 = threat (a true positive), class 1 = not a threat.
#[derive(Debug)]
pub struct Retrainer<P: Fit<LabeledData>> {
    params: P,
    cfg: TrainerParams,
    base: LabeledData,
    registry: Registry<P::Fitted>,
}

/// Per-row threat probabilities (class 0) of a scorer.
pub(crate) fn threat_probs<S: Scorer + ?Sized>(
    model: &S,
    x: ArrayView2<'_, f64>,
) -> Result<Vec<f64>, FeedbackError> {
    if x.nrows() == 0 {
        return Ok(Vec::new());
    }
    let p = model.predict_proba(x)?;
    Ok(p.column(0).to_vec())
}

impl<P> Retrainer<P>
where
    P: Fit<LabeledData>,
    P::Fitted: Scorer,
    P::Error: std::fmt::Display,
{
    /// Fits the base model on `base` and makes it version 0.
    pub fn new(
        params: P,
        base: LabeledData,
        cfg: TrainerParams,
        at: DateTime<Utc>,
    ) -> Result<Self, FeedbackError> {
        let model = params.fit(&base).map_err(|e| FeedbackError::Fit {
            what: "base",
            reason: e.to_string(),
        })?;
        Self::with_champion(params, base, Arc::new(model), cfg, at)
    }

    /// Starts from an already fitted champion (version 0), trained on `base`.
    pub fn with_champion(
        params: P,
        base: LabeledData,
        champion: Arc<P::Fitted>,
        cfg: TrainerParams,
        at: DateTime<Utc>,
    ) -> Result<Self, FeedbackError> {
        Ok(Self {
            params,
            cfg: cfg.check()?,
            base,
            registry: Registry::new_shared(champion, at, "base model"),
        })
    }

    /// The registry of versions.
    pub fn registry(&self) -> &Registry<P::Fitted> {
        &self.registry
    }

    /// The registry, for rollback.
    pub fn registry_mut(&mut self) -> &mut Registry<P::Fitted> {
        &mut self.registry
    }

    /// The current champion.
    pub fn champion(&self) -> &P::Fitted {
        &self.registry.champion().model
    }

    /// Trains a challenger from `labels` (ordered by time, as [`crate::labels::resolve`]
    /// returns them), compares and maybe promotes it. `features` gives an alert's feature row
    /// (labels whose alert it does not know are skipped).
    pub fn retrain(
        &mut self,
        labels: &[Consensus],
        features: &dyn Fn(&str) -> Option<Array1<f64>>,
        at: DateTime<Utc>,
        reason: RetrainReason,
    ) -> Result<RetrainOutcome, FeedbackError> {
        let width = self.base.schema.len();
        let known: Vec<(&Consensus, Array1<f64>)> = labels
            .iter()
            .filter_map(|c| features(&c.alert_id).map(|f| (c, f)))
            .filter(|(_, f)| f.len() == width)
            .collect();
        let n = known.len();
        let h = ((n as f64 * self.cfg.holdout_share).round() as usize)
            .clamp(self.cfg.holdout_min, self.cfg.holdout_max)
            .min(n / 2);
        let (train, hold) = known.split_at(n - h);
        let train = &train[train.len().saturating_sub(self.cfg.window)..];
        let data = self.training_set(train)?;
        let challenger = self.params.fit(&data).map_err(|e| FeedbackError::Fit {
            what: "challenger",
            reason: e.to_string(),
        })?;

        let mut hx = Array2::zeros((hold.len(), width));
        for (mut row, (_, f)) in hx.axis_iter_mut(Axis(0)).zip(hold) {
            row.assign(f);
        }
        let y: Vec<bool> = hold.iter().map(|(c, _)| c.verdict.is_threat()).collect();
        let w: Vec<f64> = hold.iter().map(|(c, _)| c.weight * c.support).collect();
        let p_champ = threat_probs(self.champion(), hx.view())?;
        let p_chall = threat_probs(&challenger, hx.view())?;
        let comparison = compare(&p_champ, &p_chall, &y, &w, &self.cfg.compare);

        let parent = self.registry.champion().id;
        let trained_on: Vec<VerdictId> = train
            .iter()
            .flat_map(|(c, _)| c.verdict_ids.iter().copied())
            .collect();
        let version = self.registry.register(
            challenger,
            Some(parent),
            trained_on,
            at,
            format!("{reason:?}: {} verdict labels", train.len()),
        )?;
        self.registry.set_comparison(version, comparison.clone())?;
        let promoted = comparison.promote;
        if promoted {
            self.registry.promote(version)?;
        }
        Ok(RetrainOutcome {
            version,
            parent,
            reason,
            trained_labels: train.len(),
            comparison,
            promoted,
        })
    }

    /// Base rows plus verdict rows, weighted so verdicts carry `verdict_share` of the total
    /// and no analyst more than `max_analyst_share` of the verdicts' weight.
    fn training_set(
        &self,
        train: &[(&Consensus, Array1<f64>)],
    ) -> Result<LabeledData, FeedbackError> {
        let nb = self.base.len();
        let base_w: Array1<f64> = self
            .base
            .weights
            .clone()
            .unwrap_or_else(|| Array1::ones(nb));
        let wb: f64 = base_w.sum();
        if train.is_empty() {
            return Ok(self.base.clone());
        }
        let s = self.cfg.verdict_share;
        let block = wb * s / (1.0 - s);
        let per_row = block / train.len() as f64;
        let mut vw: Vec<f64> = train.iter().map(|(c, _)| per_row * c.weight).collect();
        // Cap each analyst's total at max_analyst_share of the block; the excess is dropped,
        // not handed to the others, so a flood of one analyst's verdicts cannot dominate.
        let cap = self.cfg.max_analyst_share * block;
        let mut per_analyst: SeededMap<&str, f64> = SeededMap::default();
        for ((c, _), w) in train.iter().zip(&vw) {
            *per_analyst.entry(c.primary_analyst.as_str()).or_default() += w;
        }
        for ((c, _), w) in train.iter().zip(vw.iter_mut()) {
            let total = per_analyst
                .get(c.primary_analyst.as_str())
                .copied()
                .unwrap_or(0.0);
            if total > cap && total > 0.0 {
                *w *= cap / total;
            }
        }
        let width = self.base.schema.len();
        let mut x = Array2::zeros((nb + train.len(), width));
        x.slice_mut(ndarray::s![..nb, ..])
            .assign(&self.base.features);
        for (mut row, (_, f)) in x
            .slice_mut(ndarray::s![nb.., ..])
            .rows_mut()
            .into_iter()
            .zip(train)
        {
            row.assign(f);
        }
        let mut t = self.base.targets.to_vec();
        t.extend(
            train
                .iter()
                .map(|(c, _)| usize::from(!c.verdict.is_threat())),
        );
        let mut w = base_w.to_vec();
        w.extend(vw);
        let data = LabeledData::new(
            x,
            Array1::from(t),
            self.base.n_classes,
            self.base.schema.clone(),
        )?
        .with_weights(Array1::from(w))?;
        Ok(data)
    }
}

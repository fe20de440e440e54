//! The whole triage scorer: features → model → calibration → risk, with suppression.
//!
//! [`TriageParams`] fits a [`TriagePipeline`] on graded alerts:
//!
//! 1. The training organisations are split (by organisation, seeded): a share
//!    `calibration_share` is held out as the **calibration** organisations.
//! 2. The feature extractor is fitted on the other organisations, with out-of-fold encodings
//!    ([`crate::features::guide`]), and the model (GBDT or tree, three grades) on their rows.
//! 3. The calibration organisations are scored as unseen ones, each organisation's grade
//!    probabilities adapted to its own prior estimated from its unlabelled alerts
//!    ([`crate::calibrate::PriorShift`], on by default); on them the pipeline fits the
//!    calibrator of the threat probability, the decision weights of the grade prediction
//!    (per-grade multipliers that maximise macro-F1 there, when enabled), and one
//!    conformal suppressor per `alpha` ([`crate::suppress`]).
//!
//! The adaptation is a per-organisation function of that organisation's own alerts, applied
//! alike to calibration and new organisations, so organisations stay exchangeable and the
//! organisation-level suppression bound ([`TriageParams::org_exchangeable`]) is untouched.
//! It needs a batch of an organisation's alerts: [`TriagePipeline::proba_adapted`] and
//! [`TriagePipeline::confidences_adapted`] take one. The [`AlertScorer`] path (one alert, or
//! a batch equal to it alert by alert) is not adapted: it scores with the training prior,
//! through a calibrator fitted on adapted scores, so its confidence is only approximately
//! calibrated; use the adapted batch methods where calibration matters.
//!
//! The fitted pipeline implements [`AlertScorer`]: `confidence` is the calibrated probability
//! of TruePositive, `risk` follows [`crate::risk`], and the explanation lists the largest
//! contributions to the model's raw threat score (GBDT: TreeSHAP of the TruePositive logit;
//! tree: path attribution of the leaf log-odds), by feature name.
//!
//! ```no_run
//! use vigil_core::{AlertScorer, Fit};
//! use vigil_triage::pipeline::{TriageParams, TriagePipeline};
//! # fn demo(train: &[vigil_core::Alert], new: &vigil_core::Alert) -> Result<(), vigil_triage::error::TriageError> {
//! let pipeline: TriagePipeline = TriageParams::default().fit(train)?;
//! let score = pipeline.score(new)?;
//! let suppress = pipeline.suppressed(score.confidence, new, 0.05);
//! let mut bytes = Vec::new();
//! pipeline.save(&mut bytes)?;
//! let again = TriagePipeline::load(bytes.as_slice())?;
//! assert_eq!(again.score(new)?, score);
//! # let _ = suppress; Ok(()) }
//! ```

mod model;
mod persist;

pub use model::{AnyModel, ModelKind, ModelParams};
pub use persist::{PIPELINE_MAGIC, PIPELINE_VERSION};

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};
use vigil_core::{
    Alert, AlertScorer, CoreError, FeatureExtractor, Fit, LabeledData, Score, Scorer,
};

use crate::calibrate::{
    AnyCalibrator, CalibrationMethod, CalibrationSet, Calibrator, PriorShift, PriorShiftParams,
};
use crate::cv::{group_folds, macro_f1};
use crate::error::TriageError;
use crate::features::guide::{GuideFeatureParams, GuideFeatures};
use crate::risk::RiskParams;
use crate::suppress::{SuppressionParams, SuppressionSet, Suppressor};

/// Hyperparameters of the whole pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageParams {
    /// Feature extraction.
    pub features: GuideFeatureParams,
    /// The model.
    pub model: ModelParams,
    /// How the threat probability is calibrated.
    pub calibration: CalibrationMethod,
    /// Caps how much one organisation weighs in the calibrator: an organisation with `n`
    /// calibration alerts gives each weight `min(1, cap / n)`, so no organisation counts for
    /// more than `cap` alerts (`None`: every alert weighs 1). GUIDE's largest organisations
    /// hold a fifth of a fold and grade almost uniformly, so without a cap the calibrator
    /// follows whichever of them landed among the calibration organisations.
    pub calibration_org_cap: Option<f64>,
    /// Share of training organisations held out for calibration, in `(0, 1)`.
    pub calibration_share: f64,
    /// Suppression levels to fit (each a [`Suppressor`]).
    pub alphas: Vec<f64>,
    /// Per-detector suppression thresholds for detectors with at least this many calibration
    /// true positives (`None`: one global threshold).
    pub per_detector: Option<usize>,
    /// Suppression thresholds with organisations as the exchangeable unit
    /// ([`crate::suppress::crc_threshold_clustered`]) rather than rows.
    pub org_exchangeable: bool,
    /// `Some(δ)`: suppression thresholds that keep the miss rate at most α with probability
    /// at least `1 − δ` over the calibration draw ([`crate::suppress::tolerance_threshold`])
    /// rather than in expectation. Row-level; not with `org_exchangeable`.
    #[serde(default)]
    pub suppress_delta: Option<f64>,
    /// Choose per-grade decision weights on the calibration organisations.
    pub tune_decision: bool,
    /// Cross-fitting: `Some(k)` fits calibration, decision weights and suppression on the
    /// out-of-fold predictions of `k` organisation folds of the training data, then fits the
    /// final extractor and model on all of it; `None` holds out `calibration_share` of the
    /// organisations instead (split conformal: the suppression bound holds exactly, see
    /// [`crate::suppress`]; with cross-fitting it holds for the fold models, and only
    /// approximately for the final model fitted on more data).
    pub cross_fit: Option<usize>,
    /// Label-shift adaptation per organisation ([`crate::calibrate::PriorShift`]): `Some`
    /// re-weights every organisation's grade probabilities by its prior, estimated by EM from
    /// its own unlabelled alerts, before calibration, decision weights and suppression (the
    /// calibration organisations are adapted the same way, so the calibrator is fitted on
    /// what it will see). `None`: the model's probabilities as they are.
    pub prior_shift: Option<PriorShiftParams>,
    /// Risk formula.
    pub risk: RiskParams,
    /// Contributions kept in each explanation; 0 skips the explanation, which is most of
    /// what scoring an alert costs (TreeSHAP over every tree: `cargo bench -p vigil-triage
    /// --bench pipeline`).
    pub top_k: usize,
    /// Seed of the organisation split (the model and features have their own).
    pub seed: u64,
}

impl Default for TriageParams {
    fn default() -> Self {
        Self::new(ModelKind::Gbdt, 0)
    }
}

impl TriageParams {
    /// Defaults for a model kind and seed: isotonic calibration on 25% of organisations,
    /// suppression at α = 0.01 and 0.05, tuned decision weights, per-organisation label-shift
    /// adaptation ([`PriorShiftParams::default`]) for the GBDT (not the tree), top 5
    /// contributions.
    pub fn new(kind: ModelKind, seed: u64) -> Self {
        Self {
            features: GuideFeatureParams {
                seed,
                ..GuideFeatureParams::default()
            },
            model: ModelParams::new(kind, seed),
            calibration: CalibrationMethod::Isotonic,
            calibration_org_cap: None,
            calibration_share: 0.25,
            alphas: vec![0.01, 0.05],
            per_detector: None,
            org_exchangeable: false,
            suppress_delta: None,
            tune_decision: true,
            cross_fit: None,
            // The tree's coarse leaf frequencies make EM push whole organisations to a
            // corner: on GUIDE (seed 0) it lowered macro-F1 and its suppression missed 0.15
            // of threats at α = 0.05, so the tree keeps the training prior.
            prior_shift: match kind {
                ModelKind::Gbdt => Some(PriorShiftParams::default()),
                ModelKind::Tree => None,
            },
            risk: RiskParams::default(),
            top_k: 5,
            seed,
        }
    }
}

/// Estimated grade prior (TP, BP, FP) per organisation, as
/// [`TriagePipeline::proba_adapted`] returns it.
pub type OrgPriors = BTreeMap<String, [f64; 3]>;

/// A fitted triage pipeline.
#[derive(Debug, Clone)]
pub struct TriagePipeline {
    pub(crate) features: GuideFeatures,
    pub(crate) model: AnyModel,
    pub(crate) calibrator: AnyCalibrator,
    pub(crate) decision: [f64; 3],
    pub(crate) suppressors: Vec<Suppressor>,
    pub(crate) prior_shift: Option<PriorShift>,
    pub(crate) risk: RiskParams,
    pub(crate) top_k: usize,
}

/// Graded alerts only, with their class indices.
fn graded(alerts: &[Alert]) -> (Vec<&Alert>, Vec<usize>) {
    alerts
        .iter()
        .filter_map(|a| a.verdict.map(|v| (a, v.index())))
        .unzip()
}

impl TriageParams {
    /// The graded alerts split by organisation into the rows the features and model are
    /// fitted on and the calibration rows (a share `calibration_share` of organisations),
    /// exactly as [`Fit::fit`] splits them.
    pub fn split_calibration(
        &self,
        alerts: &[Alert],
    ) -> Result<(Vec<Alert>, Vec<Alert>), TriageError> {
        if !(self.calibration_share > 0.0 && self.calibration_share < 1.0) {
            return Err(TriageError::InvalidParameter {
                name: "calibration_share",
                reason: format!("must be in (0, 1), got {}", self.calibration_share),
            });
        }
        let (alerts, _) = graded(alerts);
        let orgs: Vec<&str> = alerts
            .iter()
            .map(|a| a.tenant.as_deref().unwrap_or(""))
            .collect();
        // Calibration organisations: fold 0 of round(1/share) folds.
        let k = (1.0 / self.calibration_share).round().max(2.0) as usize;
        let folds = group_folds(&orgs, k, self.seed ^ 0x0ca1_1b4a);
        let (mut fit_rows, mut cal_rows) = (Vec::new(), Vec::new());
        for (a, f) in alerts.iter().zip(&folds) {
            if *f == 0 {
                cal_rows.push((*a).clone());
            } else {
                fit_rows.push((*a).clone());
            }
        }
        if fit_rows.is_empty() || cal_rows.is_empty() {
            return Err(TriageError::InsufficientData {
                reason: "need graded alerts from at least two organisations".into(),
            });
        }
        Ok((fit_rows, cal_rows))
    }
}

/// The graded alerts a pipeline's calibrator and suppressors were fitted on, with the
/// probabilities the model gave them as unseen alerts: the calibration organisations scored by
/// the model fitted without them, or, when cross-fitting, every training alert scored by the
/// model of the fold that left its organisation out. Callers that post-process confidences
/// (for instance a [`crate::calibrate::VerdictMemory`]) fit on these rows what must look like
/// held-out data.
#[derive(Debug, Clone)]
pub struct CalibrationRows {
    /// The graded alerts, in the order of `proba`'s rows.
    pub alerts: Vec<Alert>,
    /// Out-of-sample grade probabilities (TruePositive, BenignPositive, FalsePositive),
    /// adapted per organisation like a new organisation's.
    pub proba: Array2<f64>,
}

impl Fit<[Alert]> for TriageParams {
    type Fitted = TriagePipeline;
    type Error = TriageError;

    fn fit(&self, alerts: &[Alert]) -> Result<TriagePipeline, TriageError> {
        self.fit_with_calibration_rows(alerts).map(|(p, _)| p)
    }
}

impl TriageParams {
    /// [`Fit::fit`], also returning the rows the post-processing was fitted on.
    pub fn fit_with_calibration_rows(
        &self,
        alerts: &[Alert],
    ) -> Result<(TriagePipeline, CalibrationRows), TriageError> {
        let Some(k) = self.cross_fit else {
            let (fit_rows, cal_rows) = self.split_calibration(alerts)?;
            let mut pipeline = self.fit_core(&fit_rows)?;
            let (proba, _) = pipeline.proba_adapted(&cal_rows)?;
            self.fit_post(&mut pipeline, &proba, &cal_rows)?;
            return Ok((
                pipeline,
                CalibrationRows {
                    alerts: cal_rows,
                    proba,
                },
            ));
        };
        if k < 2 {
            return Err(TriageError::InvalidParameter {
                name: "cross_fit",
                reason: format!("need at least 2 organisation folds, got {k}"),
            });
        }
        let (alerts, _) = graded(alerts);
        let alerts: Vec<Alert> = alerts.into_iter().cloned().collect();
        let orgs: Vec<&str> = alerts
            .iter()
            .map(|a| a.tenant.as_deref().unwrap_or(""))
            .collect();
        let folds = group_folds(&orgs, k, self.seed ^ 0x0ca1_1b4a);
        let mut proba = Array2::zeros((alerts.len(), 3));
        for f in 0..k {
            let (inner, held): (Vec<usize>, Vec<usize>) =
                (0..alerts.len()).partition(|&i| folds.get(i) != Some(&f));
            if inner.is_empty() || held.is_empty() {
                return Err(TriageError::InsufficientData {
                    reason: "cross-fitting needs graded alerts from more organisations".into(),
                });
            }
            let pick = |idx: &[usize]| -> Vec<Alert> {
                idx.iter().filter_map(|&i| alerts.get(i).cloned()).collect()
            };
            let (p, _) = self.fit_core(&pick(&inner))?.proba_adapted(&pick(&held))?;
            for (&i, row) in held.iter().zip(p.rows()) {
                proba.row_mut(i).assign(&row);
            }
        }
        let mut pipeline = self.fit_core(&alerts)?;
        self.fit_post(&mut pipeline, &proba, &alerts)?;
        Ok((pipeline, CalibrationRows { alerts, proba }))
    }
}

impl TriageParams {
    /// Fits the extractor (out-of-fold encodings) and the model on `rows`.
    fn fit_core(&self, rows: &[Alert]) -> Result<TriagePipeline, TriageError> {
        let (features, x) = self.features.fit_transform(rows)?;
        let y: Array1<usize> = rows
            .iter()
            .filter_map(|a| a.verdict.map(|v| v.index()))
            .collect();
        let prior_shift = match self.prior_shift {
            Some(p) => Some(p.check()?.fit_labels(y.as_slice().unwrap_or(&[]))?),
            None => None,
        };
        let data = LabeledData::new(x, y, 3, features.schema().clone())?;
        let model = self.model.fit(&data)?;
        Ok(TriagePipeline {
            features,
            model,
            calibrator: AnyCalibrator::Identity(crate::calibrate::Identity),
            decision: [1.0; 3],
            suppressors: Vec::new(),
            prior_shift,
            risk: self.risk,
            top_k: self.top_k,
        })
    }

    /// Fits calibrator, decision weights and suppressors on held-out probabilities `proba`
    /// of the graded alerts `rows`.
    fn fit_post(
        &self,
        pipeline: &mut TriagePipeline,
        proba: &Array2<f64>,
        rows: &[Alert],
    ) -> Result<(), TriageError> {
        let cal_y: Vec<usize> = rows
            .iter()
            .filter_map(|a| a.verdict.map(|v| v.index()))
            .collect();
        let threat: Vec<bool> = cal_y.iter().map(|&c| c == 0).collect();
        let raw_p: Vec<f64> = proba.column(0).to_vec();
        let mut set = CalibrationSet::new(raw_p.clone(), threat.clone())?;
        if let Some(cap) = self.calibration_org_cap {
            set = set.with_weights(org_capped_weights(rows, cap)?)?;
        }
        pipeline.calibrator = self.calibration.fit(&set)?;
        if self.tune_decision {
            pipeline.decision = tune_decision(proba, &cal_y);
        }
        let cal_p = pipeline.calibrator.calibrate_all(&raw_p);
        pipeline.suppressors = self.fit_suppressors(cal_p, rows)?;
        Ok(())
    }

    /// One conformal suppressor per `alpha` of the parameters, fitted on calibrated threat
    /// probabilities `confidence` of the graded calibration alerts `rows` (per detector and
    /// organisation-exchangeable as the parameters say). The pipeline's own suppressors are
    /// these on its calibration organisations; a caller that adjusts confidences (for
    /// instance with a [`crate::calibrate::VerdictMemory`]) fits its suppressors here on the
    /// adjusted confidences of the same rows, so that the bound covers what it suppresses.
    pub fn fit_suppressors(
        &self,
        confidence: Vec<f64>,
        rows: &[Alert],
    ) -> Result<Vec<Suppressor>, TriageError> {
        let threat: Vec<bool> = rows
            .iter()
            .filter_map(|a| a.verdict.map(|v| v.index() == 0))
            .collect();
        let groups = self.per_detector.map(|_| {
            rows.iter()
                .filter(|a| a.verdict.is_some())
                .map(|a| a.detector.clone().unwrap_or_default())
                .collect()
        });
        let orgs = rows
            .iter()
            .filter(|a| a.verdict.is_some())
            .map(|a| a.tenant.clone().unwrap_or_default())
            .collect();
        let set = SuppressionSet::new(confidence, threat, groups)?.with_clusters(orgs)?;
        self.alphas
            .iter()
            .map(|&alpha| {
                SuppressionParams {
                    alpha,
                    per_group: self.per_detector,
                    clustered: self.org_exchangeable,
                    delta: self.suppress_delta,
                }
                .fit(&set)
            })
            .collect()
    }
}

/// `min(1, cap / n_org)` per row, `n_org` the rows of its organisation (tenant).
fn org_capped_weights(rows: &[Alert], cap: f64) -> Result<Vec<f64>, TriageError> {
    crate::error::require_positive("calibration_org_cap", cap)?;
    let org = |a: &Alert| a.tenant.clone().unwrap_or_default();
    let mut size: BTreeMap<String, f64> = BTreeMap::new();
    for a in rows {
        *size.entry(org(a)).or_default() += 1.0;
    }
    Ok(rows
        .iter()
        .map(|a| {
            let n = size.get(&org(a)).copied().unwrap_or(1.0);
            (cap / n).min(1.0)
        })
        .collect())
}

/// Per-grade weights on the probabilities that maximise macro-F1 of `argmax(w ⊙ p)`: a
/// coarse grid over the TP and BP weights (FP fixed at 1), ties to the smallest change.
fn tune_decision(proba: &Array2<f64>, y: &[usize]) -> [f64; 3] {
    let grid: Vec<f64> = (0..=12).map(|i| 0.5 + 0.25 * f64::from(i)).collect();
    let mut best = (
        [1.0, 1.0, 1.0],
        macro_f1(y, &argmax_weighted(proba, &[1.0; 3]), 3),
    );
    for &a in &grid {
        for &b in &grid {
            let w = [a, b, 1.0];
            let f = macro_f1(y, &argmax_weighted(proba, &w), 3);
            if f > best.1 + 1e-12 {
                best = (w, f);
            }
        }
    }
    best.0
}

/// `argmax_c w_c · p_c` per row (first maximum on ties).
pub fn argmax_weighted(proba: &Array2<f64>, w: &[f64; 3]) -> Vec<usize> {
    proba
        .axis_iter(Axis(0))
        .map(|row| {
            row.iter()
                .zip(w)
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |b, (c, (p, w))| {
                    if p * w > b.1 { (c, p * w) } else { b }
                })
                .0
        })
        .collect()
}

impl TriagePipeline {
    /// The feature extractor.
    pub fn features(&self) -> &GuideFeatures {
        &self.features
    }

    /// The fitted model.
    pub fn model(&self) -> &AnyModel {
        &self.model
    }

    /// The calibrator of the threat probability.
    pub fn calibrator(&self) -> &AnyCalibrator {
        &self.calibrator
    }

    /// The fitted suppressors, one per `alpha` of the parameters.
    pub fn suppressors(&self) -> &[Suppressor] {
        &self.suppressors
    }

    /// Per-grade decision weights (TP, BP, FP) of [`TriagePipeline::predict_grades`].
    pub fn decision_weights(&self) -> [f64; 3] {
        self.decision
    }

    /// Uncalibrated grade probabilities (TP, BP, FP), one row per alert.
    pub fn proba(&self, alerts: &[Alert]) -> Result<Array2<f64>, TriageError> {
        let x = self.features.extract_batch(alerts)?;
        Ok(self.model.predict_proba(x.view())?)
    }

    /// The label-shift adapter, when the pipeline was fitted with one.
    pub fn prior_shift(&self) -> Option<&PriorShift> {
        self.prior_shift.as_ref()
    }

    /// Grade probabilities (TP, BP, FP) adapted to each organisation's prior
    /// ([`TriageParams::prior_shift`]), estimated from `alerts` themselves grouped by
    /// tenant (so pass an organisation's whole batch of alerts together), with the estimated
    /// prior per organisation. Without an adapter, [`TriagePipeline::proba`] and no priors.
    pub fn proba_adapted(&self, alerts: &[Alert]) -> Result<(Array2<f64>, OrgPriors), TriageError> {
        let mut p = self.proba(alerts)?;
        let priors = match &self.prior_shift {
            Some(shift) => {
                let orgs: Vec<&str> = alerts
                    .iter()
                    .map(|a| a.tenant.as_deref().unwrap_or(""))
                    .collect();
                shift.adapt(&mut p, &orgs)
            }
            None => BTreeMap::new(),
        };
        Ok((p, priors))
    }

    /// Calibrated threat probabilities of a batch, adapted to each organisation's prior
    /// first when the pipeline has an adapter (see [`TriagePipeline::proba_adapted`]).
    pub fn confidences_adapted(&self, alerts: &[Alert]) -> Result<Vec<f64>, TriageError> {
        let (p, _) = self.proba_adapted(alerts)?;
        Ok(p.column(0)
            .iter()
            .map(|&v| self.calibrator.calibrate(v))
            .collect())
    }

    /// Calibrated threat probabilities, one per alert.
    pub fn confidences(&self, alerts: &[Alert]) -> Result<Vec<f64>, TriageError> {
        let p = self.proba(alerts)?;
        Ok(p.column(0)
            .iter()
            .map(|&v| self.calibrator.calibrate(v))
            .collect())
    }

    /// Predicted grade index (TP 0, BP 1, FP 2) per alert, with the decision weights.
    pub fn predict_grades(&self, alerts: &[Alert]) -> Result<Vec<usize>, TriageError> {
        Ok(argmax_weighted(&self.proba(alerts)?, &self.decision))
    }

    /// True when the suppressor fitted for `alpha` suppresses an alert of this confidence
    /// (false when no suppressor was fitted for `alpha`).
    pub fn suppressed(&self, confidence: f64, alert: &Alert, alpha: f64) -> bool {
        self.suppressors
            .iter()
            .find(|s| (s.alpha() - alpha).abs() < 1e-12)
            .is_some_and(|s| s.suppress(confidence, alert.detector.as_deref()))
    }

    fn score_row(&self, alert: &Alert, p_threat: f64, row: ndarray::ArrayView1<'_, f64>) -> Score {
        let confidence = self.calibrator.calibrate(p_threat);
        let mut score = Score::new(confidence, self.risk.risk(confidence, alert));
        // TreeSHAP is most of the time a score takes: skip it when no contribution is kept.
        if self.top_k > 0
            && let Some(mut e) = self.model.explain(row)
        {
            e.contributions.truncate(self.top_k);
            score.explanation = e;
        }
        score
    }
}

impl AlertScorer for TriagePipeline {
    fn score(&self, alert: &Alert) -> Result<Score, CoreError> {
        let x = self.features.extract(alert)?;
        let p = self.model.predict_proba(x.view().insert_axis(Axis(0)))?;
        let p0 = p.get([0, 0]).copied().unwrap_or(0.0);
        Ok(self.score_row(alert, p0, x.view()))
    }

    fn score_batch(&self, alerts: &[Alert]) -> Vec<Result<Score, CoreError>> {
        let batch = self
            .features
            .extract_batch(alerts)
            .and_then(|x| self.model.predict_proba(x.view()).map(|p| (x, p)));
        match batch {
            Ok((x, p)) => alerts
                .iter()
                .zip(x.rows())
                .zip(p.column(0))
                .map(|((a, row), &p0)| Ok(self.score_row(a, p0, row)))
                .collect(),
            Err(e) => alerts.iter().map(|_| Err(e.clone())).collect(),
        }
    }
}

//! The triage layer's evaluation on organisations never seen in training (`vigil eval
//! triage`): grouped k-fold or train/test.
//!
//! Each fold fits a whole [`TriagePipeline`] (features, model, calibration, suppression) on
//! the training organisations and scores the held-out ones. Pooled figures are computed
//! over every row's out-of-fold prediction; per-fold figures are kept too. Ranking and
//! calibration figures are `vigil_metrics`' (checked against scikit-learn).

use serde::{Deserialize, Serialize};
use vigil_core::Alert;
use vigil_metrics::{DEFAULT_ECE_BINS, brier, ece, pr_auc, roc_auc};
use vigil_triage::calibrate::{
    CalibrationSet, Calibrator, ReplayRow, SIGMA_GRID, VerdictMemoryParams, alert_key, replay,
    select_shared, select_sigmas,
};
use vigil_triage::cv::{group_folds, macro_f1};
use vigil_triage::pipeline::{CalibrationRows, TriageParams, TriagePipeline, argmax_weighted};
use vigil_triage::suppress::SuppressionReport;

use crate::EvalError;

/// Figures on one set of held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Rows scored.
    pub rows: usize,
    /// Distinct organisations among them.
    pub orgs: usize,
    /// Macro-F1 over TruePositive, BenignPositive, FalsePositive (the pipeline's decision
    /// weights applied).
    pub macro_f1: f64,
    /// Macro-F1 of the plain most-probable grade (no decision weights): the model alone.
    pub macro_f1_argmax: f64,
    /// ECE of the model's uncalibrated threat probability.
    pub ece_uncalibrated: f64,
    /// Ranking, calibration and suppression of the threat probability. PR-AUC and ROC-AUC
    /// are of the model's threat probability after the per-organisation label-shift
    /// adaptation when the pipeline has one, before calibration (isotonic calibration is
    /// monotone but pools scores into ties, which only blurs the ranking); ECE and Brier of
    /// the calibrated one.
    #[serde(flatten)]
    pub threat: ThreatFigures,
}

/// How well one threat probability ranks, is calibrated and suppresses, TruePositive against
/// the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreatFigures {
    /// Average precision.
    pub pr_auc: f64,
    /// ROC-AUC.
    pub roc_auc: f64,
    /// Expected calibration error ([`DEFAULT_ECE_BINS`] = 10 equal-width bins).
    pub ece: f64,
    /// Brier score.
    pub brier: f64,
    /// Realised suppression at each fitted α.
    pub suppression: Vec<SuppressionReport>,
    /// At each fitted α (same order as `suppression`): the miss rate averaged over
    /// organisations, each organisation with TruePositives counting once. This is the
    /// quantity the organisation-exchangeable bound covers
    /// ([`vigil_triage::pipeline::TriageParams::org_exchangeable`]); `suppression`'s `miss_rate`
    /// pools rows, which is what the row-exchangeable bound covers.
    pub org_mean_miss: Vec<f64>,
    /// The ranking's ceiling at each α: the largest share of non-TruePositive rows any
    /// threshold on the score could suppress while missing at most a share α of these rows'
    /// TruePositives, chosen with their grades (an oracle, not deployable: it bounds what any
    /// calibration of this score can reach).
    pub suppression_oracle: Vec<OracleSuppression>,
}

/// The best threshold in hindsight on one set of rows (see
/// [`ThreatFigures::suppression_oracle`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OracleSuppression {
    /// The allowed miss rate.
    pub alpha: f64,
    /// Share of non-TruePositive rows scored strictly below the threshold.
    pub fp_suppressed: f64,
    /// Share of TruePositive rows scored strictly below it (≤ `alpha`).
    pub miss_rate: f64,
}

/// The threshold in hindsight: suppress scores strictly below the `(k+1)`-th smallest
/// TruePositive score, `k = ⌊α · n_TP⌋`, so at most `k` TruePositives fall below it.
///
/// ```
/// # use vigil_eval::triage::oracle_suppression;
/// // Ten threats scored 0.5..0.95, ten others at 0.1 and 0.6.
/// let mut s: Vec<f64> = (0..10).map(|i| 0.5 + 0.05 * f64::from(i)).collect();
/// let mut t = vec![true; 10];
/// s.extend([0.1; 5].iter().chain(&[0.6; 5]));
/// t.extend([false; 10]);
/// let o = oracle_suppression(&s, &t, 0.1); // one threat may go: threshold 0.55
/// assert_eq!((o.miss_rate, o.fp_suppressed), (0.1, 0.5));
/// ```
pub fn oracle_suppression(scores: &[f64], threat: &[bool], alpha: f64) -> OracleSuppression {
    let mut tp: Vec<f64> = scores
        .iter()
        .zip(threat)
        .filter(|(_, t)| **t)
        .map(|(s, _)| *s)
        .collect();
    tp.sort_by(f64::total_cmp);
    let k = (alpha * tp.len() as f64 + 1e-9).floor() as usize;
    let thr = tp.get(k).copied().unwrap_or(f64::INFINITY);
    let (mut n_t, mut s_t, mut n_o, mut s_o) = (0usize, 0usize, 0usize, 0usize);
    for (&s, &t) in scores.iter().zip(threat) {
        let below = usize::from(s < thr);
        if t {
            n_t += 1;
            s_t += below;
        } else {
            n_o += 1;
            s_o += below;
        }
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    OracleSuppression {
        alpha,
        fp_suppressed: share(s_o, n_o),
        miss_rate: share(s_t, n_t),
    }
}

/// A whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// `grouped_kfold` or `train_test`.
    pub protocol: String,
    /// Model kind.
    pub model: String,
    /// Pooled figures over all held-out rows.
    pub pooled: Figures,
    /// Per fold (one entry for train/test).
    pub folds: Vec<Figures>,
    /// Features by mean normalised importance over folds, largest first.
    pub top_features: Vec<(String, f64)>,
    /// Organisations present in both training and test (always 0 for grouped k-fold).
    pub shared_orgs: usize,
    /// Cross-fitting folds of the pipeline (`None`: a held-out calibration split).
    pub cross_fit: Option<usize>,
    /// Pseudo-alerts of the per-organisation label-shift adaptation (`None`: none).
    pub prior_shift: Option<f64>,
    /// The same held-out rows replayed with analyst feedback (`None`: not asked for).
    pub feedback: Option<FeedbackFigures>,
}

/// Held-out figures when analysts' verdicts feed back
/// ([`vigil_triage::calibrate::VerdictMemory`]): each held-out organisation's alerts are
/// replayed in time order and each is scored knowing the grades of that organisation's
/// alerts raised more than `lag_secs` before it, and nothing else about the organisation.
/// The memory's prior widths are chosen on each fold's calibration organisations (empirical
/// Bayes), and the suppressors are refitted there on the replayed confidences, so both the
/// calibration and the conformal bound are fitted without the held-out grades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackFigures {
    /// How long a grade takes to arrive, seconds.
    pub lag_secs: i64,
    /// Share of held-out rows whose confidence their organisation's earlier grades changed.
    pub rows_with_history: f64,
    /// `(sigma_org, sigma_key)` chosen per fold.
    pub sigmas: Vec<(f64, f64)>,
    /// The shared (cross-organisation) width chosen per fold, when sharing was asked for
    /// (0: the fold's calibration rows preferred none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sigma_shared: Vec<f64>,
    /// The threat probability after feedback (ranking, calibration, suppression by the
    /// suppressors fitted on replayed confidences).
    #[serde(flatten)]
    pub threat: ThreatFigures,
}

/// Held-out predictions of one fold.
struct Held {
    truth: Vec<usize>,
    pred: Vec<usize>,
    pred_argmax: Vec<usize>,
    raw: Vec<f64>,
    conf: Vec<f64>,
    sup: Vec<Vec<bool>>,
    orgs: Vec<String>,
}

impl Held {
    fn new() -> Self {
        Self {
            truth: Vec::new(),
            pred: Vec::new(),
            pred_argmax: Vec::new(),
            raw: Vec::new(),
            conf: Vec::new(),
            sup: Vec::new(),
            orgs: Vec::new(),
        }
    }

    fn extend(&mut self, o: Held) {
        self.truth.extend(o.truth);
        self.pred.extend(o.pred);
        self.pred_argmax.extend(o.pred_argmax);
        self.raw.extend(o.raw);
        self.conf.extend(o.conf);
        if self.sup.len() < o.sup.len() {
            self.sup.resize(o.sup.len(), Vec::new());
        }
        for (a, b) in self.sup.iter_mut().zip(o.sup) {
            a.extend(b);
        }
        self.orgs.extend(o.orgs);
    }

    fn figures(&self, alphas: &[f64]) -> Figures {
        let threat: Vec<bool> = self.truth.iter().map(|&c| c == 0).collect();
        let mut orgs = self.orgs.clone();
        orgs.sort_unstable();
        orgs.dedup();
        let suppression = alphas
            .iter()
            .zip(&self.sup)
            .map(|(&alpha, sup)| {
                let (mut tp, mut tps, mut o, mut os) = (0usize, 0usize, 0usize, 0usize);
                for (&t, &s) in threat.iter().zip(sup) {
                    if t {
                        tp += 1;
                        tps += usize::from(s);
                    } else {
                        o += 1;
                        os += usize::from(s);
                    }
                }
                let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
                SuppressionReport {
                    alpha,
                    miss_rate: share(tps, tp),
                    fp_suppressed: share(os, o),
                    suppressed: share(tps + os, tp + o),
                }
            })
            .collect();
        let org_mean_miss = self
            .sup
            .iter()
            .map(|sup| {
                let mut per: std::collections::BTreeMap<&str, (f64, f64)> = Default::default();
                for ((&t, &s), o) in threat.iter().zip(sup).zip(&self.orgs) {
                    if t {
                        let e = per.entry(o.as_str()).or_default();
                        e.0 += f64::from(u8::from(s));
                        e.1 += 1.0;
                    }
                }
                if per.is_empty() {
                    0.0
                } else {
                    per.values().map(|(s, n)| s / n).sum::<f64>() / per.len() as f64
                }
            })
            .collect();
        Figures {
            rows: self.truth.len(),
            orgs: orgs.len(),
            macro_f1: macro_f1(&self.truth, &self.pred, 3),
            macro_f1_argmax: macro_f1(&self.truth, &self.pred_argmax, 3),
            ece_uncalibrated: ece(&unit(&self.raw), &threat, DEFAULT_ECE_BINS).unwrap_or(0.0),
            threat: ThreatFigures {
                // A fold without both grades has no ranking: 0 and 0.5, as chance would score.
                pr_auc: pr_auc(&self.raw, &threat).unwrap_or(0.0),
                roc_auc: roc_auc(&self.raw, &threat).unwrap_or(0.5),
                ece: ece(&unit(&self.conf), &threat, DEFAULT_ECE_BINS).unwrap_or(0.0),
                brier: brier(&unit(&self.conf), &threat).unwrap_or(0.0),
                suppression,
                org_mean_miss,
                suppression_oracle: alphas
                    .iter()
                    .map(|&a| oracle_suppression(&self.raw, &threat, a))
                    .collect(),
            },
        }
    }
}

/// Probabilities clamped into `[0, 1]` (a sum of leaf values can stray by an ulp).
fn unit(p: &[f64]) -> Vec<f64> {
    p.iter().map(|v| v.clamp(0.0, 1.0)).collect()
}

/// The graded alerts, or [`EvalError::InsufficientData`] when there are none: metrics of an
/// empty set (ROC-AUC 0.5, ECE 0) would read as results.
fn graded(alerts: &[Alert], what: &'static str) -> Result<Vec<Alert>, EvalError> {
    let v: Vec<Alert> = alerts
        .iter()
        .filter(|a| a.verdict.is_some())
        .cloned()
        .collect();
    if v.is_empty() {
        return Err(EvalError::InsufficientData {
            what,
            needed: 1,
            found: 0,
            unit: "graded alerts (TruePositive, BenignPositive or FalsePositive)",
        });
    }
    Ok(v)
}

fn held_out(p: &TriagePipeline, test: &[Alert]) -> Result<Held, EvalError> {
    let (proba, _) = p.proba_adapted(test)?;
    let raw: Vec<f64> = proba.column(0).to_vec();
    let conf = p.calibrator().calibrate_all(&raw);
    let pred = argmax_weighted(&proba, &p.decision_weights());
    let sup = p
        .suppressors()
        .iter()
        .map(|s| {
            conf.iter()
                .zip(test)
                .map(|(&c, a)| s.suppress(c, a.detector.as_deref()))
                .collect()
        })
        .collect();
    Ok(Held {
        truth: test
            .iter()
            .filter_map(|a| a.verdict.map(|v| v.index()))
            .collect(),
        pred,
        pred_argmax: argmax_weighted(&proba, &[1.0; 3]),
        raw,
        conf,
        sup,
        orgs: test
            .iter()
            .map(|a| a.tenant.clone().unwrap_or_default())
            .collect(),
    })
}

/// The replay rows of graded `alerts` with their (cold) confidences.
fn replay_rows<'a>(alerts: &'a [Alert], confidence: &[f64]) -> Vec<ReplayRow<'a>> {
    alerts
        .iter()
        .filter(|a| a.verdict.is_some())
        .zip(confidence)
        .map(|(a, &c)| ReplayRow {
            org: a.tenant.as_deref().unwrap_or(""),
            key: alert_key(a),
            time: a.time.timestamp(),
            confidence: c,
            threat: a.verdict.is_some_and(|v| v.index() == 0),
        })
        .collect()
}

/// `(sigma_org, sigma_key, sigma_shared)` of the verdict memory chosen for one fold.
type Widths = (f64, f64, f64);

/// How `vigil eval triage` replays the held-out organisations with analyst feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReplay {
    /// How long a grade takes to arrive, seconds (negative is read as 0).
    pub lag_secs: i64,
    /// Whether other organisations' verdicts may move an organisation's confidences (the
    /// memory's shared offset, its width chosen on the calibration rows, 0 allowed).
    pub shared: bool,
}

impl FeedbackReplay {
    /// Feedback after `lag_secs`, each organisation's own verdicts only.
    pub fn lag(lag_secs: i64) -> Self {
        Self {
            lag_secs,
            shared: false,
        }
    }
}

/// One fold's feedback replay: widths and suppressors fitted on the rows the pipeline was
/// calibrated on (`cal`: the calibration organisations, or every training organisation
/// out of fold when cross-fitting), then the held-out `test` replayed. Returns the replayed
/// held-out predictions (grades as cold), the chosen widths and how many rows had history.
fn held_out_feedback(
    params: &TriageParams,
    cal: &CalibrationRows,
    test: &[Alert],
    cold: &Held,
    feedback: FeedbackReplay,
) -> Result<(Held, Widths, usize), EvalError> {
    let lag = feedback.lag_secs;
    let raw: Vec<f64> = cal.proba.column(0).to_vec();
    let cal_conf = cross_fitted_confidences(params, &raw, &cal.alerts)?;
    let cal = &cal.alerts;
    let cal_rows = replay_rows(cal, &cal_conf);
    let (mut memory, _) =
        select_sigmas(VerdictMemoryParams::default(), &cal_rows, lag, &SIGMA_GRID)?;
    if feedback.shared {
        memory = select_shared(memory, &cal_rows, lag, &SIGMA_GRID)?.0;
    }
    // Not recalibrated after the replay: an isotonic map fitted on the calibration
    // organisations' replay was measured to worsen ECE and suppression on held-out ones.
    let suppressors = params.fit_suppressors(replay(memory, &cal_rows, lag), cal)?;
    let rows = replay_rows(test, &cold.conf);
    let warm = replay(memory, &rows, lag);
    let with_history = warm
        .iter()
        .zip(&rows)
        .filter(|(w, r)| w.to_bits() != r.confidence.clamp(0.0, 1.0).to_bits())
        .count();
    let sup = suppressors
        .iter()
        .map(|s| {
            warm.iter()
                .zip(test.iter().filter(|a| a.verdict.is_some()))
                .map(|(&c, a)| s.suppress(c, a.detector.as_deref()))
                .collect()
        })
        .collect();
    let m = memory.params();
    Ok((
        Held {
            truth: cold.truth.clone(),
            pred: cold.pred.clone(),
            pred_argmax: cold.pred_argmax.clone(),
            raw: warm.clone(),
            conf: warm,
            sup,
            orgs: cold.orgs.clone(),
        },
        (m.sigma_org, m.sigma_key, m.sigma_shared),
        with_history,
    ))
}

/// The calibration rows' threat probabilities as a held-out organisation's are made: the
/// pipeline's calibrator was fitted on these very rows (`raw`, the model's out-of-sample
/// threat probabilities of `cal`), so instead each organisation's rows are calibrated by a
/// calibrator fitted on the other calibration organisations (5 folds). In-sample values
/// would look more separable than held-out ones and set the memory's widths and the
/// suppression thresholds too boldly.
fn cross_fitted_confidences(
    params: &TriageParams,
    raw: &[f64],
    cal: &[Alert],
) -> Result<Vec<f64>, EvalError> {
    let threat: Vec<bool> = cal
        .iter()
        .map(|a| a.verdict.is_some_and(|v| v.index() == 0))
        .collect();
    let orgs: Vec<&str> = cal
        .iter()
        .map(|a| a.tenant.as_deref().unwrap_or(""))
        .collect();
    let k = 5;
    let fold = group_folds(&orgs, k, params.seed ^ 0xfeed_bac4);
    let mut out = vec![0.0; raw.len()];
    for f in 0..k {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for ((&r, &t), &g) in raw.iter().zip(&threat).zip(&fold) {
            if g != f {
                x.push(r);
                y.push(t);
            }
        }
        if x.len() == raw.len() {
            continue;
        }
        let calibrator = params.calibration.fit(&CalibrationSet::new(x, y)?)?;
        for ((o, &r), &g) in out.iter_mut().zip(raw).zip(&fold) {
            if g == f {
                *o = calibrator.calibrate(r);
            }
        }
    }
    Ok(out)
}

fn feedback_figures(
    held: &Held,
    alphas: &[f64],
    feedback: FeedbackReplay,
    sigmas: &[Widths],
    with_history: usize,
) -> FeedbackFigures {
    let f = held.figures(alphas);
    FeedbackFigures {
        lag_secs: feedback.lag_secs,
        rows_with_history: if f.rows == 0 {
            0.0
        } else {
            with_history as f64 / f.rows as f64
        },
        sigmas: sigmas.iter().map(|&(o, k, _)| (o, k)).collect(),
        sigma_shared: if feedback.shared {
            sigmas.iter().map(|s| s.2).collect()
        } else {
            Vec::new()
        },
        threat: f.threat,
    }
}

fn top_features(names: &[String], sums: &[f64], n: usize) -> Vec<(String, f64)> {
    let total: f64 = sums.iter().sum();
    let mut v: Vec<(String, f64)> = names
        .iter()
        .zip(sums)
        .map(|(n, s)| (n.clone(), if total > 0.0 { s / total } else { 0.0 }))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

fn model_name(p: &TriageParams) -> String {
    format!("{:?}", p.model.kind).to_lowercase()
}

/// Grouped k-fold by organisation: no organisation is on both sides of any fold.
pub fn cross_validate(
    alerts: &[Alert],
    params: &TriageParams,
    folds: usize,
    seed: u64,
    feedback: Option<FeedbackReplay>,
) -> Result<EvalReport, EvalError> {
    if folds < 2 {
        return Err(EvalError::InvalidParameter {
            name: "folds",
            reason: format!("need at least 2, got {folds}"),
        });
    }
    let alerts = graded(alerts, "the cross-validated data")?;
    let orgs: Vec<&str> = alerts
        .iter()
        .map(|a| a.tenant.as_deref().unwrap_or(""))
        .collect();
    // Every fold must hold out at least one organisation, or it tests nothing.
    let mut distinct = orgs.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < folds {
        return Err(EvalError::InsufficientData {
            what: "grouped cross-validation (one organisation or more per fold)",
            needed: folds,
            found: distinct.len(),
            unit: "organisations",
        });
    }
    let fold_of = group_folds(&orgs, folds, seed);
    let mut all = Held::new();
    let mut warm_all = Held::new();
    let (mut sigmas, mut with_history) = (Vec::new(), 0usize);
    let mut per_fold = Vec::new();
    let mut imp_sum: Vec<f64> = Vec::new();
    let mut names = Vec::new();
    for k in 0..folds {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (a, f) in alerts.iter().zip(&fold_of) {
            if *f == k {
                test.push(a.clone());
            } else {
                train.push(a.clone());
            }
        }
        if test.is_empty() {
            continue;
        }
        let (pipeline, cal) = params.fit_with_calibration_rows(&train)?;
        let imp = pipeline.model().importance();
        if imp_sum.is_empty() {
            imp_sum = vec![0.0; imp.len()];
            names = vigil_core::Scorer::schema(pipeline.model())
                .names()
                .to_vec();
        }
        imp_sum.iter_mut().zip(&imp).for_each(|(s, v)| *s += v);
        let held = held_out(&pipeline, &test)?;
        if let Some(fb) = feedback {
            let (warm, s, n) = held_out_feedback(params, &cal, &test, &held, fb)?;
            warm_all.extend(warm);
            sigmas.push(s);
            with_history += n;
        }
        per_fold.push(held.figures(&params.alphas));
        all.extend(held);
    }
    Ok(EvalReport {
        protocol: "grouped_kfold".into(),
        model: model_name(params),
        pooled: all.figures(&params.alphas),
        folds: per_fold,
        top_features: top_features(&names, &imp_sum, 15),
        shared_orgs: 0,
        cross_fit: params.cross_fit,
        prior_shift: params.prior_shift.map(|p| p.strength),
        feedback: feedback
            .map(|fb| feedback_figures(&warm_all, &params.alphas, fb, &sigmas, with_history)),
    })
}

/// Fits on `train`, evaluates on `test`.
pub fn train_test(
    train: &[Alert],
    test: &[Alert],
    params: &TriageParams,
    feedback: Option<FeedbackReplay>,
) -> Result<EvalReport, EvalError> {
    let (train, test) = (
        graded(train, "the training data")?,
        graded(test, "the test data")?,
    );
    let (pipeline, cal) = params.fit_with_calibration_rows(&train)?;
    let held = held_out(&pipeline, &test)?;
    let feedback = match feedback {
        Some(fb) => {
            let (warm, s, n) = held_out_feedback(params, &cal, &test, &held, fb)?;
            Some(feedback_figures(&warm, &params.alphas, fb, &[s], n))
        }
        None => None,
    };
    let mut tr: Vec<&str> = train.iter().filter_map(|a| a.tenant.as_deref()).collect();
    tr.sort_unstable();
    tr.dedup();
    let mut te: Vec<&str> = test.iter().filter_map(|a| a.tenant.as_deref()).collect();
    te.sort_unstable();
    te.dedup();
    let shared = te.iter().filter(|o| tr.binary_search(o).is_ok()).count();
    let names = vigil_core::Scorer::schema(pipeline.model())
        .names()
        .to_vec();
    let figures = held.figures(&params.alphas);
    Ok(EvalReport {
        protocol: "train_test".into(),
        model: model_name(params),
        pooled: figures.clone(),
        folds: vec![figures],
        top_features: top_features(&names, &pipeline.model().importance(), 15),
        shared_orgs: shared,
        cross_fit: params.cross_fit,
        prior_shift: params.prior_shift.map(|p| p.strength),
        feedback,
    })
}

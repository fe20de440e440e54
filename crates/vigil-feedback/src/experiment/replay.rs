//! The replay of test streams with simulated analysts.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ndarray::{Array1, Axis};
use serde::{Deserialize, Serialize};
use vigil_core::{Fit, LabeledData, Scorer, SeededMap, SplitMix64, Verdict, VerdictEvent};

use super::Stream;
use super::base::{Calibration, build_base, calibrate_threshold};
use super::figures::{AuditFigures, CurvePoint, Figures, NetworkReport, Report, figures, pool};
use super::stream::is_attack;
use crate::FeedbackError;
use crate::active::{ActiveParams, select};
use crate::drift::{Adwin, ChangeDetector, PrecisionTracker, Psi, psi_columns};
use crate::labels::{AnalystLedger, LedgerParams, resolve};
use crate::oversight::{
    AuditLog, AuditSampler, AutonomyParams, AutonomyPolicy, MemoryAuditLog, QualityTracker,
};
use crate::retrain::{PolicyState, RetrainPolicy, Retrainer, TrainerParams, threat_probs};
use crate::store::{MemoryStore, VerdictStore};

/// Parameters of the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentParams {
    /// Verdicts that may be given per test stream (second opinions included).
    pub budget: usize,
    /// Probability that a simulated verdict is wrong.
    pub noise: f64,
    /// Seed of sampling, analysts and noise.
    pub seed: u64,
    /// Simulated analysts (questions go round-robin).
    pub analysts: usize,
    /// Share of questions also put to a second analyst (feeds the agreement ledger).
    pub double_review: f64,
    /// Replay step length in seconds.
    pub step_secs: i64,
    /// Most questions per step.
    pub per_step: usize,
    /// Share of each step's questions spent auditing suppressed alerts.
    pub audit_share: f64,
    /// Target mean phase-averaged miss rate on held-out training streams when choosing the
    /// threshold (default 0.005, a tenth of a 0.05 goal: the next network differs from the
    /// held-out ones, so most of the goal is kept as margin).
    pub calib_miss: f64,
    /// Base rows kept per (stream, detector, class).
    pub per_stratum: usize,
    /// Per-step false-alarm probability of the ADWIN drift detector on the error stream.
    pub drift_delta: f64,
    /// When to retrain.
    pub policy: RetrainPolicy,
    /// How challengers are trained and judged.
    pub trainer: TrainerParams,
    /// When detectors earn autonomy.
    pub autonomy: AutonomyParams,
    /// Suppress only alerts of detectors holding autonomy (false: the model's threshold
    /// alone decides; autonomy is still tracked and logged).
    pub gate_by_autonomy: bool,
    /// Test-time share of the training weight carried by verdicts (default 0.1: with half
    /// the weight on a few dozen verdicts, a challenger could forget a rare attack phase of
    /// the base set that held-back verdicts never show; measured on AIT-ADS).
    pub verdict_share: f64,
}

impl Default for ExperimentParams {
    fn default() -> Self {
        Self {
            budget: 200,
            noise: 0.05,
            seed: 7,
            analysts: 3,
            double_review: 0.1,
            step_secs: 3600,
            per_step: 8,
            audit_share: 0.25,
            calib_miss: 0.005,
            per_stratum: 300,
            drift_delta: 0.002,
            policy: RetrainPolicy {
                every_verdicts: Some(25),
                ..RetrainPolicy::default()
            },
            trainer: TrainerParams::default(),
            autonomy: AutonomyParams::default(),
            gate_by_autonomy: true,
            verdict_share: 0.1,
        }
    }
}

impl ExperimentParams {
    /// Checks the ranges.
    pub fn check(self) -> Result<Self, FeedbackError> {
        let unit = |name, v: f64| {
            FeedbackError::require((0.0..=1.0).contains(&v), name, "a value in [0, 1]", v)
        };
        unit("noise", self.noise)?;
        unit("double_review", self.double_review)?;
        unit("audit_share", self.audit_share)?;
        unit("calib_miss", self.calib_miss)?;
        FeedbackError::require(self.analysts >= 1, "analysts", "at least 1", self.analysts)?;
        FeedbackError::require(
            self.step_secs > 0,
            "step_secs",
            "a positive step",
            self.step_secs,
        )?;
        let trainer = TrainerParams {
            verdict_share: self.verdict_share,
            ..self.trainer
        }
        .check()?;
        Ok(Self { trainer, ..self })
    }
}

/// Runs the study: base model and threshold from `train`, then each of `test` replayed
/// with feedback. Each test stream starts again from the base model.
pub fn run<P>(
    params: &P,
    train: &[Stream],
    test: &[Stream],
    cfg: &ExperimentParams,
) -> Result<Report, FeedbackError>
where
    P: Fit<LabeledData> + Clone,
    P::Fitted: Scorer,
    P::Error: std::fmt::Display,
{
    let cfg = cfg.clone().check()?;
    let base = build_base(train, cfg.per_stratum, cfg.seed)?;
    let calibration = calibrate_threshold(params, &base, train, cfg.calib_miss)?;
    let threshold = calibration.threshold;
    let model = params.fit(&base.data).map_err(|e| FeedbackError::Fit {
        what: "base",
        reason: e.to_string(),
    })?;
    let model = Arc::new(model);
    let mut networks = Vec::new();
    let mut curve = Vec::new();
    for s in test {
        // Per-network seed from the name, so a network gets the same draws whichever
        // position it has in `test`, and different networks get different draws.
        let name_hash = s.name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let seed = cfg.seed ^ name_hash;
        let (report, points) = replay_one(params, &base.data, &model, s, &calibration, &cfg, seed)?;
        networks.push(report);
        curve.extend(points);
    }
    let per_network: Vec<Figures> = networks.iter().map(|n| n.figures.clone()).collect();
    let final_figures = pool(&per_network);
    Ok(Report {
        curve,
        promotions: networks.iter().map(|n| n.promotions).sum(),
        rejections: networks.iter().map(|n| n.rejections).sum(),
        final_figures,
        threshold,
        networks,
    })
}

type ReplayOut = (NetworkReport, Vec<CurvePoint>);

fn top5(mut v: Vec<Psi>) -> Vec<Psi> {
    v.truncate(5);
    v
}

/// A simulated analyst's verdict: the truth, wrong with probability `noise`.
fn simulated_verdict(attack: bool, noise: f64, rng: &mut SplitMix64) -> Verdict {
    let says_attack = if rng.next_f64() < noise {
        !attack
    } else {
        attack
    };
    if says_attack {
        Verdict::TruePositive
    } else {
        Verdict::FalsePositive
    }
}

fn curve_point<S: Scorer + ?Sized>(
    model: &S,
    s: &Stream,
    threshold: f64,
    may_suppress: &dyn Fn(&str) -> bool,
    verdicts: usize,
    version: u64,
) -> Result<CurvePoint, FeedbackError> {
    let p = threat_probs(model, s.features.view())?;
    let labels: Vec<bool> = s.alerts.iter().map(is_attack).collect();
    let pr_auc = vigil_metrics::pr_auc(&p, &labels).unwrap_or(f64::NAN);
    let sup: Vec<bool> = p
        .iter()
        .zip(&s.alerts)
        .map(|(x, a)| *x < threshold && may_suppress(a.detector.as_deref().unwrap_or("")))
        .collect();
    let (f, _) = figures(&[(s, &sup, &sup)], verdicts);
    Ok(CurvePoint {
        network: s.name.clone(),
        verdicts,
        version,
        pr_auc,
        fp_suppressed: f.fp_suppressed,
        miss_rate: f.miss_rate,
    })
}

#[allow(clippy::too_many_lines)]
fn replay_one<P>(
    params: &P,
    base: &LabeledData,
    model: &Arc<P::Fitted>,
    s: &Stream,
    calibration: &Calibration,
    cfg: &ExperimentParams,
    seed: u64,
) -> Result<ReplayOut, FeedbackError>
where
    P: Fit<LabeledData> + Clone,
    P::Fitted: Scorer,
    P::Error: std::fmt::Display,
{
    let n = s.len();
    let t0 = s
        .alerts
        .first()
        .map_or(DateTime::<Utc>::UNIX_EPOCH, |a| a.time);
    let mut retrainer = Retrainer::with_champion(
        params.clone(),
        base.clone(),
        Arc::clone(model),
        cfg.trainer.clone(),
        t0,
    )?;
    let mut store = MemoryStore::new();
    let mut rng = SplitMix64::new(seed);
    let mut auditor = AuditSampler::new(0.0, rng.next_u64());
    let mut adwin = Adwin::new(cfg.drift_delta)?;
    let threshold = calibration.threshold;
    let mut autonomy = AutonomyPolicy::new(cfg.autonomy.clone(), MemoryAuditLog::default());
    if cfg.gate_by_autonomy {
        // Pre-deployment audit: what the threshold suppressed on held-out training networks.
        for (det, tally) in &calibration.audits {
            autonomy.import_audits(det, *tally);
            autonomy.review(det, t0)?;
        }
    }
    let mut quality = QualityTracker::default();
    let mut suppressed = vec![false; n];
    let mut missed = vec![false; n];
    let mut asked = vec![false; n];
    let mut row_of: SeededMap<&str, usize> = SeededMap::default();
    for (i, a) in s.alerts.iter().enumerate() {
        row_of.insert(a.id.as_str(), i);
    }
    let mut used = 0usize;
    let mut since_train = 0u64;
    let mut drift_pending = false;
    let mut last_trained: Option<DateTime<Utc>> = None;
    let mut retrainings = Vec::new();
    let gate =
        |a: &AutonomyPolicy<MemoryAuditLog>, d: &str| !cfg.gate_by_autonomy || a.may_suppress(d);
    let mut curve = vec![curve_point(
        retrainer.champion(),
        s,
        threshold,
        &|d| gate(&autonomy, d),
        0,
        retrainer.registry().champion().id,
    )?];
    let active = ActiveParams {
        boundary: threshold.clamp(1e-4, 0.5),
        ..ActiveParams::default()
    };
    let mut ask_counter = 0usize;

    let mut start = 0usize;
    while start < n {
        // One step: alerts until step_secs after the first one of the step.
        let step_t0 = s.alerts.get(start).map_or(t0, |a| a.time);
        let end = start
            + s.alerts[start..]
                .iter()
                .position(|a| (a.time - step_t0).num_seconds() >= cfg.step_secs)
                .unwrap_or(n - start);
        let rows = s.features.slice(ndarray::s![start..end, ..]);
        let p = threat_probs(retrainer.champion(), rows)?;
        for (j, pj) in p.iter().enumerate() {
            let i = start + j;
            let Some(a) = s.alerts.get(i) else { continue };
            let det = a.detector.as_deref().unwrap_or("");
            let sup = *pj < threshold && gate(&autonomy, det);
            if let Some(x) = suppressed.get_mut(i) {
                *x = sup;
            }
            if let Some(x) = missed.get_mut(i) {
                *x = sup;
            }
            quality.record(det, *pj, sup, is_attack(a));
        }

        // Questions for this step: audits of suppressed alerts, then active learning.
        let q = cfg.per_step.min(cfg.budget - used);
        let mut picks: Vec<(usize, bool)> = Vec::new(); // (row, is_audit)
        if q > 0 {
            let sup_rows: Vec<usize> = (start..end)
                .filter(|i| suppressed.get(*i).copied().unwrap_or(false))
                .collect();
            let qa = ((q as f64 * cfg.audit_share).round() as usize).min(sup_rows.len());
            for k in auditor.sample(sup_rows.len(), qa) {
                if let Some(&i) = sup_rows.get(k) {
                    picks.push((i, true));
                }
            }
            let cand: Vec<usize> = (start..end)
                .filter(|i| !picks.iter().any(|(r, _)| r == i))
                .collect();
            let cp: Vec<f64> = cand
                .iter()
                .filter_map(|i| p.get(i - start).copied())
                .collect();
            let groups: Vec<&str> = cand
                .iter()
                .filter_map(|i| s.alerts.get(*i))
                .map(|a| a.detector.as_deref().unwrap_or(""))
                .collect();
            let cx = s.features.select(Axis(0), &cand);
            for k in select(&cp, &groups, cx.view(), q - picks.len(), &active)? {
                if let Some(&i) = cand.get(k) {
                    picks.push((i, false));
                }
            }
        }
        let step_time = s.alerts.get(end.saturating_sub(1)).map_or(t0, |a| a.time);
        for (i, audit) in picks {
            let Some(a) = s.alerts.get(i) else { continue };
            if used >= cfg.budget {
                break;
            }
            let attack = is_attack(a);
            let mut reviewers = vec![ask_counter % cfg.analysts];
            if cfg.analysts > 1 && used + 2 <= cfg.budget && rng.next_f64() < cfg.double_review {
                reviewers.push((ask_counter + 1) % cfg.analysts);
            }
            // An audit that finds a "miss" is escalated to a second analyst before it counts
            // (a suspected miss costs a second verdict, a clean audit does not).
            let audit_escalation = audit && cfg.analysts > 1 && reviewers.len() == 1;
            ask_counter += 1;
            if let Some(x) = asked.get_mut(i) {
                *x = true;
            }
            if let Some(x) = missed.get_mut(i) {
                *x = false; // an analyst saw it
            }
            let pi = p.get(i - start).copied().unwrap_or(0.5);
            let mut first_says_attack = attack;
            let mut all_say_attack = true;
            let mut r = 0;
            while let Some(&who) = reviewers.get(r) {
                let verdict = simulated_verdict(attack, cfg.noise, &mut rng);
                if r == 0 {
                    first_says_attack = verdict.is_threat();
                    if audit_escalation && first_says_attack && used + 1 < cfg.budget {
                        reviewers.push((who + 1) % cfg.analysts);
                    }
                }
                all_say_attack &= verdict.is_threat();
                r += 1;
                store.append(&VerdictEvent {
                    alert_id: a.id.clone(),
                    verdict,
                    analyst: format!("analyst-{who}"),
                    at: a.time,
                    detector: a.detector.clone(),
                    reason: Some(if audit { "audit" } else { "active" }.into()),
                })?;
                // The budget counts verdicts, second opinions included.
                used += 1;
            }
            since_train += 1;
            let det = a.detector.as_deref().unwrap_or("");
            if audit {
                autonomy.record_audit(det, all_say_attack);
                autonomy.review(det, a.time)?;
            }
            // The error stream: did the model's decision disagree with the verdict?
            let err = (pi >= threshold) != first_says_attack;
            if adwin.update(f64::from(u8::from(err))) {
                drift_pending = true;
                autonomy.on_drift(None, a.time, "ADWIN fired on the decision-error stream")?;
            }
        }

        let state = PolicyState {
            new_verdicts: since_train,
            drift: drift_pending,
            last_trained,
            now: step_time,
        };
        if let Some(reason) = cfg.policy.decide(&state) {
            let verdicts = store.scan(0)?;
            let mut ledger = AnalystLedger::new(LedgerParams::default())?;
            ledger.observe_verdicts(&verdicts);
            let labels = resolve(&verdicts, &ledger);
            let lookup = |id: &str| -> Option<Array1<f64>> {
                row_of.get(id).map(|&i| s.features.row(i).to_owned())
            };
            let outcome = retrainer.retrain(&labels, &lookup, step_time, reason)?;
            retrainings.push(outcome);
            since_train = 0;
            drift_pending = false;
            last_trained = Some(step_time);
            curve.push(curve_point(
                retrainer.champion(),
                s,
                threshold,
                &|d| gate(&autonomy, d),
                used,
                retrainer.registry().champion().id,
            )?);
        }
        start = end.max(start + 1);
    }

    let verdicts = store.scan(0)?;
    let mut ledger = AnalystLedger::new(LedgerParams::default())?;
    ledger.observe_verdicts(&verdicts);
    let (fig, phases) = figures(&[(s, &missed, &suppressed)], used);
    // One audit per alert; a miss when every verdict on it (the escalation included)
    // says threat.
    let tally = {
        let mut per_alert: std::collections::BTreeMap<&str, bool> = Default::default();
        for v in verdicts
            .iter()
            .filter(|v| v.event.reason.as_deref() == Some("audit"))
        {
            *per_alert.entry(v.event.alert_id.as_str()).or_insert(true) &=
                v.event.verdict.is_threat();
        }
        let mut t = crate::oversight::AuditTally::default();
        per_alert.values().for_each(|m| t.record(*m));
        t
    };
    let audit = AuditFigures {
        audited: tally.audited,
        misses: tally.misses,
        clopper_pearson: (tally.audited > 0).then(|| tally.clopper_pearson(0.95)),
        wilson: (tally.audited > 0).then(|| tally.wilson(0.95)),
    };
    let promotions = retrainings.iter().filter(|r| r.promoted).count();
    let report = NetworkReport {
        network: s.name.clone(),
        alerts: n,
        figures: fig,
        phases,
        promotions,
        rejections: retrainings.len() - promotions,
        retrainings,
        drift_alarms: adwin.detections(),
        audit,
        autonomy: autonomy.log().events()?,
        analysts: ledger.standings(),
        detectors: quality.report(),
        detector_precision: {
            let mut t = PrecisionTracker::new(86_400);
            let mut seen: SeededMap<&str, ()> = SeededMap::default();
            for v in &verdicts {
                if seen.insert(v.event.alert_id.as_str(), ()).is_none() {
                    let d = v.event.detector.as_deref().unwrap_or("");
                    t.record(d, v.event.at, v.event.verdict.is_threat());
                }
            }
            t.all()
        },
        psi_vs_training: top5(psi_columns(
            s.schema.names(),
            base.features.view(),
            s.features.view(),
        )),
        psi_over_time: {
            let q = n / 4;
            top5(psi_columns(
                s.schema.names(),
                s.features.slice(ndarray::s![..q, ..]),
                s.features.slice(ndarray::s![q.., ..]),
            ))
        },
    };
    Ok((report, curve))
}

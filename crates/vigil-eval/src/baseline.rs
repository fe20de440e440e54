//! Evaluation protocols of the baselining layer behind `vigil eval baseline`: data in,
//! figures out, with the project's one set of checked metrics (`vigil_metrics`).
//!
//! - [`evaluate_vectors`]: Half-Space Trees on a train/test split of numeric vectors
//!   (NSL-KDD), unsupervised; labels only score it.
//! - [`evaluate_host_streams`]: per-host profiles on alert streams (AIT-ADS), each attack
//!   step's alerts ranked against the same host's benign alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil_baseline::{EntityBaselines, HstParams, ProfileParams};
use vigil_core::cpu::Stopwatch;
use vigil_core::{EntityKind, Fit, Observation, ParamGuard};
use vigil_metrics::{pr_auc, roc_auc};

use crate::EvalError;

/// Figures of the multivariate detector on a train/test split.
#[derive(Debug, Clone, Serialize)]
pub struct VectorEval {
    /// Mean ROC-AUC over seeds (attack = positive).
    pub roc_auc: f64,
    /// Standard deviation of ROC-AUC over seeds.
    pub roc_auc_sd: f64,
    /// Mean average precision over seeds.
    pub pr_auc: f64,
    /// ROC-AUC per seed (seeds `0..n`).
    pub roc_auc_per_seed: Vec<f64>,
    /// Training vectors (labels unused).
    pub train_rows: usize,
    /// Test vectors.
    pub test_rows: usize,
    /// Share of positives in the test set.
    pub positive_share: f64,
    /// Whether test vectors were also learned as they were scored (prequential).
    pub learn_on_test: bool,
    /// CPU time per scored test vector, nanoseconds (seed 0).
    pub ns_per_vector: f64,
}

/// Fits Half-Space Trees on `train` (unsupervised) and scores `test`, for seeds `0..seeds`;
/// labels are used only to compute the figures. With `learn_on_test` each test vector is
/// scored then learned (the streaming mode); otherwise the model is frozen after fitting.
pub fn evaluate_vectors(
    params: &HstParams,
    train: &[Vec<f64>],
    test: &[Vec<f64>],
    labels: &[bool],
    seeds: u64,
    learn_on_test: bool,
) -> Result<VectorEval, EvalError> {
    let mut rocs = Vec::new();
    let mut prs = Vec::new();
    let mut ns = 0.0;
    for seed in 0..seeds.max(1) {
        let mut model = params.clone().seed(seed).check()?.fit(train)?;
        let watch = Stopwatch::start();
        let mut scores = Vec::with_capacity(test.len());
        for x in test {
            scores.push(if learn_on_test {
                model.observe(x)?
            } else {
                model.score(x)?
            });
        }
        if seed == 0 {
            ns = watch.cpu_secs() * 1e9 / test.len().max(1) as f64;
        }
        rocs.push(roc_auc(&scores, labels)?);
        prs.push(pr_auc(&scores, labels)?);
    }
    let n = rocs.len() as f64;
    let mean = rocs.iter().sum::<f64>() / n;
    let sd = (rocs.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    Ok(VectorEval {
        roc_auc: mean,
        roc_auc_sd: sd,
        pr_auc: prs.iter().sum::<f64>() / n,
        roc_auc_per_seed: rocs,
        train_rows: train.len(),
        test_rows: test.len(),
        positive_share: labels.iter().filter(|&&l| l).count() as f64 / labels.len().max(1) as f64,
        learn_on_test,
        ns_per_vector: ns,
    })
}

/// One alert of a per-host stream.
#[derive(Debug, Clone)]
pub struct HostAlert {
    /// When it was raised.
    pub time: DateTime<Utc>,
    /// The host that raised it.
    pub host: String,
    /// Alert type (detector / rule code).
    pub alert_type: String,
    /// Producing sensor (Wazuh, Suricata, AMiner).
    pub source: String,
    /// Attack step behind it (`None` = benign), used only for the figures.
    pub step: Option<String>,
}

/// How well one attack step's alerts ranked against their own host's benign alerts.
#[derive(Debug, Clone, Serialize)]
pub struct StepRank {
    /// Alerts of the step.
    pub alerts: usize,
    /// Hosts they came from.
    pub hosts: usize,
    /// Mean over the step's alerts of the share of the same host's benign alerts scored
    /// lower (ties half): 1.0 = above all of that host's noise.
    pub mean_percentile: f64,
    /// The same for the first alert of the step on each host (the moment of detection).
    pub first_alert_percentile: f64,
    /// Share of the step's alerts above the host's 99th benign percentile.
    pub above_p99: f64,
    /// ROC-AUC of the step's alerts against the same hosts' benign alerts.
    pub roc_auc: f64,
}

/// Benign scores and `(step, score)` of attack alerts of one host.
type HostScores = (Vec<f64>, Vec<(String, f64)>);

/// Accumulators of one step: percentiles, first-alert percentiles, count above p99,
/// `(is_attack, score)` ROC inputs, and the hosts seen.
#[derive(Default)]
struct StepAcc {
    pct: Vec<f64>,
    first: Vec<f64>,
    above: usize,
    roc: Vec<(bool, f64)>,
    hosts: std::collections::BTreeSet<(usize, String)>,
}

/// Per-host baselining figures on alert streams.
#[derive(Debug, Clone, Serialize)]
pub struct HostStreamEval {
    /// Alerts scored.
    pub alerts: usize,
    /// Hosts profiled.
    pub hosts: usize,
    /// Figures per attack step (by name).
    pub steps: BTreeMap<String, StepRank>,
    /// Mean over hosts with both classes of per-host ROC-AUC, all malicious vs benign.
    pub mean_host_roc_auc: f64,
    /// Mean over hosts with both classes of per-host ROC-AUC counting only the rare steps
    /// (fewer than `rare_below` alerts of that step in the stream).
    pub mean_host_roc_auc_rare: f64,
    /// The rarity cut-off used for `mean_host_roc_auc_rare`.
    pub rare_below: usize,
    /// CPU time per alert (observe), nanoseconds.
    pub ns_per_alert: f64,
}

/// Streams each scenario's alerts (time-ordered within a scenario) through a fresh
/// [`EntityBaselines`] keyed by host, dimensions alert type and sensor, all hosts of a
/// scenario in one peer group; ranks each attack step's alerts against the same host's benign
/// alerts. Unsupervised: steps are used only for the figures.
pub fn evaluate_host_streams(
    scenarios: &[Vec<HostAlert>],
    params: &ProfileParams,
    rare_below: usize,
) -> Result<HostStreamEval, EvalError> {
    // (scenario, host) → (benign scores, [(step, score)])
    let mut per_host: BTreeMap<(usize, String), HostScores> = BTreeMap::new();
    let mut step_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut alerts = 0usize;
    let mut cpu = 0.0;
    for (si, stream) in scenarios.iter().enumerate() {
        let mut model = EntityBaselines::new(params.clone().max_dimensions(2).check()?);
        let watch = Stopwatch::start();
        let mut scores = Vec::with_capacity(stream.len());
        for a in stream {
            let cats = [
                ("alert_type", a.alert_type.as_str()),
                ("sensor", a.source.as_str()),
            ];
            let obs = Observation {
                categories: &cats,
                peer_group: Some("network"),
                ..Observation::occurrence(&a.host, EntityKind::Host, a.time)
            };
            scores.push(model.observe_observation(&obs)?.surprisal);
        }
        cpu += watch.cpu_secs();
        for (a, s) in stream.iter().zip(scores) {
            let e = per_host.entry((si, a.host.clone())).or_default();
            match &a.step {
                None => e.0.push(s),
                Some(step) => {
                    e.1.push((step.clone(), s));
                    *step_counts.entry(step.clone()).or_insert(0) += 1;
                }
            }
        }
        alerts += stream.len();
    }
    let mut steps: BTreeMap<String, StepAcc> = BTreeMap::new();
    let (mut host_aucs, mut rare_aucs) = (Vec::new(), Vec::new());
    for ((si, host), (benign, mal)) in &per_host {
        let mut sorted = benign.clone();
        sorted.sort_by(f64::total_cmp);
        let pct = |s: f64| -> f64 {
            if sorted.is_empty() {
                return 1.0;
            }
            let below = sorted.partition_point(|&b| b < s);
            let not_above = sorted.partition_point(|&b| b <= s);
            (below as f64 + 0.5 * (not_above - below) as f64) / sorted.len() as f64
        };
        let p99 = sorted
            .get(((sorted.len() as f64) * 0.99) as usize)
            .or(sorted.last())
            .copied()
            .unwrap_or(f64::NEG_INFINITY);
        let mut seen_first = std::collections::BTreeSet::new();
        for (step, s) in mal {
            let e = steps.entry(step.clone()).or_default();
            e.pct.push(pct(*s));
            if seen_first.insert(step.clone()) {
                e.first.push(pct(*s));
            }
            if *s > p99 {
                e.above += 1;
            }
            e.hosts.insert((*si, host.clone()));
        }
        // Per-step ROC inputs: this host's benign vs this step's alerts.
        for step in mal
            .iter()
            .map(|(s, _)| s.clone())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if let Some(e) = steps.get_mut(&step) {
                e.roc.extend(benign.iter().map(|&b| (false, b)));
                e.roc.extend(
                    mal.iter()
                        .filter(|(s, _)| *s == step)
                        .map(|(_, v)| (true, *v)),
                );
            }
        }
        if !benign.is_empty() && !mal.is_empty() {
            let mut s: Vec<f64> = benign.clone();
            let mut l = vec![false; benign.len()];
            s.extend(mal.iter().map(|m| m.1));
            l.extend(std::iter::repeat_n(true, mal.len()));
            if let Ok(a) = roc_auc(&s, &l) {
                host_aucs.push(a);
            }
            let rare: Vec<f64> = mal
                .iter()
                .filter(|(st, _)| step_counts.get(st).copied().unwrap_or(0) < rare_below)
                .map(|m| m.1)
                .collect();
            if !rare.is_empty() {
                let mut s: Vec<f64> = benign.clone();
                let mut l = vec![false; benign.len()];
                l.extend(std::iter::repeat_n(true, rare.len()));
                s.extend(rare);
                if let Ok(a) = roc_auc(&s, &l) {
                    rare_aucs.push(a);
                }
            }
        }
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let steps = steps
        .into_iter()
        .map(|(name, acc)| {
            let StepAcc {
                pct: p,
                first,
                above,
                roc: roc_in,
                hosts,
            } = acc;
            let (sc, lb): (Vec<f64>, Vec<bool>) = roc_in.iter().map(|(l, s)| (*s, *l)).unzip();
            let r = StepRank {
                alerts: p.len(),
                hosts: hosts.len(),
                mean_percentile: mean(&p),
                first_alert_percentile: mean(&first),
                above_p99: above as f64 / p.len().max(1) as f64,
                roc_auc: roc_auc(&sc, &lb).unwrap_or(f64::NAN),
            };
            (name, r)
        })
        .collect();
    Ok(HostStreamEval {
        alerts,
        hosts: per_host.len(),
        steps,
        mean_host_roc_auc: mean(&host_aucs),
        mean_host_roc_auc_rare: mean(&rare_aucs),
        rare_below,
        ns_per_alert: cpu * 1e9 / alerts.max(1) as f64,
    })
}

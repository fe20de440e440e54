//! Train on some AIT-ADS networks, replay others, three disciplines side by side.

use std::path::Path;

use serde::Serialize;
use vigil_core::{Alert, ParamGuard};
use vigil_io::{Format, ReadOptions, read_path_with};

use super::severity;
use crate::EvalError;
use crate::replay::{Discipline, Duty, QueueSummary, ReplayParams, VigilQueue, replay_masked};
use crate::vigil_scorer::VigilTrainer;

/// Loads one AIT-ADS network file (gzipped CSV), sets each alert's severity from its type
/// ([`severity`]), and sorts it by time (ties keep file order).
pub fn load_network(path: &Path) -> Result<Vec<Alert>, EvalError> {
    let options = ReadOptions::new().keep_raw(false);
    let mut records = read_path_with(Format::AitAds, path, &options)?;
    let mut alerts = Vec::new();
    for r in records.by_ref() {
        let mut a = r?;
        let short = a.detector.as_deref().unwrap_or("");
        a.severity = severity(short, &a.title);
        alerts.push(a);
    }
    alerts.sort_by_key(|a| a.time);
    Ok(alerts)
}

/// The analyst pool and the Vigil queue, the same for every discipline.
#[derive(Debug, Clone)]
pub struct ReplaySetup {
    /// Number of analysts.
    pub analysts: usize,
    /// Minutes per queue item.
    pub minutes_per_item: f64,
    /// Extra minutes to respond to an item holding a real attack.
    pub minutes_per_escalation: f64,
    /// Duty hours.
    pub duty: Duty,
    /// Vigil's queue policy (its suppression threshold comes from the trained scorer).
    pub vigil: VigilQueue,
    /// How Vigil's scorer is trained.
    pub trainer: VigilTrainer,
}

impl Default for ReplaySetup {
    fn default() -> Self {
        Self {
            analysts: 1,
            minutes_per_item: 3.0,
            minutes_per_escalation: 30.0,
            duty: Duty::default(),
            vigil: VigilQueue::default(),
            trainer: VigilTrainer::default(),
        }
    }
}

/// The three disciplines on one test network.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkReport {
    /// Network (tenant) name.
    pub network: String,
    /// FIFO.
    pub fifo: QueueSummary,
    /// Severity-first.
    pub severity: QueueSummary,
    /// Vigil.
    pub vigil: QueueSummary,
}

/// One discipline pooled over the test networks.
pub type DisciplineReport = QueueSummary;

/// A whole train/replay run.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// Training networks.
    pub train: Vec<String>,
    /// Test networks.
    pub test: Vec<String>,
    /// Analysts.
    pub analysts: usize,
    /// Minutes per queue item.
    pub minutes_per_item: f64,
    /// Certified suppression threshold of the Vigil scorer.
    pub suppress_below: f64,
    /// FIFO, pooled over test networks.
    pub fifo: DisciplineReport,
    /// Severity-first, pooled.
    pub severity: DisciplineReport,
    /// Vigil, pooled.
    pub vigil: DisciplineReport,
    /// Per test network.
    pub networks: Vec<NetworkReport>,
}

fn tenant(alerts: &[Alert]) -> String {
    alerts
        .first()
        .and_then(|a| a.tenant.clone())
        .unwrap_or_default()
}

/// Trains Vigil on `train` and replays each of `test` under FIFO, severity-first and Vigil.
/// `progress` is told about each step (for a progress bar).
pub fn train_and_replay(
    train: &[&[Alert]],
    test: &[&[Alert]],
    setup: &ReplaySetup,
    progress: &mut dyn FnMut(&str),
) -> Result<ReplayReport, EvalError> {
    progress("training Vigil");
    let scorer = setup.trainer.train(train)?;
    let base = |d: Discipline| {
        ReplayParams::new(d)
            .analysts(setup.analysts)
            .minutes_per_item(setup.minutes_per_item)
            .minutes_per_escalation(setup.minutes_per_escalation)
            .duty(setup.duty)
            .check()
    };
    let vq = VigilQueue {
        suppress_below: scorer.suppress_below(),
        ..setup.vigil.clone()
    };
    let cfgs = [
        base(Discipline::Fifo)?,
        base(Discipline::Severity)?,
        base(Discipline::Vigil(vq))?,
    ];
    let mut networks = Vec::new();
    for t in test {
        let name = tenant(t);
        progress(&format!("scoring {name}"));
        let scores = scorer.score_stream(t)?;
        let mask = scorer.suppressible(t);
        let mut sums = Vec::new();
        for cfg in &cfgs {
            progress(&format!("replaying {name} ({})", cfg.discipline().name()));
            let out = replay_masked(cfg, t, Some(&scores), Some(&mask))?;
            sums.push(QueueSummary::new(t, &out));
        }
        let mut it = sums.into_iter();
        let (Some(fifo), Some(severity), Some(vigil)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        networks.push(NetworkReport {
            network: name,
            fifo,
            severity,
            vigil,
        });
    }
    let pool = |name: &str, f: fn(&NetworkReport) -> &QueueSummary| {
        let parts: Vec<QueueSummary> = networks.iter().map(|n| f(n).clone()).collect();
        QueueSummary::pool(name, &parts)
    };
    Ok(ReplayReport {
        train: train.iter().map(|t| tenant(t)).collect(),
        test: test.iter().map(|t| tenant(t)).collect(),
        analysts: setup.analysts,
        minutes_per_item: setup.minutes_per_item,
        suppress_below: scorer.suppress_below(),
        fifo: pool("fifo", |n| &n.fifo),
        severity: pool("severity", |n| &n.severity),
        vigil: pool("vigil", |n| &n.vigil),
        networks,
    })
}

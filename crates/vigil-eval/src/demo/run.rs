//! The main job: train on generated enterprises, replay a traditional and a Vigil SOC on a
//! fresh one, side by side.

use serde::Serialize;
use vigil_core::{Alert, ParamGuard};

use super::generate::{Enterprise, EnterpriseParams, generate};
use crate::EvalError;
use crate::replay::{
    Discipline, QueueSummary, ReplayOutcome, ReplayParams, VigilQueue, replay_masked,
};
use crate::vigil_scorer::VigilTrainer;

/// Settings of the demo.
#[derive(Debug, Clone)]
pub struct DemoParams {
    /// Seed of the replayed enterprise; training enterprises derive their own from it.
    pub seed: u64,
    /// The enterprise (its `seed` is replaced by the demo's).
    pub enterprise: EnterpriseParams,
    /// Analysts on duty, round the clock.
    pub analysts: usize,
    /// Minutes per queue item.
    pub minutes_per_item: f64,
    /// Minutes responders take to contain a confirmed incident.
    pub minutes_per_escalation: f64,
    /// How Vigil is trained.
    pub trainer: VigilTrainer,
    /// Vigil's queue (its suppression threshold comes from training).
    pub vigil: VigilQueue,
}

impl Default for DemoParams {
    fn default() -> Self {
        Self {
            seed: 42,
            enterprise: EnterpriseParams::default(),
            analysts: 2,
            minutes_per_item: 5.0,
            minutes_per_escalation: 45.0,
            trainer: VigilTrainer::default(),
            vigil: VigilQueue::default(),
        }
    }
}

/// One discipline's replay.
#[derive(Debug, Clone)]
pub struct DemoQueue {
    /// Discipline name.
    pub name: &'static str,
    /// Per-alert fates.
    pub outcome: ReplayOutcome,
    /// Figures.
    pub summary: QueueSummary,
}

/// Everything the demo produced.
#[derive(Debug, Clone)]
pub struct DemoOutcome {
    /// The replayed enterprise.
    pub enterprise: Enterprise,
    /// Names of the training enterprises.
    pub trained_on: Vec<String>,
    /// Vigil's threat probability per alert of the replayed enterprise.
    pub scores: Vec<f64>,
    /// Certified suppression threshold.
    pub suppress_below: f64,
    /// Severity-first (the traditional SOC), FIFO, Vigil: in that order.
    pub queues: Vec<DemoQueue>,
    /// The settings.
    pub analysts: usize,
    /// Minutes per queue item.
    pub minutes_per_item: f64,
}

/// The `--json` view: `traditional` and `vigil` (and `fifo`), each a [`QueueSummary`].
#[derive(Debug, Serialize)]
pub struct DemoJson<'a> {
    /// Seed.
    pub seed: u64,
    /// Replayed enterprise.
    pub enterprise: &'a str,
    /// Training enterprises.
    pub trained_on: &'a [String],
    /// Analysts.
    pub analysts: usize,
    /// Minutes per queue item.
    pub minutes_per_item: f64,
    /// Certified suppression threshold.
    pub suppress_below: f64,
    /// Severity-first.
    pub traditional: &'a QueueSummary,
    /// FIFO.
    pub fifo: &'a QueueSummary,
    /// Vigil.
    pub vigil: &'a QueueSummary,
}

impl DemoOutcome {
    /// A queue by name (`severity`, `fifo`, `vigil`).
    pub fn queue(&self, name: &str) -> Option<&DemoQueue> {
        self.queues.iter().find(|q| q.name == name)
    }

    /// The JSON view.
    pub fn json(&self, seed: u64) -> Option<DemoJson<'_>> {
        Some(DemoJson {
            seed,
            enterprise: &self.enterprise.name,
            trained_on: &self.trained_on,
            analysts: self.analysts,
            minutes_per_item: self.minutes_per_item,
            suppress_below: self.suppress_below,
            traditional: &self.queue("severity")?.summary,
            fifo: &self.queue("fifo")?.summary,
            vigil: &self.queue("vigil")?.summary,
        })
    }
}

/// Runs the demo. `progress` hears about each step.
pub fn run_demo(p: &DemoParams, progress: &mut dyn FnMut(&str)) -> Result<DemoOutcome, EvalError> {
    progress("generating training enterprises");
    let train: Vec<Enterprise> = [1u64, 2]
        .iter()
        .map(|k| {
            generate(&EnterpriseParams {
                seed: p
                    .seed
                    .wrapping_mul(0x9e37_79b9)
                    .wrapping_add(*k)
                    .rotate_left(17),
                ..p.enterprise.clone()
            })
        })
        .collect::<Result<_, _>>()?;
    progress("training Vigil");
    let streams: Vec<&[Alert]> = train.iter().map(|e| e.alerts.as_slice()).collect();
    let scorer = p.trainer.train(&streams)?;
    progress("generating the enterprise to defend");
    let ent = generate(&EnterpriseParams {
        seed: p.seed,
        ..p.enterprise.clone()
    })?;
    progress("scoring");
    let scores = scorer.score_stream(&ent.alerts)?;
    let mask = scorer.suppressible(&ent.alerts);
    let vq = VigilQueue {
        suppress_below: scorer.suppress_below(),
        ..p.vigil.clone()
    };
    let mut queues = Vec::new();
    for d in [
        Discipline::Severity,
        Discipline::Fifo,
        Discipline::Vigil(vq),
    ] {
        progress(&format!("replaying {}", d.name()));
        let name = d.name();
        let cfg = ReplayParams::new(d)
            .analysts(p.analysts)
            .minutes_per_item(p.minutes_per_item)
            .minutes_per_escalation(p.minutes_per_escalation)
            .check()?;
        let outcome = replay_masked(&cfg, &ent.alerts, Some(&scores), Some(&mask))?;
        let summary = QueueSummary::new(&ent.alerts, &outcome);
        queues.push(DemoQueue {
            name,
            outcome,
            summary,
        });
    }
    Ok(DemoOutcome {
        trained_on: train.iter().map(|e| e.name.clone()).collect(),
        enterprise: ent,
        scores,
        suppress_below: scorer.suppress_below(),
        queues,
        analysts: p.analysts,
        minutes_per_item: p.minutes_per_item,
    })
}

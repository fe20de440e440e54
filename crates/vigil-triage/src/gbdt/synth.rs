//! Deterministic synthetic data and the `vigil bench score` measurement.
//!
//! The data is a nonlinear binary problem: standard normal features, the threat log-odds a
//! sum of a sine, products, a square and a gated term of the first nine features plus a small
//! linear part of the next twelve (the rest are noise); the label is drawn from the logistic
//! of it. Values are rounded to `f32`, so every library (which may bin in `f32` or `f64`) sees
//! the same numbers. The same seed gives the same rows on every platform.

use std::io::Write;

use ndarray::{Array1, Array2};
use serde::Serialize;
use vigil_core::cpu::{Stopwatch, timed};
use vigil_core::{FeatureSchema, Fit, LabeledData, SplitMix64};

use super::params::{GbdtParams, Growth};
use crate::envelope::fnv1a;
use crate::error::TriageError;

/// CPU and wall seconds per call of `f`, calling it until at least `min_cpu_s` of CPU time
/// has passed (at least once). The thread clock of `/proc` advances at scheduler ticks (4 ms
/// here) and context switches, so a single short pass would be off by up to a tick; over
/// many passes that error is a small share.
pub fn timed_per_call(min_cpu_s: f64, mut f: impl FnMut()) -> (f64, f64) {
    let watch = Stopwatch::start();
    let mut calls = 0u32;
    loop {
        f();
        calls += 1;
        let wall = watch.wall_secs();
        let cpu = watch.cpu_secs_checked().unwrap_or(wall);
        if cpu >= min_cpu_s {
            let n = f64::from(calls);
            return (cpu / n, wall / n);
        }
    }
}

/// The threat log-odds of one row.
fn logit(x: &[f64]) -> f64 {
    let v = |j: usize| x.get(j).copied().unwrap_or(0.0);
    let gated = if v(4) > 0.5 { v(5) } else { -v(5) };
    let mut z = 1.5 * (2.0 * v(0)).sin()
        + v(1) * v(2)
        + 0.8 * (v(3) * v(3) - 1.0)
        + 0.7 * gated
        + 0.3 * v(6) * v(7) * v(8)
        - 1.0;
    for j in 9..21 {
        let sign = if j % 2 == 0 { 0.2 } else { -0.2 };
        z += sign * v(j);
    }
    z
}

/// `rows` rows of `features` features, class 0 = threat, from `seed`.
///
/// ```
/// let a = vigil_triage::gbdt::synth::make_binary(100, 8, 7);
/// let b = vigil_triage::gbdt::synth::make_binary(100, 8, 7);
/// assert_eq!(a, b);
/// ```
pub fn make_binary(rows: usize, features: usize, seed: u64) -> LabeledData {
    let mut rng = SplitMix64::new(seed);
    let mut x = Array2::zeros((rows, features));
    let mut y = Array1::zeros(rows);
    let mut buf = vec![0.0; features];
    for (mut row, t) in x.rows_mut().into_iter().zip(y.iter_mut()) {
        for b in buf.iter_mut() {
            *b = f64::from(rng.normal() as f32);
        }
        let p = 1.0 / (1.0 + (-logit(&buf)).exp());
        *t = usize::from(rng.next_f64() >= p);
        row.iter_mut().zip(&buf).for_each(|(d, s)| *d = *s);
    }
    let schema = FeatureSchema::new((0..features).map(|j| format!("f{j}")));
    LabeledData {
        features: x,
        targets: y,
        n_classes: 2,
        weights: None,
        schema,
    }
}

/// Writes data as CSV: a header of feature names then `label`, one row per sample, `label`
/// 1 for the threat class (class 0) and 0 otherwise. Values are written in Rust's shortest
/// round-trip form, so a reader gets the exact same `f64`s.
pub fn write_csv<W: Write>(data: &LabeledData, mut w: W) -> std::io::Result<()> {
    let mut header = data.schema.names().join(",");
    header.push_str(",label\n");
    w.write_all(header.as_bytes())?;
    let mut line = String::new();
    for (row, t) in data.features.rows().into_iter().zip(data.targets.iter()) {
        line.clear();
        for v in row.iter() {
            line.push_str(&format!("{v},"));
        }
        line.push_str(if *t == 0 { "1\n" } else { "0\n" });
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

/// What `vigil bench score` measures.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreBenchConfig {
    /// Boosting rounds.
    pub trees: usize,
    /// Depth limit (and `2^depth` leaves).
    pub depth: usize,
    /// Feature count.
    pub features: usize,
    /// Rows generated: the first 75% train, the rest test; inference is timed on all.
    pub rows: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Value bins per feature.
    pub max_bins: usize,
    /// Data and model seed.
    pub seed: u64,
    /// Timed inference measurements, each of as many passes over all rows as fill 0.25 s of
    /// CPU time (the fastest measurement is reported).
    pub repeats: usize,
    /// Tree growth policy.
    pub growth: Growth,
}

impl Default for ScoreBenchConfig {
    fn default() -> Self {
        Self {
            trees: 100,
            depth: 8,
            features: 32,
            rows: 200_000,
            learning_rate: 0.1,
            max_bins: 255,
            seed: 42,
            repeats: 5,
            growth: Growth::LeafWise,
        }
    }
}

impl ScoreBenchConfig {
    /// The model parameters the benchmark fits (the peers script matches them).
    pub fn params(&self) -> GbdtParams {
        GbdtParams::new()
            .n_trees(self.trees)
            .max_depth(Some(self.depth))
            .max_leaves(1usize << self.depth.min(20))
            .learning_rate(self.learning_rate)
            .max_bins(self.max_bins)
            .lambda(1.0)
            .min_child_weight(1e-3)
            .min_data_in_leaf(20)
            .seed(self.seed)
            .growth(self.growth)
    }

    /// The benchmark's data: `(train, test)`.
    pub fn data(&self) -> (LabeledData, LabeledData) {
        let all = make_binary(self.rows, self.features, self.seed);
        let n_train = self.rows * 3 / 4;
        let train: Vec<usize> = (0..n_train).collect();
        let test: Vec<usize> = (n_train..self.rows).collect();
        (all.select(&train), all.select(&test))
    }
}

/// The figures of one `vigil bench score` run.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreBenchReport {
    /// The configuration.
    pub config: ScoreBenchConfig,
    /// Training rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Training time, CPU seconds of the training thread (wall time with `parallel`, or where
    /// thread CPU time is unavailable).
    pub fit_s: f64,
    /// Training wall time, seconds (inflated when the machine is shared).
    pub fit_wall_s: f64,
    /// Batch inference, CPU nanoseconds per row on one core (fastest measurement, each the
    /// mean of its passes).
    pub ns_per_row: f64,
    /// Batch inference, wall nanoseconds per row (fastest measurement).
    pub ns_per_row_wall: f64,
    /// One row at a time through the compiled layout, CPU nanoseconds per row.
    pub ns_per_row_single: f64,
    /// Average precision on the test rows.
    pub pr_auc: f64,
    /// Mean log-loss on the test rows.
    pub logloss: f64,
    /// Trees in the model and the deepest one.
    pub n_trees: usize,
    /// Depth of the deepest tree.
    pub max_depth: usize,
    /// Growth policy of the trees.
    pub growth: String,
    /// The compiled layout inference used (`oblivious`, `dense` or `flat`).
    pub layout: &'static str,
    /// True when built with the `parallel` feature (training only; inference is one core).
    pub parallel: bool,
    /// FNV-1a 64 of the saved model: equal across runs, and with or without `parallel`, when
    /// training is deterministic.
    pub model_fnv: String,
}

/// CPU seconds each timed measurement runs for (many passes, see [`timed_per_call`]).
const PASS_CPU_S: f64 = 0.25;
/// Rows scored one at a time per timed call of the single-row measurement.
const SINGLE_BATCH: usize = 2000;

/// Runs the benchmark.
pub fn score_bench(cfg: &ScoreBenchConfig) -> Result<ScoreBenchReport, TriageError> {
    let (train, test) = cfg.data();
    let params = cfg.params();
    let (model, fit_cpu, fit_wall_s) = timed(|| params.fit(&train));
    let model = model?;
    // Training threads other than this one are not in its CPU time: report wall time then.
    let fit_s = if cfg!(feature = "parallel") {
        fit_wall_s
    } else {
        fit_cpu
    };

    let compiled = model.compile();
    let all = make_binary(cfg.rows, cfg.features, cfg.seed);
    let mut out = vec![0.0; all.len() * compiled.groups()];
    let (mut best_cpu, mut best_wall) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..cfg.repeats.max(1) {
        let (cpu, wall) = timed_per_call(PASS_CPU_S, || {
            compiled.predict_raw_into(all.features.view(), &mut out)
        });
        best_cpu = best_cpu.min(cpu);
        best_wall = best_wall.min(wall);
    }
    let per_row = |s: f64| s * 1e9 / all.len().max(1) as f64;
    let (ns_per_row, ns_per_row_wall) = (per_row(best_cpu), per_row(best_wall));

    // One row per call, cycling through the first rows (their values differ, so the
    // branch predictor cannot learn one path).
    let single_rows = all.len().clamp(1, SINGLE_BATCH);
    let mut one = vec![0.0; compiled.groups()];
    let (single_cpu, _) = timed_per_call(PASS_CPU_S, || {
        for r in 0..single_rows {
            let row = all.features.slice(ndarray::s![r..r + 1, ..]);
            compiled.predict_raw_into(row, &mut one);
        }
    });
    let ns_per_row_single = single_cpu * 1e9 / single_rows as f64;

    let raw = model.predict_raw(test.features.view())?;
    let scores: Vec<f64> = raw.column(0).to_vec();
    let positive: Vec<bool> = test.targets.iter().map(|&t| t == 0).collect();
    let pr_auc = crate::cv::average_precision(&scores, &positive);
    let logloss = scores
        .iter()
        .zip(&positive)
        .map(|(&s, &y)| {
            let p = (1.0 / (1.0 + (-s).exp())).clamp(1e-15, 1.0 - 1e-15);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum::<f64>()
        / scores.len().max(1) as f64;
    Ok(ScoreBenchReport {
        config: cfg.clone(),
        train_rows: train.len(),
        test_rows: test.len(),
        fit_s,
        fit_wall_s,
        ns_per_row,
        ns_per_row_wall,
        ns_per_row_single,
        pr_auc,
        logloss,
        n_trees: model.n_trees(),
        max_depth: model.max_depth(),
        growth: format!("{:?}", cfg.growth),
        layout: compiled.layout_name(),
        parallel: cfg!(feature = "parallel"),
        model_fnv: format!("{:016x}", fnv1a(&model.to_bytes())),
    })
}

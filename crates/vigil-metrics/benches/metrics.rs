//! Speed of the metrics on realistic sizes (1M scores; 100k-alert lifecycle logs).
//!
//! `cargo bench -p vigil-metrics --bench metrics`

use std::hint::black_box;

use chrono::{DateTime, Duration};
use criterion::{Criterion, criterion_group, criterion_main};
use vigil_core::{LifecycleLog, LifecycleStage, SplitMix64};
use vigil_metrics::{AlertLabel, SocParams, ece, macro_f1, pr_auc, roc_auc, soc_metrics};

fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<usize>, Vec<usize>) {
    let mut rng = SplitMix64::new(1);
    let y: Vec<bool> = (0..n).map(|_| rng.next_f64() < 0.05).collect();
    let s: Vec<f64> = y
        .iter()
        .map(|&t| 1.0 / (1.0 + (-(rng.normal() + if t { 2.0 } else { 0.0 })).exp()))
        .collect();
    let truth: Vec<usize> = (0..n).map(|_| rng.below(3) as usize).collect();
    let pred: Vec<usize> = truth
        .iter()
        .map(|&t| {
            if rng.next_f64() < 0.7 {
                t
            } else {
                rng.below(3) as usize
            }
        })
        .collect();
    (s, y, truth, pred)
}

fn log(n: usize) -> (LifecycleLog, Vec<AlertLabel>) {
    let t0 = DateTime::UNIX_EPOCH;
    let mut rng = SplitMix64::new(2);
    let mut log = LifecycleLog::new();
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("a{i}");
        let at = t0 + Duration::seconds(i as i64 * 7);
        log.record(&id, LifecycleStage::Created, at, None);
        if rng.next_f64() < 0.3 {
            let s = at + Duration::minutes(rng.below(600) as i64);
            log.record(&id, LifecycleStage::Surfaced, s, Some("ana"));
            log.record(
                &id,
                LifecycleStage::Resolved,
                s + Duration::minutes(3),
                Some("ana"),
            );
        }
        let threat = rng.next_f64() < 0.02;
        labels.push(AlertLabel::new(
            id,
            threat,
            threat.then(|| format!("p{}", rng.below(20))),
        ));
    }
    (log, labels)
}

fn bench(c: &mut Criterion) {
    let (s, y, truth, pred) = data(1_000_000);
    let mut g = c.benchmark_group("model_1M");
    g.sample_size(10);
    g.bench_function("roc_auc", |b| {
        b.iter(|| roc_auc(black_box(&s), black_box(&y)))
    });
    g.bench_function("pr_auc", |b| {
        b.iter(|| pr_auc(black_box(&s), black_box(&y)))
    });
    g.bench_function("ece_10", |b| {
        b.iter(|| ece(black_box(&s), black_box(&y), 10))
    });
    g.bench_function("macro_f1_3", |b| {
        b.iter(|| macro_f1(black_box(&truth), black_box(&pred), 3))
    });
    g.finish();
    let (l, labels) = log(100_000);
    let mut g = c.benchmark_group("soc_100k");
    g.sample_size(10);
    g.bench_function("soc_metrics", |b| {
        b.iter(|| soc_metrics(black_box(&l), black_box(&labels), &SocParams::default()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Speed of the hot paths: durable and in-memory verdict appends, drift updates, question
//! selection and the paired bootstrap.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use std::hint::black_box;
use vigil_core::{SplitMix64, Verdict, VerdictEvent};
use vigil_feedback::active::{ActiveParams, select};
use vigil_feedback::drift::{Adwin, ChangeDetector, PageHinkley};
use vigil_feedback::retrain::{CompareParams, compare};
use vigil_feedback::store::{MemoryStore, RedbStore, VerdictStore};

fn event(i: u64) -> VerdictEvent {
    VerdictEvent {
        alert_id: format!("alert-{i}"),
        verdict: Verdict::FalsePositive,
        analyst: "ana".into(),
        at: chrono::DateTime::UNIX_EPOCH,
        detector: Some("W-Sys-Cav".into()),
        reason: None,
    }
}

fn stores(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut redb = RedbStore::open(dir.path().join("b.redb")).unwrap();
    let mut i = 0;
    c.bench_function("redb_append_durable", |b| {
        b.iter(|| {
            i += 1;
            black_box(redb.append(&event(i)).unwrap())
        })
    });
    let batch: Vec<VerdictEvent> = (0..100).map(event).collect();
    c.bench_function("redb_append_batch_100", |b| {
        b.iter(|| black_box(redb.append_batch(&batch).unwrap()))
    });
    let mut mem = MemoryStore::new();
    c.bench_function("memory_append", |b| {
        b.iter(|| black_box(mem.append(&event(1)).unwrap()))
    });
}

fn drift(c: &mut Criterion) {
    let mut rng = SplitMix64::new(1);
    let xs: Vec<f64> = (0..10_000)
        .map(|_| f64::from(u8::from(rng.next_f64() < 0.1)))
        .collect();
    c.bench_function("adwin_10k_updates", |b| {
        b.iter(|| {
            let mut d = Adwin::new(0.002).unwrap();
            for x in &xs {
                black_box(d.update(*x));
            }
        })
    });
    c.bench_function("page_hinkley_10k_updates", |b| {
        b.iter(|| {
            let mut d = PageHinkley::for_false_alarm_rate(0.1, 10_000, 0.01).unwrap();
            for x in &xs {
                black_box(d.update(*x));
            }
        })
    });
}

fn questions(c: &mut Criterion) {
    let mut rng = SplitMix64::new(2);
    let n = 2000;
    let p: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    let groups: Vec<String> = (0..n).map(|i| format!("d{}", i % 20)).collect();
    let x = Array2::from_shape_fn((n, 18), |_| rng.normal());
    c.bench_function("active_select_8_of_2000x18", |b| {
        b.iter(|| black_box(select(&p, &groups, x.view(), 8, &ActiveParams::default()).unwrap()))
    });
    let y: Vec<bool> = (0..200).map(|i| i % 5 == 0).collect();
    let pa: Vec<f64> = (0..200).map(|_| rng.next_f64()).collect();
    let pb: Vec<f64> = (0..200).map(|_| rng.next_f64()).collect();
    let w = vec![1.0; 200];
    c.bench_function("paired_bootstrap_200x2000", |b| {
        b.iter(|| black_box(compare(&pa, &pb, &y, &w, &CompareParams::default())))
    });
}

criterion_group!(benches, stores, drift, questions);
criterion_main!(benches);

//! Criterion benches: per-entity observe (score + update) and Half-Space Trees observe.
//! `cargo bench -p vigil-baseline --bench baseline`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench harness, not a library path

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil_baseline::{EntityBaselines, HstParams, ProfileParams};
use vigil_core::{EntityKind, Fit, Observation, ParamGuard, SplitMix64};

fn per_entity(c: &mut Criterion) {
    for entities in [1_000usize, 100_000] {
        let mut model = EntityBaselines::new(
            ProfileParams::default()
                .max_entities(entities)
                .check()
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let names: Vec<String> = (0..entities).map(|i| format!("host-{i:07}")).collect();
        let types: Vec<String> = (0..50).map(|i| format!("alert-type-{i}")).collect();
        let mut rng = SplitMix64::new(1);
        let mut t = 1_700_000_000i64;
        // Warm every profile up.
        for name in &names {
            let obs = Observation::occurrence(
                name,
                EntityKind::Host,
                DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default(),
            );
            let _ = model.observe_observation(&obs);
        }
        // The batched path: 256 observations per `observe_batch` call (time per batch;
        // criterion's throughput line gives events per second).
        let mut group = c.benchmark_group("observe_batch256");
        group.throughput(Throughput::Elements(256));
        let mut scores = Vec::with_capacity(256);
        group.bench_function(format!("{entities}_entities"), |b| {
            b.iter(|| {
                let mut arrays = Vec::with_capacity(256);
                for _ in 0..256 {
                    t += 1;
                    let e = rng.below(entities as u64) as usize;
                    let ty = &types[(e + (rng.below(10) as usize / 9)) % 50];
                    let ms = [
                        ("bytes", 3_000.0 + rng.below(500) as f64),
                        ("count", rng.below(20) as f64),
                    ];
                    arrays.push((e, t, [("alert_type", ty.as_str())], ms));
                }
                let batch: Vec<Observation<'_>> = arrays
                    .iter()
                    .map(|(e, t, cats, ms)| Observation {
                        categories: cats,
                        measures: ms,
                        ..Observation::occurrence(
                            &names[*e],
                            EntityKind::Host,
                            DateTime::<Utc>::from_timestamp(*t, 0).unwrap_or_default(),
                        )
                    })
                    .collect();
                scores.clear();
                model.observe_batch(&batch, &mut scores).unwrap();
                black_box(scores.len())
            })
        });
        group.finish();
        c.bench_function(&format!("observe/{entities}_entities"), |b| {
            b.iter(|| {
                t += 1;
                let e = rng.below(entities as u64) as usize;
                let ty = &types[(e + (rng.below(10) as usize / 9)) % 50];
                let cats = [("alert_type", ty.as_str())];
                let ms = [
                    ("bytes", 3_000.0 + rng.below(500) as f64),
                    ("count", rng.below(20) as f64),
                ];
                let obs = Observation {
                    categories: &cats,
                    measures: &ms,
                    ..Observation::occurrence(
                        &names[e],
                        EntityKind::Host,
                        DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default(),
                    )
                };
                black_box(
                    model
                        .observe_observation(&obs)
                        .map(|s| s.surprisal)
                        .unwrap_or(0.0),
                )
            })
        });
    }
}

fn half_space_trees(c: &mut Criterion) {
    let mut rng = SplitMix64::new(2);
    let data: Vec<Vec<f64>> = (0..4_096)
        .map(|_| (0..41).map(|_| rng.next_f64()).collect())
        .collect();
    let mut model = HstParams::default()
        .check()
        .and_then(|p| p.fit(&data))
        .unwrap_or_else(|e| panic!("{e}"));
    let x: Vec<f64> = (0..41).map(|_| rng.next_f64()).collect();
    c.bench_function("hst/observe_41_wide", |b| {
        b.iter(|| black_box(model.observe(black_box(&x)).unwrap_or(0.0)))
    });
}

criterion_group!(benches, per_entity, half_space_trees);
criterion_main!(benches);

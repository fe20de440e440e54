//! Criterion benchmarks of GBDT inference (batch and single row) and training.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use vigil_core::Fit;
use vigil_triage::gbdt::Growth;
use vigil_triage::gbdt::synth::{ScoreBenchConfig, make_binary};

fn inference(c: &mut Criterion) {
    // Leaf-wise (dense complete-tree layout) and symmetric trees (coded-block batch layout,
    // four-trees-at-a-time single-row layout), 100 trees of depth 8 on 32 features.
    for (growth, name) in [
        (Growth::LeafWise, "leafwise"),
        (Growth::Oblivious, "oblivious"),
    ] {
        let cfg = ScoreBenchConfig {
            rows: 20_000,
            growth,
            ..ScoreBenchConfig::default()
        };
        let (train, _) = cfg.data();
        let Ok(model) = cfg.params().fit(&train) else {
            return;
        };
        let compiled = model.compile();
        let x = make_binary(4096, cfg.features, 7);
        let mut out = vec![0.0; x.len()];
        c.bench_function(&format!("gbdt_predict_batch_4096x100t_d8_{name}"), |b| {
            b.iter(|| compiled.predict_raw_into(black_box(x.features.view()), &mut out))
        });
        let row = x.features.slice(ndarray::s![0..1, ..]);
        let mut one = [0.0];
        c.bench_function(&format!("gbdt_predict_single_100t_d8_{name}"), |b| {
            b.iter(|| compiled.predict_raw_into(black_box(row), &mut one))
        });
    }
}

fn training(c: &mut Criterion) {
    let cfg = ScoreBenchConfig {
        rows: 20_000,
        trees: 20,
        ..ScoreBenchConfig::default()
    };
    let (train, _) = cfg.data();
    let params = cfg.params();
    let mut g = c.benchmark_group("gbdt_fit");
    g.sample_size(10);
    g.bench_function("fit_15k_rows_20t_d8", |b| {
        b.iter(|| params.fit(black_box(&train)))
    });
    g.finish();
}

criterion_group!(benches, inference, training);
criterion_main!(benches);

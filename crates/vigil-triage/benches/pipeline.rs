//! Criterion benchmarks of the whole triage pipeline on GUIDE-shaped alerts: features,
//! model, calibration, suppression check, risk and the top TreeSHAP contributions per alert
//! (what `AlertScorer::score` returns), one alert at a time and in a batch.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use vigil_core::{AlertScorer, Fit};
use vigil_triage::features::guide::synthetic;
use vigil_triage::pipeline::{ModelKind, TriageParams};

fn scoring(c: &mut Criterion) {
    let train = synthetic(3_000, 1);
    let alerts = synthetic(1_000, 2);
    let mut g = c.benchmark_group("triage_pipeline");
    // The default keeps the top 5 TreeSHAP contributions; 0 skips the explanation.
    for (top_k, name) in [(5, ""), (0, "_no_explanation")] {
        let mut params = TriageParams::new(ModelKind::Gbdt, 1);
        params.top_k = top_k;
        let Ok(pipeline) = params.fit(&train) else {
            return;
        };
        g.throughput(Throughput::Elements(alerts.len() as u64));
        g.bench_function(format!("score_batch_1000_alerts{name}"), |b| {
            b.iter(|| pipeline.score_batch(black_box(&alerts)))
        });
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("score_one_alert{name}"), |b| {
            b.iter(|| pipeline.score(black_box(&alerts[0])))
        });
    }
    g.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);

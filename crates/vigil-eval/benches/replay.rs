//! Replay speed on the generated enterprise (scaled up), per discipline.

#![allow(clippy::unwrap_used)] // a benchmark: a failure should stop it loudly

use criterion::{Criterion, criterion_group, criterion_main};
use vigil_core::ParamGuard;
use vigil_eval::demo::{EnterpriseParams, generate};
use vigil_eval::replay::{Discipline, ReplayParams, VigilQueue, replay};

fn bench(c: &mut Criterion) {
    let ent = generate(&EnterpriseParams {
        seed: 3,
        workstations: 1500,
        days: 7,
        ..EnterpriseParams::default()
    })
    .unwrap();
    let n = ent.alerts.len();
    // Any scores in [0, 1] exercise the Vigil queue; the model is benched in vigil-triage.
    let scores: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0)
        .collect();
    let mut g = c.benchmark_group(format!("replay_{n}_alerts"));
    g.sample_size(10);
    for d in [
        Discipline::Fifo,
        Discipline::Severity,
        Discipline::Vigil(VigilQueue {
            suppress_below: 0.2,
            ..VigilQueue::default()
        }),
    ] {
        let name = d.name();
        let cfg = ReplayParams::new(d).check().unwrap();
        g.bench_function(name, |b| {
            b.iter(|| replay(&cfg, &ent.alerts, Some(&scores)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

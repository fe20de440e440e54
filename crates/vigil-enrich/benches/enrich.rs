//! Criterion benches: indicator lookups, alert enrichment, and loading the standard sources.
//!
//! Needs the shared data folder (`../shared/datasets` or `VIGIL_DATASETS`); without it the
//! benches print why and measure nothing.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigil_core::{Alert, Enricher, Enrichment, Entity, EntityKind, EntityRole};
use vigil_enrich::bench::lookup_queries;
use vigil_enrich::datasets::{LoadOptions, load_standard};

fn datasets() -> Option<PathBuf> {
    let found = vigil_io::datasets::find("intel").and_then(|p| p.parent().map(PathBuf::from));
    if found.is_none() {
        eprintln!("skipping: datasets folder with intel/ not found (set VIGIL_DATASETS)");
    }
    found
}

/// Alerts shaped like AIT-ADS: an IP (mostly private, some public) and a host name.
fn ait_like(n: usize) -> Vec<Alert> {
    (0..n)
        .map(|i| {
            let mut a = Alert::new(
                format!("a-{i}"),
                Utc.timestamp_opt(1_642_213_952 + i as i64, 0).unwrap(),
                "Wazuh: ClamAV database update",
            );
            let ip = if i % 10 == 0 {
                format!("45.148.{}.{}", i % 256, (i / 256) % 256)
            } else {
                format!("172.17.{}.{}", i % 256, (i / 7) % 256)
            };
            a.entities
                .push(Entity::new(EntityKind::Ip, ip, EntityRole::Impacted));
            a.entities
                .push(Entity::new(EntityKind::Host, "mail", EntityRole::Impacted));
            a
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let Some(ds) = datasets() else { return };
    let std = load_standard(&ds, LoadOptions::default()).unwrap();

    let queries = lookup_queries(&std.store, 10_000, 42);
    let mut g = c.benchmark_group("intel");
    g.throughput(Throughput::Elements(queries.len() as u64));
    g.bench_function("lookup_mixed_ipv4_domain", |b| {
        b.iter(|| {
            let mut n = 0;
            for q in &queries {
                n += std.store.count_matches(black_box(q));
            }
            n
        })
    });
    g.finish();

    let alerts = ait_like(10_000);
    let pipeline = std.enrichers(None, None);
    let mut g = c.benchmark_group("enrich");
    g.throughput(Throughput::Elements(alerts.len() as u64));
    g.bench_function("standard_pipeline_ait_like", |b| {
        let mut ctx = Enrichment::default();
        b.iter(|| {
            for a in &alerts {
                ctx.items.clear();
                pipeline.enrich(black_box(a), &mut ctx).unwrap();
            }
            ctx.items.len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("misp_ipsum_kev_attack", |b| {
        b.iter(|| {
            load_standard(&ds, LoadOptions::default())
                .unwrap()
                .store
                .counts()
        })
    });
    g.finish();
}

criterion_group!(enrich, benches);
criterion_main!(enrich);

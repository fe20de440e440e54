//! `vigil bench enrich`: enrichment load time, lookup time and alert throughput.

use std::path::PathBuf;

use vigil_core::Alert;
use vigil_enrich::bench::{
    lookup_queries, time_enrich, time_enrich_batched, time_enrich_once, time_lookups,
    time_lookups_batched, time_lookups_by_class,
};
use vigil_enrich::datasets::{LoadOptions, load_standard};
use vigil_enrich::{RelatedEnricher, RelatedParams};

use crate::CliError;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Data folder (`../shared/datasets`).
    #[arg(long)]
    pub datasets: PathBuf,
    /// AIT-ADS alerts (`*.csv.gz`) to enrich; default `<datasets>/ait-ads/harrison_alerts.csv.gz`.
    #[arg(long)]
    pub alerts: Option<PathBuf>,
    /// Number of distinct lookup queries (mixed IPv4/domain, hits and misses).
    #[arg(long, default_value_t = 200_000)]
    pub lookups: usize,
    /// Minimum seconds per timed loop.
    #[arg(long, default_value_t = 1.0)]
    pub min_time: f64,
    /// Also time each class of query (IPv4/domain, hit/miss) on its own.
    #[arg(long)]
    pub by_class: bool,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let layer = |e| CliError::layer("enrich", e);
    // One core: everything loads on this thread. Then again with ATT&CK on a second thread.
    let watch = vigil_core::cpu::Stopwatch::start();
    let std = load_standard(&args.datasets, LoadOptions::default()).map_err(layer)?;
    let load_cpu_s = watch.cpu_secs_checked();
    let par = load_standard(
        &args.datasets,
        LoadOptions {
            parallel: true,
            ..LoadOptions::default()
        },
    )
    .map_err(layer)?;
    let alerts_path = args
        .alerts
        .clone()
        .unwrap_or_else(|| args.datasets.join("ait-ads/harrison_alerts.csv.gz"));
    let mut records = vigil_io::read_path(vigil_io::Format::AitAds, &alerts_path)
        .map_err(|e| CliError::layer("io", e))?;
    let alerts: Vec<Alert> = records.by_ref().filter_map(Result::ok).collect();

    let queries = lookup_queries(&std.store, args.lookups, 42);
    // Single: one `count_matches` after the other. Batched: `for_each_batch`, `BATCH` at a time.
    let lk = time_lookups(&std.store, &queries, args.min_time);
    let lkb = time_lookups_batched(&std.store, &queries, args.min_time);
    let by_class = if args.by_class {
        let mut m = serde_json::Map::new();
        for (name, t) in time_lookups_by_class(&std.store, &queries, args.min_time) {
            m.insert(
                name.to_owned(),
                serde_json::json!({
                    "queries": t.queries,
                    "ns_single": t.single.ns_per_lookup,
                    "ns_single_cpu": t.single.ns_per_lookup_cpu,
                    "ns_batched": t.batched.ns_per_lookup,
                    "ns_batched_cpu": t.batched.ns_per_lookup_cpu,
                }),
            );
        }
        Some(serde_json::Value::Object(m))
    } else {
        None
    };
    let pipeline = std.enrichers(None, None);
    let en = time_enrich(&pipeline, &alerts, args.min_time);
    let en_batched = time_enrich_batched(&pipeline, &alerts, args.min_time);
    // The same plus related events (a stateful index: each alert is queried, then indexed),
    // timed over one pass of the stream.
    let mut with_related = std.enrichers(None, None);
    with_related.push(Box::new(
        RelatedEnricher::new(RelatedParams::default(), 42).map_err(layer)?,
    ));
    let en_rel = time_enrich_once(&with_related, &alerts);
    let counts = std.store.counts();
    let totals = std.report.totals();
    let v = serde_json::json!({
        "load_s": std.timings.total_s,
        "load_cpu_s": load_cpu_s,
        "load_s_parallel": par.timings.total_s,
        "load_timings": std.timings,
        "indicators": counts.total(),
        "indicator_counts": counts,
        "distinct_keys": std.store.distinct_keys(),
        "entries_read": totals.read,
        "entries_rejected": totals.rejected,
        "attack_techniques": std.attack.len(),
        "attack_active": std.attack.active_len(),
        "kev_cves": std.kev.len(),
        "store_bytes": std.store.memory_bytes(),
        "ns_per_lookup": lk.ns_per_lookup,
        "ns_per_lookup_cpu": lk.ns_per_lookup_cpu,
        "ns_per_lookup_batched": lkb.ns_per_lookup,
        "ns_per_lookup_batched_cpu": lkb.ns_per_lookup_cpu,
        "lookup_hit_rate": lk.hit_rate,
        "lookup_hit_rate_batched": lkb.hit_rate,
        "lookups": lk.lookups,
        "lookup_by_class": by_class,
        "store_huge_pages": std.store.huge_page_mapped(),
        "anon_huge_kb": vigil_enrich::intel::anon_huge_kb(),
        "alerts_file": alerts_path.display().to_string(),
        "alerts": alerts.len(),
        "alerts_rejected": records.stats().rejected,
        "alerts_per_sec": en.alerts_per_sec,
        "alerts_per_cpu_sec": en.alerts_per_cpu_sec,
        "items_per_alert": en.items_per_alert,
        "alerts_per_sec_batched": en_batched.alerts_per_sec,
        "alerts_per_cpu_sec_batched": en_batched.alerts_per_cpu_sec,
        "alerts_per_sec_with_related": en_rel.alerts_per_sec,
        "alerts_per_cpu_sec_with_related": en_rel.alerts_per_cpu_sec,
        "items_per_alert_with_related": en_rel.items_per_alert,
    });
    if args.json {
        crate::out::print_json(&v)
    } else {
        if let Some(o) = v.as_object() {
            for (k, x) in o {
                outln!("{k:>20}  {x}");
            }
        }
        Ok(())
    }
}

//! `vigil bench baseline`: baseline update+score speed and memory.

use serde_json::{Map, Value, json};
use vigil_baseline::bench::{bench_multivariate, bench_profiles, flood};

use crate::CliError;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Distinct entities in the per-entity workload (also the entity cap).
    #[arg(long, default_value_t = 100_000)]
    pub entities: usize,
    /// Events observed in the per-entity workload.
    #[arg(long, default_value_t = 5_000_000)]
    pub events: usize,
    /// Also flood a model capped at `--entities` with this many distinct entities (0 = skip).
    #[arg(long, default_value_t = 0)]
    pub flood: usize,
    /// Also run the workload with Zipf-distributed hosts of this exponent (0 = skip).
    #[arg(long, default_value_t = 1.1)]
    pub zipf: f64,
    /// Vectors scored and learned by the multivariate detector (0 = skip).
    #[arg(long, default_value_t = 200_000)]
    pub vectors: usize,
    /// Observations per `observe_batch` call in the per-entity workload (`ns_per_event`);
    /// 0 or 1 = one `observe` call each. The other path is also timed
    /// (`ns_per_event_single` or `ns_per_event_batched`).
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Seed of the synthetic workload and the models.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    // Checked before any workload runs: a NaN exponent would otherwise skip the run silently.
    if !(args.zipf.is_finite() && args.zipf >= 0.0) {
        return Err(CliError::Usage(format!(
            "--zipf takes a finite exponent >= 0 (0 skips it), got {}",
            args.zipf
        )));
    }
    let layer = |e| CliError::layer("baseline", e);
    let (batch, seed) = (args.batch, args.seed);
    let p = bench_profiles(args.entities, args.events, seed, None, batch).map_err(layer)?;
    let mut out = Map::new();
    out.insert("entities".into(), json!(p.entities));
    out.insert("events".into(), json!(p.events));
    out.insert("ns_per_event".into(), json!(p.ns_per_event));
    out.insert("wall_ns_per_event".into(), json!(p.wall_ns_per_event));
    out.insert("batch".into(), json!(batch));
    // The other path on the same workload: one call per event, or batched.
    let (other_key, other_batch) = if batch > 1 {
        ("ns_per_event_single", 0)
    } else {
        ("ns_per_event_batched", 256)
    };
    let o = bench_profiles(args.entities, args.events, seed, None, other_batch).map_err(layer)?;
    out.insert(other_key.into(), json!(o.ns_per_event));
    out.insert("bytes_per_entity".into(), json!(p.bytes_per_entity));
    out.insert("memory_bytes".into(), json!(p.memory_bytes));
    out.insert("flagged_10_bits".into(), json!(p.flagged));
    if args.zipf > 0.0 {
        let s = args.zipf;
        let z = bench_profiles(args.entities, args.events, seed, Some(s), batch).map_err(layer)?;
        out.insert("zipf_exponent".into(), json!(s));
        out.insert("ns_per_event_zipf".into(), json!(z.ns_per_event));
        out.insert("entities_zipf".into(), json!(z.entities));
    }
    if args.vectors > 0 {
        let v = bench_multivariate(args.vectors, args.seed).map_err(layer)?;
        out.insert("multivariate_ns_per_event".into(), json!(v.ns_per_event));
        out.insert("multivariate_memory_bytes".into(), json!(v.memory_bytes));
        out.insert("multivariate_width".into(), json!(v.width));
        out.insert("multivariate_vectors".into(), json!(v.vectors));
    }
    if args.flood > 0 {
        let f = flood(args.flood, args.entities, args.seed).map_err(layer)?;
        out.insert(
            "flood".into(),
            serde_json::to_value(&f).map_err(|e| CliError::layer("json", e))?,
        );
    }
    let value = Value::Object(out);
    if args.json {
        crate::out::print_json(&value)
    } else {
        if let Value::Object(m) = &value {
            for (k, v) in m {
                outln!("{k:>24}  {v}");
            }
        }
        Ok(())
    }
}

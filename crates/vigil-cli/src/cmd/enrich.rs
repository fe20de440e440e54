//! `vigil enrich`: enrich JSON Lines alerts from standard input to standard output.

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;

use vigil_enrich::AssetInventory;
use vigil_enrich::datasets::{LoadOptions, load_standard};
use vigil_enrich::stream::enrich_jsonl;

use crate::CliError;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Data folder holding `intel/` (MISP warninglists, IPsum, CISA KEV) and `attack/`.
    #[arg(long)]
    pub datasets: PathBuf,
    /// Asset inventory (CSV `host,criticality,owner,os` or a JSON array).
    #[arg(long)]
    pub assets: Option<PathBuf>,
    /// Seconds threat-intel context stays valid (provenance `valid_for_s`).
    #[arg(long)]
    pub intel_ttl: Option<u64>,
    /// Print the load report (per-file counts and rejected entries) to standard error.
    #[arg(long)]
    pub report: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let std = load_standard(&args.datasets, LoadOptions::default())
        .map_err(|e| CliError::layer("enrich", e))?;
    let t = std.report.totals();
    eprintln!(
        "loaded {} indicators, {} ATT&CK techniques, {} KEV CVEs in {:.3} s ({} entries rejected)",
        std.store.counts().total(),
        std.attack.len(),
        std.kev.len(),
        std.timings.total_s,
        t.rejected
    );
    // A list skipped whole is always shown: its indicators are missing from the store.
    for s in &std.report.skipped {
        eprintln!("skipped list: {}", s.error());
    }
    if args.report {
        for f in &std.report.files {
            for e in f.errors() {
                eprintln!("rejected: {e}");
            }
        }
    }
    let assets = match &args.assets {
        Some(p) => {
            let (inv, rep) = AssetInventory::load(p).map_err(|e| CliError::layer("enrich", e))?;
            for e in rep.errors() {
                eprintln!("rejected: {e}");
            }
            eprintln!(
                "assets: {} read, {} accepted, {} rejected",
                rep.stats.read, rep.stats.accepted, rep.stats.rejected
            );
            Some(inv)
        }
        None => None,
    };
    let pipeline = std.enrichers(assets, args.intel_ttl);
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let stats = enrich_jsonl(
        BufReader::new(stdin.lock()),
        BufWriter::new(stdout.lock()),
        &pipeline,
        "stdin",
        |e| eprintln!("skipped: {e}"),
    )
    .map_err(|e| CliError::layer("enrich", e))?;
    eprintln!(
        "read {} alerts: {} enriched, {} rejected; {} context items, {} enricher failures",
        stats.read, stats.enriched, stats.rejected, stats.items, stats.failures
    );
    Ok(())
}

//! `vigil bench …`: speed and memory benchmarks, each printing one JSON object with `--json`.

use clap::Subcommand;

use crate::CliError;

pub mod baseline;
pub mod enrich;
pub mod read;
pub mod score;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Reader throughput on real alert files.
    Read(read::Args),
    /// Baseline update+score time per event and memory per entity.
    Baseline(baseline::Args),
    /// Enrichment data load time, lookup time and alert throughput.
    Enrich(enrich::Args),
    /// Gradient-boosted tree inference and training time.
    Score(score::Args),
}

/// Runs a benchmark.
pub fn run(c: Command) -> Result<(), CliError> {
    match c {
        Command::Read(a) => read::run(a),
        Command::Baseline(a) => baseline::run(a),
        Command::Enrich(a) => enrich::run(a),
        Command::Score(a) => score::run(a),
    }
}

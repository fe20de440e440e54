//! `vigil bench read`: reader throughput.
//!
//! Reports wall time and, on Linux, the reading thread's CPU time: on a shared machine the
//! wall time includes waiting for a core, the CPU time does not.

use std::hint::black_box;

use serde::Serialize;
use vigil_core::cpu::Stopwatch;

use crate::CliError;
use crate::cmd::sources::SourceArgs;
use crate::out::outln;

/// Shortest CPU time from which a CPU-time rate is reported.
const MIN_CPU_SECONDS: f64 = 0.05;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The files.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Read every file this many times; the best pass is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: u32,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One file's figures.
#[derive(Debug, Serialize)]
struct FileFigures {
    file: String,
    alerts: u64,
    rejected: u64,
    seconds: f64,
    alerts_per_sec: f64,
    /// CPU time of this thread (Linux), immune to other processes sharing the cores.
    cpu_seconds: Option<f64>,
}

/// Runs the command: one thread, every alert fully built (owned strings), then dropped.
pub fn run(args: Args) -> Result<(), CliError> {
    if args.repeat == 0 {
        return Err(CliError::Usage("--repeat must be at least 1".into()));
    }
    let mut files = Vec::new();
    for path in &args.sources.files {
        let mut best: Option<FileFigures> = None;
        for _ in 0..args.repeat {
            let watch = Stopwatch::start();
            let mut records = args.sources.open(path)?;
            for r in records.by_ref() {
                black_box(r.ok());
            }
            let seconds = watch.wall_secs();
            let cpu_seconds = watch.cpu_secs_checked();
            let stats = records.stats();
            if best.as_ref().is_none_or(|b| seconds < b.seconds) {
                best = Some(FileFigures {
                    file: path.display().to_string(),
                    alerts: stats.read,
                    rejected: stats.rejected,
                    seconds,
                    alerts_per_sec: rate(stats.read, seconds),
                    cpu_seconds,
                });
            }
        }
        files.extend(best);
    }
    let alerts: u64 = files.iter().map(|f| f.alerts).sum();
    let rejected: u64 = files.iter().map(|f| f.rejected).sum();
    let seconds: f64 = files.iter().map(|f| f.seconds).sum();
    let alerts_per_sec = rate(alerts, seconds);
    let cpu_seconds: Option<f64> = files.iter().map(|f| f.cpu_seconds).sum();
    // The kernel updates a running thread's CPU time at scheduler ticks (a few ms): below
    // MIN_CPU_SECONDS the figure would be mostly rounding, so none is given.
    let alerts_per_cpu_sec = cpu_seconds
        .filter(|&c| c >= MIN_CPU_SECONDS)
        .map(|c| rate(alerts, c));
    if args.json {
        return crate::out::print_json(&serde_json::json!({
            "bench": "read",
            "format": args.sources.format.as_str(),
            "keep_raw": !args.sources.no_raw,
            "threads": 1,
            "repeat": args.repeat,
            "alerts": alerts,
            "rejected": rejected,
            "seconds": seconds,
            "alerts_per_sec": alerts_per_sec,
            "cpu_seconds": cpu_seconds,
            "alerts_per_cpu_sec": alerts_per_cpu_sec,
            "files": files,
        }));
    }
    for f in &files {
        outln!(
            "{:<50} {:>9} alerts {:>8.3} s {:>12.0} alerts/s",
            f.file,
            f.alerts,
            f.seconds,
            f.alerts_per_sec
        );
    }
    outln!(
        "{:<50} {:>9} alerts {:>8.3} s {:>12.0} alerts/s (rejected {rejected})",
        "total",
        alerts,
        seconds,
        alerts_per_sec
    );
    if let Some(r) = alerts_per_cpu_sec {
        outln!("{:<50} {r:>12.0} alerts per CPU second (this thread)", "");
    }
    Ok(())
}

fn rate(n: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        n as f64 / seconds
    } else {
        0.0
    }
}

//! Reads alert files and prints a summary: counts, rejects, entities, labels, time span.
//!
//! ```text
//! cargo run --release --example read_summary -- ../shared/datasets/ait-ads/fox_alerts.csv.gz
//! cargo run --release --example read_summary -- --format ocsf ../shared/datasets/formats/ocsf/all.jsonl
//! ```
//!
//! Without `--format`, `*_alerts.csv[.gz]` reads as AIT-ADS, other `.csv` as GUIDE, and
//! anything else as OCSF.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use vigil::core::EntityKind;
use vigil::io::{Format, Summary, read_path};

fn guess(path: &Path) -> Format {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.contains("_alerts.csv") {
        Format::AitAds
    } else if name.ends_with(".csv") || name.ends_with(".csv.gz") {
        Format::Guide
    } else {
        Format::Ocsf
    }
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut format = None;
    if let Some(i) = args.iter().position(|a| a == "--format") {
        let Some(name) = args.get(i + 1).cloned() else {
            eprintln!("--format needs a value: ait-ads, guide, ocsf, ecs or jsonl");
            return ExitCode::FAILURE;
        };
        match name.parse::<Format>() {
            Ok(f) => format = Some(f),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        args.drain(i..i + 2);
    }
    if args.is_empty() {
        eprintln!("usage: read_summary [--format F] FILE...");
        return ExitCode::FAILURE;
    }
    let mut total = Summary::default();
    let start = Instant::now();
    for file in &args {
        let path = Path::new(file);
        let format = format.unwrap_or_else(|| guess(path));
        let mut records = match read_path(format, path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut summary = Summary::default();
        for r in records.by_ref() {
            match r {
                Ok(alert) => summary.add(&alert),
                Err(e) => eprintln!("  rejected: {e}"),
            }
        }
        summary.add_stats(records.stats());
        let s = summary.report();
        println!(
            "{file} ({format}): {} records, {} accepted, {} rejected",
            s.alerts, s.accepted, s.rejected
        );
        total.merge(&summary);
        println!(
            "  hosts {}, ips {}, users {}; malicious {}, benign {}; verdicts TP {} BP {} FP {}",
            s.entities.get(EntityKind::Host.as_str()).unwrap_or(&0),
            s.entities.get(EntityKind::Ip.as_str()).unwrap_or(&0),
            s.entities.get(EntityKind::User.as_str()).unwrap_or(&0),
            s.labels.get("malicious").unwrap_or(&0),
            s.labels.get("benign").unwrap_or(&0),
            s.verdicts.get("true_positive").unwrap_or(&0),
            s.verdicts.get("benign_positive").unwrap_or(&0),
            s.verdicts.get("false_positive").unwrap_or(&0),
        );
        if let (Some(f), Some(l)) = (s.first, s.last) {
            println!("  from {f} to {l}");
        }
    }
    let t = total.report();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "total: {} records, {} accepted, {} rejected in {secs:.2} s",
        t.alerts, t.accepted, t.rejected
    );
    ExitCode::SUCCESS
}

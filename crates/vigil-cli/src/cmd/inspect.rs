//! `vigil inspect`: read alert files and print counts.

use std::time::Instant;

use vigil_io::Summary;

use crate::CliError;
use crate::cmd::sources::SourceArgs;
use crate::out::outln;

/// How many rejected records are printed to standard error.
const SHOWN_REJECTS: usize = 5;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The files.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let mut summary = Summary::default();
    let mut shown = 0;
    let start = Instant::now();
    for path in &args.sources.files {
        let mut records = args.sources.open(path)?;
        for r in records.by_ref() {
            match r {
                Ok(alert) => summary.add(&alert),
                Err(e) if shown < SHOWN_REJECTS => {
                    shown += 1;
                    eprintln!("rejected: {e}");
                }
                Err(_) => {}
            }
        }
        summary.add_stats(records.stats());
    }
    let seconds = start.elapsed().as_secs_f64();
    let report = summary.report();
    let rate = if seconds > 0.0 {
        report.alerts as f64 / seconds
    } else {
        0.0
    };
    if args.json {
        let mut v = serde_json::to_value(&report).map_err(|e| CliError::layer("json", e))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("format".into(), args.sources.format.as_str().into());
            o.insert("files".into(), args.sources.files.len().into());
            o.insert("seconds".into(), seconds.into());
            o.insert("alerts_per_sec".into(), rate.into());
        }
        return crate::out::print_json(&v);
    }
    outln!("format        {}", args.sources.format);
    outln!("files         {}", args.sources.files.len());
    outln!(
        "alerts        {}  (accepted {}, rejected {})",
        report.alerts,
        report.accepted,
        report.rejected
    );
    let kinds: Vec<String> = report
        .entities
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    outln!("entities      {}", kinds.join(", "));
    let verdicts: Vec<String> = report
        .verdicts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    outln!("verdicts      {}", verdicts.join(", "));
    let labels: Vec<String> = report
        .labels
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    outln!("labels        {}", labels.join(", "));
    if let (Some(f), Some(l)) = (report.first, report.last) {
        outln!(
            "time span     {f} .. {l}  ({:.1} h)",
            (l - f).num_seconds() as f64 / 3600.0
        );
    }
    outln!("read rate     {rate:.0} alerts/s ({seconds:.3} s)");
    Ok(())
}

//! `vigil demo`: the main job on the embedded default enterprise.

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vigil_eval::demo::{DemoParams, run_demo, write_report};
use vigil_eval::replay::QueueSummary;

use crate::CliError;
use crate::out::{outln, outp};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the generated enterprise (training enterprises derive theirs from it).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Report folder (Markdown and JSON tables, SVG plots, index.html).
    #[arg(long, default_value = "vigil-report")]
    pub out: PathBuf,
    /// Analysts on duty, round the clock.
    #[arg(long, default_value_t = 2)]
    pub analysts: usize,
    /// Minutes an analyst spends per queue item.
    #[arg(long, default_value_t = 5.0)]
    pub minutes_per_alert: f64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn minutes(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{:.0} min", s / 60.0))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:.1}%", 100.0 * x))
}

fn print_table(rows: &[(&str, &QueueSummary)]) -> Result<(), CliError> {
    let line = |label: &str, f: &dyn Fn(&QueueSummary) -> String| -> Result<(), CliError> {
        outp!("{label:<24}");
        for (_, s) in rows {
            outp!(" {:>14}", f(s));
        }
        outln!();
        Ok(())
    };
    outp!("{:<24}", "");
    for (name, _) in rows {
        outp!(" {name:>14}");
    }
    outln!();
    line("alerts", &|s| s.alerts.to_string())?;
    line("share unaddressed", &|s| pct(Some(s.unaddressed_share)))?;
    line("share suppressed", &|s| pct(Some(s.suppressed_share)))?;
    line("attack phases detected", &|s| {
        format!("{}/{}", s.phases_detected, s.phases_total)
    })?;
    line("MTTD (median)", &|s| minutes(s.mttd_median_s))?;
    line("MTTD (p90)", &|s| minutes(s.mttd_p90_s))?;
    line("MTTR (median)", &|s| minutes(s.mttr_median_s))?;
    line("analyst hours", &|s| format!("{:.1}", s.analyst_hours))?;
    line("queue items reviewed", &|s| s.items_reviewed.to_string())?;
    line("benign alerts reviewed", &|s| s.benign_reviewed.to_string())?;
    line("precision", &|s| pct(s.precision))?;
    line("false-positive rate", &|s| pct(s.fpr))?;
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let params = DemoParams {
        seed: args.seed,
        analysts: args.analysts,
        minutes_per_item: args.minutes_per_alert,
        ..DemoParams::default()
    };
    let pb = if args.json || !std::io::stdout().is_terminal() {
        ProgressBar::with_draw_target(Some(9), ProgressDrawTarget::hidden())
    } else {
        let pb = ProgressBar::new(9);
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {msg}") {
            pb.set_style(style);
        }
        pb
    };
    let mut progress = |m: &str| {
        pb.set_message(m.to_owned());
        pb.inc(1);
    };
    let demo = run_demo(&params, &mut progress).map_err(|e| CliError::layer("eval", e))?;
    progress("writing the report");
    let written =
        write_report(&demo, args.seed, &args.out).map_err(|e| CliError::layer("eval", e))?;
    pb.finish_and_clear();
    let json = demo
        .json(args.seed)
        .ok_or_else(|| CliError::Usage("the demo produced no replay".into()))?;
    if args.json {
        return crate::out::print_json(&json);
    }
    outln!(
        "Enterprise {} ({} alerts, seed {}); Vigil trained on {}. {} analyst(s), {} min per item.",
        demo.enterprise.name,
        demo.enterprise.alerts.len(),
        args.seed,
        demo.trained_on.join(", "),
        args.analysts,
        args.minutes_per_alert
    );
    outln!();
    print_table(&[
        ("traditional", json.traditional),
        ("FIFO", json.fifo),
        ("Vigil", json.vigil),
    ])?;
    outln!();
    outln!("report: {}", written.index.display());
    Ok(())
}

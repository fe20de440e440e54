//! `vigil replay`: SOC replay of real alert streams under FIFO, severity-first and Vigil.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use vigil_core::Alert;
use vigil_eval::aitads::{ReplayReport, ReplaySetup, load_network, train_and_replay};
use vigil_eval::replay::QueueSummary;

use crate::CliError;
use crate::cmd::networks::NetworkArgs;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Networks to train on and to test on.
    #[command(flatten)]
    pub networks: NetworkArgs,
    /// Analysts on duty (round the clock).
    #[arg(long, default_value_t = 1)]
    pub analysts: usize,
    /// Minutes an analyst spends per queue item.
    #[arg(long, default_value_t = 3.0)]
    pub minutes_per_alert: f64,
    /// Vigil's suppression target: the phase-averaged share of attack alerts it may suppress,
    /// certified on held-out training networks (0 turns suppression off).
    #[arg(long, default_value_t = 0.02)]
    pub suppress_alpha: f64,
    /// Minutes after a benign incident's review during which alerts of the same host and type
    /// join it instead of queueing again.
    #[arg(long, default_value_t = 20.0)]
    pub group_window_min: f64,
    /// The same window after an incident confirmed malicious.
    #[arg(long, default_value_t = 0.0)]
    pub confirmed_window_min: f64,
    /// A later alert scoring this much above a reviewed incident queues again at once
    /// (escalation); 1 (the default) turns escalation off: on the five AIT-ADS rotations a
    /// margin of 0.15 re-queued flood alerts and slowed detection (see the figures).
    #[arg(long, default_value_t = 1.0)]
    pub escalation_margin: f64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// All rotations of a leave-one-out run, and the three disciplines pooled over them.
#[derive(Debug, Serialize)]
struct Rotations {
    fifo: QueueSummary,
    severity: QueueSummary,
    vigil: QueueSummary,
    rotations: Vec<ReplayReport>,
}

fn bar(args: &Args, len: u64) -> ProgressBar {
    use std::io::IsTerminal;
    if args.json || !std::io::stdout().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let pb = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

fn fmt_s(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{:.1} min", s / 60.0))
}

fn print_table(title: &str, rows: [&QueueSummary; 3]) -> Result<(), CliError> {
    outln!("{title}");
    outln!(
        "{:<9} {:>9} {:>9} {:>11} {:>11} {:>11} {:>10} {:>9}",
        "queue",
        "alerts",
        "phases",
        "MTTD p50",
        "MTTD p90",
        "unaddressed",
        "benign rev",
        "items"
    );
    for s in rows {
        outln!(
            "{:<9} {:>9} {:>5}/{:<3} {:>11} {:>11} {:>10.1}% {:>10} {:>9}",
            s.discipline,
            s.alerts,
            s.phases_detected,
            s.phases_total,
            fmt_s(s.mttd_median_s),
            fmt_s(s.mttd_p90_s),
            100.0 * s.unaddressed_share,
            s.benign_reviewed,
            s.items_reviewed
        );
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    args.networks.check()?;
    let mut setup = ReplaySetup {
        analysts: args.analysts,
        minutes_per_item: args.minutes_per_alert,
        ..ReplaySetup::default()
    };
    // 0 turns suppression off; anything else outside (0, 1) is the trainer's typed error.
    setup.trainer.suppress_alpha = (args.suppress_alpha != 0.0).then_some(args.suppress_alpha);
    setup.vigil.group_window_s = (args.group_window_min * 60.0).round() as i64;
    setup.vigil.confirmed_window_s = (args.confirmed_window_min * 60.0).round() as i64;
    setup.vigil.escalation_margin = args.escalation_margin;
    let n_runs = if args.networks.leave_one_out {
        args.networks.test.len()
    } else {
        1
    };
    let pb = bar(
        &args,
        (args.networks.train.len() + args.networks.test.len() + 8 * n_runs) as u64,
    );
    let load = |paths: &[PathBuf]| -> Result<Vec<Vec<Alert>>, CliError> {
        paths
            .iter()
            .map(|p| {
                pb.set_message(format!("reading {}", p.display()));
                let a = load_network(p).map_err(|e| CliError::layer("eval", e));
                pb.inc(1);
                a
            })
            .collect()
    };
    let train = load(&args.networks.train)?;
    let test = load(&args.networks.test)?;
    let mut progress = |m: &str| {
        pb.set_message(m.to_owned());
        pb.inc(1);
    };
    if !args.networks.leave_one_out {
        let tr: Vec<&[Alert]> = train.iter().map(Vec::as_slice).collect();
        let te: Vec<&[Alert]> = test.iter().map(Vec::as_slice).collect();
        let report = train_and_replay(&tr, &te, &setup, &mut progress)
            .map_err(|e| CliError::layer("eval", e))?;
        pb.finish_and_clear();
        if args.json {
            return crate::out::print_json(&report);
        }
        print_table(
            &format!("train {:?} → test {:?}", report.train, report.test),
            [&report.fifo, &report.severity, &report.vigil],
        )?;
        return Ok(());
    }
    let mut rotations = Vec::new();
    for k in 0..test.len() {
        let tr: Vec<&[Alert]> = test
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, t)| t.as_slice())
            .collect();
        let Some(te) = test.get(k) else { continue };
        let report = train_and_replay(&tr, &[te.as_slice()], &setup, &mut progress)
            .map_err(|e| CliError::layer("eval", e))?;
        rotations.push(report);
    }
    pb.finish_and_clear();
    let pool = |name: &str, f: fn(&ReplayReport) -> &QueueSummary| {
        let parts: Vec<QueueSummary> = rotations.iter().map(|r| f(r).clone()).collect();
        QueueSummary::pool(name, &parts)
    };
    let all = Rotations {
        fifo: pool("fifo", |r| &r.fifo),
        severity: pool("severity", |r| &r.severity),
        vigil: pool("vigil", |r| &r.vigil),
        rotations,
    };
    if args.json {
        return crate::out::print_json(&all);
    }
    for r in &all.rotations {
        print_table(
            &format!("test {:?} (trained on {:?})", r.test, r.train),
            [&r.fifo, &r.severity, &r.vigil],
        )?;
        outln!();
    }
    print_table(
        "all rotations pooled",
        [&all.fifo, &all.severity, &all.vigil],
    )?;
    Ok(())
}

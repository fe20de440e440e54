//! `vigil eval feedback`: retraining from simulated analyst verdicts on AIT-ADS networks
//! never seen in training. The loop itself is `vigil_feedback::experiment`; here the concrete
//! model (native GBDT) and features (alert-stream features) are chosen.

use std::path::Path;

use serde::Serialize;
use vigil_core::{Alert, Fit};
use vigil_feedback::experiment::{
    CurvePoint, ExperimentParams, Figures, Report, Stream, pool, run as run_experiment,
};
use vigil_triage::features::alert_stream::AlertStreamParams;
use vigil_triage::gbdt::GbdtParams;

use crate::CliError;
use crate::cmd::networks::NetworkArgs;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Networks to train on and to test on.
    #[command(flatten)]
    pub networks: NetworkArgs,
    /// Verdicts that may be asked for per test network.
    #[arg(long, default_value_t = 200)]
    pub budget: usize,
    /// Probability that a simulated analyst's verdict is wrong.
    #[arg(long, default_value_t = 0.05)]
    pub noise: f64,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Target phase-averaged miss rate on held-out training networks used to choose the
    /// suppression threshold (a tenth of the 0.05 goal: networks differ, so the margin is
    /// kept for the one not yet seen).
    #[arg(long, default_value_t = 0.005)]
    pub calib_miss: f64,
    /// Share of the training weight that test-network verdicts carry in a challenger (the
    /// rest is the base training set).
    #[arg(long, default_value_t = 0.1)]
    pub verdict_share: f64,
    /// Non-inferiority margin (nats of mean log-loss on held-back verdicts) a challenger must
    /// stay within, at 95% one-sided confidence, to be promoted; 0 asks for a confident
    /// improvement.
    #[arg(long, default_value_t = 0.0)]
    pub margin: f64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One rotation of a leave-one-out run.
#[derive(Debug, Serialize)]
struct Rotation {
    test: String,
    train: Vec<String>,
    report: Report,
}

/// The output: `curve`, `promotions`, `rejections` and `final` over every test network,
/// plus each rotation's full report.
#[derive(Debug, Serialize)]
struct Output {
    curve: Vec<CurvePoint>,
    promotions: usize,
    rejections: usize,
    #[serde(rename = "final")]
    final_figures: Figures,
    budget: usize,
    noise: f64,
    seed: u64,
    rotations: Vec<Rotation>,
}

fn load(path: &Path) -> Result<(String, Vec<Alert>), CliError> {
    let alerts = vigil_eval::aitads::load_network(path).map_err(|e| CliError::layer("eval", e))?;
    Ok((vigil_io::ait_ads::network_from_path(path), alerts))
}

fn gbdt(seed: u64) -> GbdtParams {
    GbdtParams::new()
        .n_trees(120)
        .learning_rate(0.1)
        .max_leaves(31)
        .min_data_in_leaf(10)
        .seed(seed)
}

fn rotation(
    train: &[(String, Vec<Alert>)],
    test: &[(String, Vec<Alert>)],
    cfg: &ExperimentParams,
) -> Result<Report, CliError> {
    let all: Vec<Alert> = train.iter().flat_map(|(_, a)| a.iter().cloned()).collect();
    let features = AlertStreamParams::default()
        .seed(cfg.seed)
        .fit(&all[..])
        .map_err(|e| CliError::layer("triage", e))?;
    let streams = |nets: &[(String, Vec<Alert>)]| -> Result<Vec<Stream>, CliError> {
        nets.iter()
            .map(|(name, alerts)| {
                Stream::from_extractor(name.clone(), alerts.clone(), &features)
                    .map_err(|e| CliError::layer("feedback", e))
            })
            .collect()
    };
    let (tr, te) = (streams(train)?, streams(test)?);
    run_experiment(&gbdt(cfg.seed), &tr, &te, cfg).map_err(|e| CliError::layer("feedback", e))
}

fn print_table(out: &Output) -> Result<(), CliError> {
    outln!(
        "{:<16} {:>8} {:>9} {:>13} {:>10} {:>11} {:>9}",
        "test network",
        "verdicts",
        "phases",
        "fp_suppressed",
        "miss_rate",
        "promotions",
        "rejected"
    );
    for r in &out.rotations {
        for n in &r.report.networks {
            outln!(
                "{:<16} {:>8} {:>9} {:>12.1}% {:>10.4} {:>11} {:>9}",
                n.network,
                n.figures.verdicts,
                n.figures.phases,
                100.0 * n.figures.fp_suppressed,
                n.figures.miss_rate,
                n.promotions,
                n.rejections
            );
        }
    }
    let f = &out.final_figures;
    outln!(
        "{:<16} {:>8} {:>9} {:>12.1}% {:>10.4} {:>11} {:>9}",
        "all",
        f.verdicts,
        f.phases,
        100.0 * f.fp_suppressed,
        f.miss_rate,
        out.promotions,
        out.rejections
    );
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    args.networks.check()?;
    let mut cfg = ExperimentParams {
        budget: args.budget,
        noise: args.noise,
        seed: args.seed,
        calib_miss: args.calib_miss,
        verdict_share: args.verdict_share,
        ..ExperimentParams::default()
    };
    cfg.trainer.compare.margin = args.margin;
    let test: Vec<(String, Vec<Alert>)> = args
        .networks
        .test
        .iter()
        .map(|p| load(p))
        .collect::<Result<_, _>>()?;
    let mut rotations = Vec::new();
    if args.networks.leave_one_out {
        for (k, held) in test.iter().enumerate() {
            let train: Vec<(String, Vec<Alert>)> = test
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, n)| n.clone())
                .collect();
            if !args.json {
                eprintln!("rotation {}/{}: test {}", k + 1, test.len(), held.0);
            }
            let report = rotation(&train, std::slice::from_ref(held), &cfg)?;
            rotations.push(Rotation {
                test: held.0.clone(),
                train: train.iter().map(|n| n.0.clone()).collect(),
                report,
            });
        }
    } else {
        let train: Vec<(String, Vec<Alert>)> = args
            .networks
            .train
            .iter()
            .map(|p| load(p))
            .collect::<Result<_, _>>()?;
        let report = rotation(&train, &test, &cfg)?;
        rotations.push(Rotation {
            test: test
                .iter()
                .map(|n| n.0.clone())
                .collect::<Vec<_>>()
                .join(","),
            train: train.iter().map(|n| n.0.clone()).collect(),
            report,
        });
    }
    let figs: Vec<Figures> = rotations
        .iter()
        .map(|r| r.report.final_figures.clone())
        .collect();
    let out = Output {
        curve: rotations
            .iter()
            .flat_map(|r| r.report.curve.iter().cloned())
            .collect(),
        promotions: rotations.iter().map(|r| r.report.promotions).sum(),
        rejections: rotations.iter().map(|r| r.report.rejections).sum(),
        final_figures: pool(&figs),
        budget: args.budget,
        noise: args.noise,
        seed: args.seed,
        rotations,
    };
    if args.json {
        crate::out::print_json(&out)
    } else {
        print_table(&out)?;
        Ok(())
    }
}

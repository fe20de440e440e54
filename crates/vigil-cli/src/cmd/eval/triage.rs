//! `vigil eval triage`: triage quality on organisations never seen in training.

use std::path::{Path, PathBuf};

use vigil_core::{Alert, ParamGuard};
use vigil_eval::triage::{EvalReport, cross_validate, train_test};
use vigil_io::{Format, ReadOptions};
use vigil_triage::gbdt::{GbdtParams, Growth};
use vigil_triage::pipeline::{ModelKind, TriageParams};

use crate::CliError;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input format (guide).
    #[arg(long, default_value = "guide")]
    pub format: Format,
    /// Training alerts (graded).
    #[arg(long)]
    pub train: PathBuf,
    /// Test alerts; without it, k-fold cross-validation grouped by organisation.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// Model: gbdt or tree.
    #[arg(long, default_value = "gbdt")]
    pub model: String,
    /// GBDT tree growth: `leaf-wise` (LightGBM's), `depth-wise` or `oblivious` (symmetric);
    /// default: the pipeline's (`TriageParams::new`).
    #[arg(long)]
    pub growth: Option<String>,
    /// GBDT boosting rounds; default: the pipeline's.
    #[arg(long)]
    pub trees: Option<usize>,
    /// GBDT depth limit; with `depth-wise` or `oblivious` growth the leaf limit is raised to
    /// 2^D so the depth is the capacity. Default: the pipeline's.
    #[arg(long)]
    pub depth: Option<usize>,
    /// GBDT learning rate (shrinkage); default: the pipeline's.
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Folds of the grouped cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of folds, features and model.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Calibration: isotonic, platt or identity.
    #[arg(long, default_value = "isotonic")]
    pub calibration: String,
    /// Per-detector suppression thresholds for detectors with at least this many calibration
    /// true positives (default: one global threshold).
    #[arg(long)]
    pub per_detector: Option<usize>,
    /// Suppression with organisations, not rows, as the exchangeable unit (the bound is then
    /// on a new organisation's expected miss rate).
    #[arg(long)]
    pub org_exchangeable: bool,
    /// Suppression thresholds that keep the miss rate at most α with probability at least
    /// 1 − D over the calibration draw (a binomial tolerance bound), not only in expectation.
    #[arg(long, conflicts_with = "org_exchangeable")]
    pub suppress_delta: Option<f64>,
    /// Cross-fit calibration, decision weights and suppression on K organisation folds of
    /// the training data, then fit the final model on all of it (default: hold out 25% of
    /// training organisations for calibration, which keeps the suppression bound exact).
    #[arg(long)]
    pub cross_fit: Option<usize>,
    /// Label-shift adaptation (on by default): each organisation's grade prior is
    /// re-estimated by EM from its own unlabelled alerts, shrunk towards the training prior
    /// with this many pseudo-alerts (default 10; 0 = no shrinkage).
    #[arg(long)]
    pub prior_shift: Option<f64>,
    /// No label-shift adaptation: the model's probabilities as they are.
    #[arg(long, conflicts_with = "prior_shift")]
    pub no_prior_shift: bool,
    /// Cap each organisation's weight in the calibrator at this many alerts (default: none).
    #[arg(long)]
    pub calibration_org_cap: Option<f64>,
    /// Also replay the held-out organisations with analyst feedback: each alert is scored
    /// knowing the grades of its own organisation's alerts raised at least this many seconds
    /// earlier (`feedback` in the output; default one day). The memory's widths and the
    /// suppressors are refitted on the rows the pipeline calibrated on (every training
    /// organisation out of fold with `--cross-fit`).
    #[arg(long, default_value_t = 86_400)]
    pub feedback_lag: i64,
    /// No feedback replay.
    #[arg(long)]
    pub no_feedback: bool,
    /// Let other organisations' recent verdicts on the same alert title move an
    /// organisation's confidences in the feedback replay (the verdict memory's shared offset;
    /// its width is chosen on the calibration rows, and may be 0).
    #[arg(long, conflicts_with = "no_feedback")]
    pub shared_verdicts: bool,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Reads every alert of a file, reporting rejected rows on standard error.
pub(crate) fn read_alerts(format: Format, path: &Path) -> Result<Vec<Alert>, CliError> {
    let options = ReadOptions::new().keep_raw(true);
    let mut records =
        vigil_io::read_path_with(format, path, &options).map_err(|e| CliError::layer("io", e))?;
    let mut alerts = Vec::new();
    let mut rejected = 0usize;
    for r in records.by_ref() {
        match r {
            Ok(a) => alerts.push(a),
            Err(e) => {
                if rejected < 5 {
                    eprintln!("rejected: {e}");
                }
                rejected += 1;
            }
        }
    }
    if rejected > 0 {
        eprintln!("{}: {rejected} rows rejected", path.display());
    }
    Ok(alerts)
}

/// Pipeline parameters from the command line.
pub(crate) fn params(model: &str, seed: u64, calibration: &str) -> Result<TriageParams, CliError> {
    let kind: ModelKind = model.parse().map_err(|e| CliError::layer("triage", e))?;
    let mut p = TriageParams::new(kind, seed);
    p.calibration = match calibration {
        "isotonic" => vigil_triage::calibrate::CalibrationMethod::Isotonic,
        "platt" => vigil_triage::calibrate::CalibrationMethod::Platt,
        "identity" | "none" => vigil_triage::calibrate::CalibrationMethod::Identity,
        other => {
            return Err(CliError::Usage(format!(
                "--calibration: expected isotonic, platt or identity, found {other:?}"
            )));
        }
    };
    Ok(p)
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let mut p = params(&args.model, args.seed, &args.calibration)?;
    p.model.gbdt = gbdt_overrides(p.model.gbdt, &args)?;
    p.per_detector = args.per_detector;
    p.cross_fit = args.cross_fit;
    p.org_exchangeable = args.org_exchangeable;
    p.suppress_delta = args.suppress_delta;
    p.calibration_org_cap = args.calibration_org_cap;
    if let Some(strength) = args.prior_shift {
        p.prior_shift = Some(vigil_triage::calibrate::PriorShiftParams {
            strength,
            ..Default::default()
        });
    }
    if args.no_prior_shift {
        p.prior_shift = None;
    }
    if args.feedback_lag < 0 {
        return Err(CliError::Usage(format!(
            "--feedback-lag: expected seconds >= 0, found {}",
            args.feedback_lag
        )));
    }
    let lag = (!args.no_feedback).then_some(vigil_eval::triage::FeedbackReplay {
        lag_secs: args.feedback_lag,
        shared: args.shared_verdicts,
    });
    let train = read_alerts(args.format, &args.train)?;
    let report = match &args.test {
        Some(t) => {
            let test = read_alerts(args.format, t)?;
            train_test(&train, &test, &p, lag)
        }
        None => cross_validate(&train, &p, args.folds, args.seed, lag),
    }
    .map_err(|e| CliError::layer("eval", e))?;
    if args.json {
        let mut value = json(&report);
        // Only when set, so that the default output stays as it was.
        if let (Some(d), Some(obj)) = (args.suppress_delta, value.as_object_mut()) {
            obj.insert("suppress_delta".into(), serde_json::json!(d));
        }
        crate::out::print_json(&value)
    } else {
        print_table(&report, args.suppress_delta);
        Ok(())
    }
}

/// The pipeline's GBDT parameters with the command line's `--growth`, `--trees`, `--depth`
/// and `--learning-rate` applied (each only when given).
fn gbdt_overrides(mut g: GbdtParams, args: &Args) -> Result<GbdtParams, CliError> {
    let triage = |e| CliError::layer("triage", e);
    if let Some(s) = &args.growth {
        g = g.growth(s.parse::<Growth>().map_err(triage)?);
    }
    if let Some(n) = args.trees {
        g = g.n_trees(n);
    }
    if let Some(lr) = args.learning_rate {
        g = g.learning_rate(lr);
    }
    if let Some(d) = args.depth {
        let (growth, leaves) = {
            let v = g.check_ref().map_err(triage)?;
            (v.growth(), v.max_leaves())
        };
        g = g.max_depth(Some(d));
        // A level-wise tree of depth d needs 2^d leaves; leaf-wise keeps its own leaf limit.
        if growth != Growth::LeafWise {
            g = g.max_leaves(leaves.max(1 << d.min(20)));
        }
    }
    Ok(g)
}

fn json(r: &EvalReport) -> serde_json::Value {
    let f = &r.pooled;
    serde_json::json!({
        "protocol": r.protocol,
        "model": r.model,
        "rows": f.rows,
        "orgs": f.orgs,
        "macro_f1": f.macro_f1,
        "macro_f1_argmax": f.macro_f1_argmax,
        "cross_fit": r.cross_fit,
        "prior_shift": r.prior_shift,
        "pr_auc": f.threat.pr_auc,
        "roc_auc": f.threat.roc_auc,
        "ece": f.threat.ece,
        "ece_bins": vigil_metrics::DEFAULT_ECE_BINS,
        "ece_uncalibrated": f.ece_uncalibrated,
        "brier": f.threat.brier,
        "suppression": f.threat.suppression,
        "suppression_oracle": f.threat.suppression_oracle,
        "org_mean_miss": f.threat.org_mean_miss,
        "ece_fold_mean": r.folds.iter().map(|x| x.threat.ece).sum::<f64>() / r.folds.len().max(1) as f64,
        "folds": r.folds,
        "top_features": r.top_features.iter().map(|(n, v)| serde_json::json!({"feature": n, "importance": v})).collect::<Vec<_>>(),
        "shared_orgs": r.shared_orgs,
        "feedback": r.feedback,
    })
}

fn print_table(r: &EvalReport, delta: Option<f64>) {
    let f = &r.pooled;
    // Which bound the suppression lines below certify.
    let bound = match delta {
        Some(d) => format!("miss <= alpha with probability >= {}", 1.0 - d),
        None => "expected miss <= alpha".to_owned(),
    };
    println!(
        "{} ({}), {} rows from {} organisations unseen in training",
        r.protocol, r.model, f.rows, f.orgs
    );
    println!(
        "macro-F1 (TP/BP/FP)      {:.4} ({:.4} without decision weights)",
        f.macro_f1, f.macro_f1_argmax
    );
    println!("PR-AUC  (TP vs rest)     {:.4}", f.threat.pr_auc);
    println!("ROC-AUC (TP vs rest)     {:.4}", f.threat.roc_auc);
    println!(
        "ECE (10 bins)            {:.4} calibrated, {:.4} uncalibrated",
        f.threat.ece, f.ece_uncalibrated
    );
    println!("Brier                    {:.4}", f.threat.brier);
    println!("suppression bound        {bound}");
    for s in &f.threat.suppression {
        println!(
            "suppression α={:<5} miss {:.4}  non-TP suppressed {:.4}",
            s.alpha, s.miss_rate, s.fp_suppressed
        );
    }
    for s in &f.threat.suppression_oracle {
        println!(
            "best threshold in hindsight α={:<5} miss {:.4}  non-TP suppressed {:.4}",
            s.alpha, s.miss_rate, s.fp_suppressed
        );
    }
    println!("fold  rows  macro-F1  PR-AUC  ROC-AUC  ECE");
    for (i, x) in r.folds.iter().enumerate() {
        println!(
            "{i:>4} {:>5}  {:.4}    {:.4}  {:.4}   {:.4}",
            x.rows, x.macro_f1, x.threat.pr_auc, x.threat.roc_auc, x.threat.ece
        );
    }
    println!("top features (normalised importance):");
    for (n, v) in &r.top_features {
        println!("  {n:<28} {v:.4}");
    }
    if let Some(fb) = &r.feedback {
        println!(
            "with analyst feedback (grades after {} s; {:.1}% of rows had some):",
            fb.lag_secs,
            100.0 * fb.rows_with_history
        );
        println!(
            "  ECE {:.4}  Brier {:.4}  PR-AUC {:.4}  ROC-AUC {:.4}",
            fb.threat.ece, fb.threat.brier, fb.threat.pr_auc, fb.threat.roc_auc
        );
        for s in &fb.threat.suppression {
            println!(
                "  suppression α={:<5} miss {:.4}  non-TP suppressed {:.4}",
                s.alpha, s.miss_rate, s.fp_suppressed
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use vigil_core::ParamGuard;
    use vigil_triage::gbdt::Growth;
    use vigil_triage::pipeline::{ModelKind, TriageParams};

    use super::{Args, gbdt_overrides};

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn gbdt(flags: &[&str]) -> vigil_triage::gbdt::GbdtValidParams {
        let argv = ["vigil", "--train", "x.csv"].iter().chain(flags);
        let args = Cli::try_parse_from(argv).unwrap().args;
        let base = TriageParams::new(ModelKind::Gbdt, 0).model.gbdt;
        gbdt_overrides(base, &args).unwrap().check().unwrap()
    }

    #[test]
    fn no_flags_keep_the_pipeline_default() {
        let want = TriageParams::new(ModelKind::Gbdt, 0)
            .model
            .gbdt
            .check()
            .unwrap();
        assert_eq!(gbdt(&[]), want);
    }

    #[test]
    fn oblivious_depth_is_the_capacity() {
        let p = gbdt(&["--growth", "oblivious", "--depth", "6", "--trees", "600"]);
        assert_eq!(p.growth(), Growth::Oblivious);
        assert_eq!(p.max_depth(), Some(6));
        assert_eq!(p.max_leaves(), 64);
        assert_eq!(p.n_trees(), 600);
    }

    #[test]
    fn leaf_wise_depth_keeps_the_leaf_limit() {
        let before = TriageParams::new(ModelKind::Gbdt, 0)
            .model
            .gbdt
            .check()
            .unwrap();
        let p = gbdt(&[
            "--growth",
            "leaf-wise",
            "--depth",
            "6",
            "--learning-rate",
            "0.06",
        ]);
        assert_eq!(p.max_depth(), Some(6));
        assert_eq!(p.max_leaves(), before.max_leaves());
        assert_eq!(p.learning_rate(), 0.06);
    }

    #[test]
    fn bad_growth_is_an_error() {
        let argv = ["vigil", "--train", "x.csv", "--growth", "sideways"];
        let args = Cli::try_parse_from(argv).unwrap().args;
        let base = TriageParams::new(ModelKind::Gbdt, 0).model.gbdt;
        assert!(gbdt_overrides(base, &args).is_err());
    }
}

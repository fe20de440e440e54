//! `vigil eval baseline`: unsupervised anomaly detection quality.
//!
//! - `--format nsl-kdd --train T --test S`: Half-Space Trees fitted on T's features (labels
//!   unused), scored on S; ROC-AUC and PR-AUC with attack as positive, mean over `--seeds`.
//! - `--format ait-ads FILES…`: per-host baselines over each scenario's alert stream; how
//!   each attack step's alerts rank against the same host's benign alerts.

use std::path::PathBuf;

use serde_json::json;
use vigil_baseline::{HstParams, ProfileParams};
use vigil_core::EntityKind;
use vigil_eval::baseline::{HostAlert, evaluate_host_streams, evaluate_vectors};
use vigil_io::nsl_kdd::{FrequencyEncoding, NslKddRecord, read_nsl_kdd};

use crate::CliError;
use crate::out::outln;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Data format: `nsl-kdd` or `ait-ads`.
    #[arg(long)]
    pub format: String,
    /// NSL-KDD training file (features only are used).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// NSL-KDD test file.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// AIT-ADS alert files (one scenario each).
    pub files: Vec<PathBuf>,
    /// Seeds to average over (NSL-KDD).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Also learn each test vector after scoring it (streaming mode).
    #[arg(long)]
    pub learn_on_test: bool,
    /// Steps with fewer alerts than this count as rare (AIT-ADS).
    #[arg(long, default_value_t = 100)]
    pub rare_below: usize,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
}

fn read_records(path: &PathBuf) -> Result<Vec<NslKddRecord>, CliError> {
    let reader = read_nsl_kdd(path).map_err(|e| CliError::layer("io", e))?;
    let mut out = Vec::new();
    for r in reader {
        // A malformed line is reported and skipped; the counts are in the output.
        match r {
            Ok(rec) => out.push(rec),
            Err(e) => eprintln!("vigil: {e}"),
        }
    }
    Ok(out)
}

fn nsl_kdd(args: &Args) -> Result<serde_json::Value, CliError> {
    let (Some(train), Some(test)) = (&args.train, &args.test) else {
        return Err(CliError::Usage(
            "--format nsl-kdd needs --train and --test".into(),
        ));
    };
    let train_recs = read_records(train)?;
    let test_recs = read_records(test)?;
    let enc = FrequencyEncoding::fit(&train_recs);
    let xtr: Vec<Vec<f64>> = train_recs.iter().map(|r| enc.encode(r)).collect();
    let xte: Vec<Vec<f64>> = test_recs.iter().map(|r| enc.encode(r)).collect();
    let y: Vec<bool> = test_recs.iter().map(NslKddRecord::is_attack).collect();
    let params = HstParams::default();
    let r = evaluate_vectors(&params, &xtr, &xte, &y, args.seeds, args.learn_on_test)
        .map_err(|e| CliError::layer("eval", e))?;
    Ok(json!({
        "format": "nsl-kdd",
        "detector": "half_space_trees",
        "params": params,
        "encoding": "protocol_type/service/flag → share of training records with that value (0 if unseen); 38 numeric columns unchanged",
        "roc_auc": r.roc_auc,
        "roc_auc_sd": r.roc_auc_sd,
        "pr_auc": r.pr_auc,
        "roc_auc_per_seed": r.roc_auc_per_seed,
        "seeds": args.seeds,
        "train_rows": r.train_rows,
        "test_rows": r.test_rows,
        "attack_share_test": r.positive_share,
        "learn_on_test": r.learn_on_test,
        "ns_per_vector": r.ns_per_vector,
    }))
}

fn ait_ads(args: &Args) -> Result<serde_json::Value, CliError> {
    if args.files.is_empty() {
        return Err(CliError::Usage("--format ait-ads needs alert files".into()));
    }
    let mut scenarios = Vec::new();
    let mut rejected = 0u64;
    for path in &args.files {
        let mut records = vigil_io::read_path(vigil_io::Format::AitAds, path)
            .map_err(|e| CliError::layer("io", e))?;
        let mut stream = Vec::new();
        for r in records.by_ref() {
            let Ok(alert) = r else {
                rejected += 1;
                continue;
            };
            let Some(host) = alert.entities_of(EntityKind::Host).next() else {
                continue;
            };
            stream.push(HostAlert {
                time: alert.time,
                host: host.value.clone(),
                alert_type: alert.detector.clone().unwrap_or_default(),
                source: alert.source.clone().unwrap_or_default(),
                step: alert.truth.as_ref().and_then(|t| t.step.clone()),
            });
        }
        // Streams must be in time order; the files nearly are, a stable sort makes sure.
        stream.sort_by_key(|a| a.time);
        scenarios.push(stream);
    }
    let r = evaluate_host_streams(&scenarios, &ProfileParams::default(), args.rare_below)
        .map_err(|e| CliError::layer("eval", e))?;
    let mut v = serde_json::to_value(&r).map_err(|e| CliError::layer("json", e))?;
    if let Some(m) = v.as_object_mut() {
        m.insert("format".into(), json!("ait-ads"));
        m.insert("scenarios".into(), json!(args.files.len()));
        m.insert("rejected_records".into(), json!(rejected));
    }
    Ok(v)
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), CliError> {
    let value = match args.format.as_str() {
        "nsl-kdd" => nsl_kdd(&args)?,
        "ait-ads" => ait_ads(&args)?,
        other => {
            return Err(CliError::Usage(format!(
                "unknown --format {other:?}: expected nsl-kdd or ait-ads"
            )));
        }
    };
    if args.json {
        crate::out::print_json(&value)
    } else {
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::layer("json", e))?
        );
        Ok(())
    }
}

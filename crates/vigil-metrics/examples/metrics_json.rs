//! Prints every model metric of a CSV as one JSON object, for cross-checks against other
//! implementations (`benches/peers/sklearn_check.py`).
//!
//! CSV columns (header required): `score,label,prob,truth,pred`, with `label` 0/1,
//! `prob` in [0, 1], `truth`/`pred` class indices.
//!
//! `cargo run -p vigil-metrics --example metrics_json -- data.csv [n_classes]`

use std::process::ExitCode;

use vigil_metrics::{
    DEFAULT_ECE_BINS, brier, ece, log_loss, macro_f1, pr_auc, pr_auc_trapezoid, precision_at_k,
    recall_at_fpr, roc_auc,
};

fn main() -> ExitCode {
    match run() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("metrics_json: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: metrics_json FILE.csv [n_classes]")?;
    let k: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let text = std::fs::read_to_string(&path)?;
    let (mut score, mut label, mut prob, mut truth, mut pred) =
        (vec![], vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let get = |i: usize| f.get(i).copied().ok_or("short row");
        score.push(get(0)?.parse::<f64>()?);
        label.push(get(1)?.trim() == "1");
        prob.push(get(2)?.parse::<f64>()?);
        truth.push(get(3)?.trim().parse::<usize>()?);
        pred.push(get(4)?.trim().parse::<usize>()?);
    }
    let n = score.len();
    Ok(serde_json::json!({
        "n": n,
        "roc_auc": roc_auc(&score, &label)?,
        "pr_auc": pr_auc(&score, &label)?,
        "pr_auc_trapezoid": pr_auc_trapezoid(&score, &label)?,
        "recall_at_fpr_0.01": recall_at_fpr(&score, &label, 0.01)?,
        "recall_at_fpr_0.1": recall_at_fpr(&score, &label, 0.1)?,
        "precision_at_100": precision_at_k(&score, &label, 100.min(n))?,
        "ece_10": ece(&prob, &label, DEFAULT_ECE_BINS)?,
        "brier": brier(&prob, &label)?,
        "log_loss": log_loss(&prob, &label)?,
        "macro_f1": macro_f1(&truth, &pred, k)?,
    }))
}

//! Analyst verdicts fed back into triage: GUIDE organisations the model never saw, each scored
//! alert by alert in time order, first by the model alone, then with a `VerdictMemory` that
//! is told each of that organisation's grades once it is a day old. The memory sits behind the
//! collaboration layer's `FeedbackHook` (`MemoryHook`: alerts in through `on_scored`, grades
//! through `on_verdict`), and is saved and reloaded at the end, as a service would across a
//! restart.
//!
//! ```text
//! cargo run --release --example verdict_feedback -- ../shared/datasets/guide/guide_sample.csv
//! ```
//!
//! The held-out organisations are the five largest; the model is trained on all the others.

use std::collections::VecDeque;
use std::process::ExitCode;

use vigil::core::{Alert, FeedbackHook, Fit, Score, VerdictEvent};
use vigil::io::{Format, read_path};
use vigil::metrics::{brier, ece, roc_auc};
use vigil::triage::calibrate::{MemoryHook, VerdictMemory, VerdictMemoryParams};
use vigil::triage::pipeline::{ModelKind, TriageParams};

/// How old a grade must be before the memory hears of it (analysts take time).
const LAG_SECS: i64 = 86_400;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: verdict_feedback GUIDE_CSV");
        return ExitCode::FAILURE;
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("verdict_feedback: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    // Graded alerts only; a bad row is reported and skipped.
    let mut alerts: Vec<Alert> = Vec::new();
    for record in read_path(Format::Guide, path)? {
        match record {
            Ok(a) if a.verdict.is_some() => alerts.push(a),
            Ok(_) => {}
            Err(e) => eprintln!("skipped: {e}"),
        }
    }
    // The five organisations with the most alerts are the new ones.
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for a in &alerts {
        *counts
            .entry(a.tenant.clone().unwrap_or_default())
            .or_default() += 1;
    }
    let mut by_size: Vec<(String, usize)> = counts.into_iter().collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let held: Vec<String> = by_size.into_iter().take(5).map(|(o, _)| o).collect();
    let (new, train): (Vec<Alert>, Vec<Alert>) = alerts
        .into_iter()
        .partition(|a| held.iter().any(|o| a.tenant.as_deref() == Some(o.as_str())));
    let pipeline = TriageParams::new(ModelKind::Gbdt, 0).fit(&train)?;
    println!(
        "model trained on {} alerts of other organisations; grades reach the memory after {} h",
        train.len(),
        LAG_SECS / 3600
    );
    println!(
        "organisation  alerts  TP share   ROC-AUC model/with   ECE model/with   Brier model/with"
    );
    let hook = MemoryHook::new(VerdictMemoryParams::default().check()?.build(), 100_000);
    for org in &held {
        let mut mine: Vec<Alert> = new
            .iter()
            .filter(|a| a.tenant.as_deref() == Some(org.as_str()))
            .cloned()
            .collect();
        mine.sort_by_key(|a| a.time);
        let (cold, warm) = replay(&pipeline, &mine, &hook)?;
        let threat: Vec<bool> = mine
            .iter()
            .map(|a| a.verdict.is_some_and(|v| v.index() == 0))
            .collect();
        let tp = threat.iter().filter(|t| **t).count() as f64 / mine.len().max(1) as f64;
        // An organisation with one grade only has no ranking: chance, 0.5.
        let auc = |p: &[f64]| roc_auc(p, &threat).unwrap_or(0.5);
        let cal = |p: &[f64]| ece(p, &threat, 10).unwrap_or(0.0);
        let bri = |p: &[f64]| brier(p, &threat).unwrap_or(0.0);
        println!(
            "{org:>12}  {:>6}  {:>7.1}%   {:.3} / {:.3}      {:.3} / {:.3}    {:.3} / {:.3}",
            mine.len(),
            100.0 * tp,
            auc(&cold),
            auc(&warm),
            cal(&cold),
            cal(&warm),
            bri(&cold),
            bri(&warm)
        );
    }
    // A service would save the memory on shutdown and load it on start: same answers after.
    let mut bytes = Vec::new();
    hook.with_memory(|m| m.save(&mut bytes))?;
    let reloaded = VerdictMemory::load(bytes.as_slice())?;
    let probe = new.first().ok_or("no held-out alert")?;
    let same = hook.confidence_for(probe, 0.5) == reloaded.confidence_for(probe, 0.5);
    let s = hook.stats();
    println!(
        "memory: {} verdicts recorded ({} unmatched, {} evicted), {} organisations, saved in {} bytes; reloaded answers the same: {same}",
        s.recorded,
        s.unmatched,
        s.evicted,
        reloaded.organisations(),
        bytes.len()
    );
    Ok(())
}

/// One organisation's alerts (in time order) scored by the model alone and with the memory:
/// before each alert is scored, the hook hears every grade at least [`LAG_SECS`] old.
fn replay(
    pipeline: &vigil::triage::pipeline::TriagePipeline,
    alerts: &[Alert],
    hook: &MemoryHook,
) -> Result<(Vec<f64>, Vec<f64>), Box<dyn std::error::Error>> {
    // The model's calibrated threat probability for each alert.
    let cold = pipeline.confidences_adapted(alerts)?;
    let mut ungraded: VecDeque<&Alert> = VecDeque::new();
    let mut warm = Vec::with_capacity(alerts.len());
    for (alert, &c) in alerts.iter().zip(&cold) {
        while let Some(old) = ungraded.front().copied() {
            if old.time.timestamp() >= alert.time.timestamp() - LAG_SECS {
                break;
            }
            if let Some(verdict) = old.verdict {
                hook.on_verdict(&VerdictEvent {
                    alert_id: old.id.clone(),
                    verdict,
                    analyst: "analyst".into(),
                    at: old.time,
                    detector: old.detector.clone(),
                    reason: None,
                });
            }
            ungraded.pop_front();
        }
        warm.push(hook.confidence_for(alert, c));
        // The hook keeps the model's confidence, not the adjusted one.
        hook.on_scored(alert, &Score::new(c, c));
        ungraded.push_back(alert);
    }
    Ok((cold, warm))
}

//! The feedback study end to end on small synthetic streams, with the stand-in model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::LogRegParams;
use ndarray::Array2;
use vigil_core::{Alert, FeatureSchema, GroundTruth, SplitMix64};
use vigil_feedback::experiment::{ExperimentParams, Stream, run};

/// A network: benign alerts of detectors b0..b3 over two days, and an attack with three
/// phases of distinct sizes raised by detectors a0 and a1.
fn stream(name: &str, seed: u64) -> Stream {
    let mut rng = SplitMix64::new(seed);
    let t0 = 1_700_000_000_i64;
    let mut alerts = Vec::new();
    let mut rows = Vec::new();
    for i in 0..1200 {
        let t = t0 + (i as i64) * 150 + rng.below(100) as i64;
        let (det, attack, phase) = match i {
            600..=640 => ("a0", true, Some("scan")),
            700..=703 => ("a1", true, Some("exploit")),
            900 => ("a1", true, Some("escalate")),
            _ => (["b0", "b1", "b2", "b3"][rng.below(4) as usize], false, None),
        };
        let mut a = Alert::new(
            format!("{name}-{i}"),
            chrono::DateTime::from_timestamp(t, 0).unwrap(),
            det,
        );
        a.detector = Some(det.into());
        a.truth = Some(GroundTruth {
            malicious: attack,
            phase: phase.map(String::from),
            step: attack.then(|| "step".to_string()),
        });
        let m = if attack { 2.0 } else { -1.0 };
        rows.push([m + rng.normal(), m * 0.5 + rng.normal()]);
        alerts.push(a);
    }
    let mut x = Array2::zeros((rows.len(), 2));
    for (i, r) in rows.iter().enumerate() {
        x[[i, 0]] = r[0];
        x[[i, 1]] = r[1];
    }
    Stream::new(name, alerts, x, FeatureSchema::new(["x1", "x2"])).unwrap()
}

fn params() -> ExperimentParams {
    let mut p = ExperimentParams {
        budget: 60,
        per_step: 6,
        per_stratum: 100,
        ..ExperimentParams::default()
    };
    p.trainer.compare.resamples = 300;
    p.autonomy.min_audits = 20;
    p
}

#[test]
fn study_runs_within_budget_and_is_deterministic() {
    let train = [stream("n1", 1), stream("n2", 2), stream("n3", 3)];
    let test = [stream("n4", 4)];
    let report = run(&LogRegParams::default(), &train, &test, &params()).unwrap();
    let again = run(&LogRegParams::default(), &train, &test, &params()).unwrap();
    assert_eq!(report, again, "same seed, same report");

    let f = &report.final_figures;
    assert!(f.verdicts <= 60 && f.verdicts > 0, "{f:?}");
    assert_eq!(f.phases, 3);
    assert_eq!(f.benign, 1200 - 41 - 4 - 1);
    assert!((0.0..=1.0).contains(&f.fp_suppressed) && (0.0..=1.0).contains(&f.miss_rate));
    // The classes are well separated: most benign alerts go, no phase is lost.
    assert!(f.fp_suppressed > 0.5, "{f:?}");
    assert_eq!(f.phases_fully_missed, 0, "{:?}", report.networks[0].phases);

    let n = &report.networks[0];
    assert_eq!(n.promotions + n.rejections, n.retrainings.len());
    assert_eq!(report.promotions + report.rejections, n.retrainings.len());
    assert!(!n.retrainings.is_empty());
    // Curve: starts at 0 verdicts, never decreasing, ends within budget.
    assert_eq!(report.curve.first().unwrap().verdicts, 0);
    assert!(
        report
            .curve
            .windows(2)
            .all(|w| w[0].verdicts <= w[1].verdicts)
    );
    // Autonomy: every benign detector earned it before the replay, and it is logged.
    assert!(n.autonomy.iter().any(|e| e.detector == "b0"));
    assert!(n.autonomy.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
}

#[test]
fn without_autonomy_evidence_nothing_is_suppressed() {
    let train = [stream("n1", 1), stream("n2", 2)];
    let test = [stream("n4", 4)];
    let mut p = params();
    p.autonomy.min_audits = 1_000_000; // no detector can earn autonomy
    let report = run(&LogRegParams::default(), &train, &test, &p).unwrap();
    assert_eq!(report.final_figures.benign_suppressed, 0);
    assert_eq!(report.final_figures.miss_rate, 0.0);
}

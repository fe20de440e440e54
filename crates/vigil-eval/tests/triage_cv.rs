//! The GUIDE protocol on synthetic GUIDE-shaped alerts: grouped k-fold learns what carries
//! across organisations.

#![allow(clippy::unwrap_used)] // tests may unwrap

use vigil_eval::triage::FeedbackReplay;
use vigil_triage::pipeline::{ModelKind, TriageParams};

#[test]
fn pipeline_learns_detector_grades_on_unseen_orgs() {
    let data = vigil_triage::features::guide::synthetic(900, 3);
    let mut params = TriageParams::new(ModelKind::Gbdt, 1);
    params.model.gbdt = params.model.gbdt.clone().n_trees(20).learning_rate(0.2);
    params.features.inner_folds = 3;
    let report =
        vigil_eval::triage::cross_validate(&data, &params, 3, 1, Some(FeedbackReplay::lag(3600)))
            .unwrap();
    assert!(report.pooled.macro_f1 > 0.6, "{:?}", report.pooled);
    assert!(report.pooled.threat.roc_auc > 0.75, "{:?}", report.pooled);
    assert_eq!(report.folds.len(), 3);
    assert_eq!(report.pooled.threat.suppression.len(), 2);
    // Every fold's organisations are unseen: a grouped split never shares one.
    assert_eq!(report.shared_orgs, 0);
    // The feedback replay scores the same rows, with fitted widths per fold.
    let fb = report.feedback.unwrap();
    assert_eq!(fb.lag_secs, 3600);
    assert_eq!(fb.sigmas.len(), 3);
    assert!((0.0..=1.0).contains(&fb.rows_with_history));
    assert!((0.0..=1.0).contains(&fb.threat.ece), "{fb:?}");
    assert!(fb.threat.roc_auc > 0.5, "{fb:?}");
    assert_eq!(fb.threat.suppression.len(), 2);
}

#[test]
fn the_feedback_replay_fits_on_every_training_organisation_when_cross_fitting() {
    let data = vigil_triage::features::guide::synthetic(300, 2);
    let mut params = TriageParams::new(ModelKind::Gbdt, 1);
    params.model.gbdt = params.model.gbdt.clone().n_trees(5);
    params.features.inner_folds = 3;
    params.cross_fit = Some(3);
    let fb = FeedbackReplay {
        lag_secs: 0,
        shared: true,
    };
    let report = vigil_eval::triage::cross_validate(&data, &params, 3, 0, Some(fb)).unwrap();
    assert_eq!(report.cross_fit, Some(3));
    let fb = report.feedback.unwrap();
    assert_eq!(fb.sigmas.len(), 3);
    // Sharing was asked for: one chosen shared width per fold (0 allowed).
    assert_eq!(fb.sigma_shared.len(), 3);
    assert!(fb.sigma_shared.iter().all(|s| *s >= 0.0), "{fb:?}");
    assert!((0.0..=1.0).contains(&fb.threat.ece), "{fb:?}");
    assert_eq!(fb.threat.suppression.len(), 2);
}

#[test]
fn fewer_than_two_folds_is_a_typed_error() {
    let data = vigil_triage::features::guide::synthetic(60, 1);
    let params = TriageParams::new(ModelKind::Gbdt, 1);
    assert!(matches!(
        vigil_eval::triage::cross_validate(&data, &params, 1, 0, None),
        Err(vigil_eval::EvalError::InvalidParameter { name: "folds", .. })
    ));
}

#[test]
fn data_too_small_for_the_protocol_is_a_typed_error() {
    use vigil_eval::error::EvalError;
    let params = TriageParams::new(ModelKind::Gbdt, 1);
    let mut data = vigil_triage::features::guide::synthetic(60, 1);
    // Fewer organisations than folds: some fold would test nothing.
    for a in &mut data {
        a.tenant = Some(if a.id.len() % 2 == 0 { "a" } else { "b" }.into());
    }
    let err = vigil_eval::triage::cross_validate(&data, &params, 3, 0, None).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::InsufficientData {
                needed: 3,
                found: 2,
                ..
            }
        ),
        "{err}"
    );
    // No graded alerts at all, on either side of a train/test evaluation.
    for a in &mut data {
        a.verdict = None;
    }
    let graded = vigil_triage::features::guide::synthetic(60, 1);
    for (train, test) in [(&data, &graded), (&graded, &data)] {
        let err = vigil_eval::triage::train_test(train, test, &params, None).unwrap_err();
        assert!(
            matches!(err, EvalError::InsufficientData { found: 0, .. }),
            "{err}"
        );
    }
    let err = vigil_eval::triage::cross_validate(&data, &params, 3, 0, None).unwrap_err();
    assert!(
        matches!(err, EvalError::InsufficientData { found: 0, .. }),
        "{err}"
    );
}

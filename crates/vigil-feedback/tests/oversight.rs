//! Oversight: autonomy is granted on evidence, revoked on bad audits or drift, and every
//! decision is in an append-only log that survives reopening.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vigil_feedback::FeedbackError;
use vigil_feedback::oversight::{
    AuditLog, AuditTally, AutonomyAction, AutonomyEvent, AutonomyParams, AutonomyPolicy,
    JsonlAuditLog, MemoryAuditLog, QualityTracker,
};

fn t(s: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(s, 0).unwrap()
}

#[test]
fn grant_needs_evidence_and_bad_audits_revoke() {
    let mut p = AutonomyPolicy::new(AutonomyParams::default(), MemoryAuditLog::default());
    // 40 clean audits: upper bound 1 − 0.05^(1/40) ≈ 0.072 ≥ 0.05, no grant yet.
    for _ in 0..40 {
        p.record_audit("ids", false);
    }
    assert!(p.review("ids", t(1)).unwrap().is_none());
    for _ in 0..20 {
        p.record_audit("ids", false);
    }
    let g = p.review("ids", t(2)).unwrap().unwrap();
    assert_eq!(g.action, AutonomyAction::Grant);
    assert!(g.miss_upper < 0.05 && g.audited == 60);
    // Misses found by audits push the bound over alpha: revoked, with the reason logged.
    for _ in 0..3 {
        p.record_audit("ids", true);
    }
    let r = p.review("ids", t(3)).unwrap().unwrap();
    assert_eq!(r.action, AutonomyAction::Revoke);
    assert!(r.miss_upper >= 0.05 && r.reason.contains("3 misses in 63 audits"));
    assert!(!p.may_suppress("ids"));
    let log = p.log().events().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].seq, log[1].seq), (0, 1));
}

#[test]
fn drift_revokes_and_clears_evidence() {
    let mut p = AutonomyPolicy::new(AutonomyParams::default(), MemoryAuditLog::default());
    p.import_audits(
        "a",
        AuditTally {
            audited: 500,
            misses: 0,
        },
    );
    p.import_audits(
        "b",
        AuditTally {
            audited: 500,
            misses: 0,
        },
    );
    p.review("a", t(0)).unwrap();
    p.review("b", t(0)).unwrap();
    assert_eq!(p.granted(), vec!["a".to_string(), "b".to_string()]);
    let revoked = p.on_drift(None, t(5), "ADWIN").unwrap();
    assert_eq!(revoked.len(), 2);
    assert!(
        revoked
            .iter()
            .all(|e| e.action == AutonomyAction::Revoke && e.reason.contains("drift"))
    );
    // The old evidence is gone: the grant must be earned again after the change.
    assert_eq!(p.tally("a"), AuditTally::default());
    assert!(p.review("a", t(6)).unwrap().is_none());
}

#[test]
fn jsonl_log_is_durable_and_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autonomy.jsonl");
    // A policy on the log at `path` with 100 clean audits of `ids`: reviewing it grants.
    let open = || {
        let mut p = AutonomyPolicy::open(
            AutonomyParams::default(),
            JsonlAuditLog::open(&path).unwrap(),
        )
        .unwrap();
        p.import_audits(
            "ids",
            AuditTally {
                audited: 100,
                misses: 0,
            },
        );
        p
    };
    open().review("ids", t(1)).unwrap();
    // Reopened: the earlier entry is there and numbering continues after it.
    let mut p = open();
    p.review("ids", t(2)).unwrap();
    p.on_drift(Some("ids"), t(3), "PH").unwrap();
    let events = p.log().events().unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(events[2].action, AutonomyAction::Revoke);
}

/// A policy granting `ids` on `log` (100 clean audits imported).
fn grant_ids<L: AuditLog>(p: &mut AutonomyPolicy<L>, at: i64) -> Result<u64, FeedbackError> {
    p.import_audits(
        "ids",
        AuditTally {
            audited: 100,
            misses: 0,
        },
    );
    let e = p.review("ids", t(at))?.unwrap();
    p.on_drift(Some("ids"), t(at), "test")?;
    Ok(e.seq)
}

/// Regression: a log damaged in its middle made `AutonomyPolicy::new` restart numbering at 0,
/// so new entries reused the numbers of the old ones. `open` now refuses it naming the line;
/// `new` continues past every number the log holds, the damaged line's included.
#[test]
fn a_log_damaged_in_the_middle_is_named_and_no_number_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autonomy.jsonl");
    let mut p = AutonomyPolicy::open(
        AutonomyParams::default(),
        JsonlAuditLog::open(&path).unwrap(),
    )
    .unwrap();
    for i in 0..3 {
        grant_ids(&mut p, i).unwrap();
    }
    drop(p);
    // Six entries (seq 0..=5); damage line 3 and, in line 6, the text after its number.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 6);
    lines[2] = "{\"seq\":2,\"at\":garbage".into();
    lines[5].truncate(12);
    assert!(lines[5].starts_with("{\"seq\":5,"), "{}", lines[5]);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let err = AutonomyPolicy::open(
        AutonomyParams::default(),
        JsonlAuditLog::open(&path).unwrap(),
    )
    .unwrap_err();
    match &err {
        FeedbackError::AuditLogEntry { path: p, line, .. } => {
            assert_eq!((p.as_str(), *line), (path.to_str().unwrap(), 3), "{err}");
        }
        other => panic!("expected AuditLogEntry, got {other:?}"),
    }
    assert!(err.to_string().contains("line 3"), "{err}");

    let mut p = AutonomyPolicy::new(
        AutonomyParams::default(),
        JsonlAuditLog::open(&path).unwrap(),
    );
    assert_eq!(grant_ids(&mut p, 10).unwrap(), 6);
    // A damaged last line whose number cannot be read still counts as used.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("###\n");
    std::fs::write(&path, text).unwrap();
    let mut p = AutonomyPolicy::new(
        AutonomyParams::default(),
        JsonlAuditLog::open(&path).unwrap(),
    );
    assert_eq!(grant_ids(&mut p, 11).unwrap(), 9);
}

/// A log that cannot be read while the policy opens: decisions are refused (not numbered
/// from 0) until it reads again, then numbering continues after its entries.
#[test]
fn a_log_that_cannot_be_read_refuses_decisions_until_it_can() {
    #[derive(Default)]
    struct Flaky {
        inner: MemoryAuditLog,
        down: std::cell::Cell<bool>,
    }
    impl AuditLog for Flaky {
        fn append(&mut self, e: &AutonomyEvent) -> Result<(), FeedbackError> {
            self.inner.append(e)
        }
        fn events(&self) -> Result<Vec<AutonomyEvent>, FeedbackError> {
            if self.down.get() {
                return Err(FeedbackError::AuditLog {
                    path: "flaky".into(),
                    reason: "down".into(),
                });
            }
            self.inner.events()
        }
    }
    let mut log = Flaky::default();
    let mut p = AutonomyPolicy::new(AutonomyParams::default(), std::mem::take(&mut log.inner));
    grant_ids(&mut p, 0).unwrap();
    log.inner = p.log().clone();
    log.down.set(true);
    assert!(
        AutonomyPolicy::open(
            AutonomyParams::default(),
            Flaky {
                inner: log.inner.clone(),
                down: true.into()
            }
        )
        .is_err()
    );
    let mut p = AutonomyPolicy::new(AutonomyParams::default(), log);
    assert!(matches!(
        grant_ids(&mut p, 1),
        Err(FeedbackError::AuditLog { .. })
    ));
    assert!(
        !p.may_suppress("ids"),
        "a decision that is not logged is not taken"
    );
    p.log().down.set(false);
    assert_eq!(grant_ids(&mut p, 2).unwrap(), 2);
    let seqs: Vec<u64> = p.log().events().unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![0, 1, 2, 3]);
}

#[test]
fn quality_per_group() {
    let mut q = QualityTracker::default();
    // Detector x: 2 threats (one suppressed), 2 benign (one surfaced).
    q.record("x", 0.9, false, true);
    q.record("x", 0.01, true, true);
    q.record("x", 0.6, false, false);
    q.record("x", 0.02, true, false);
    let r = &q.report()[0];
    assert_eq!(r.alerts, 4);
    assert_eq!(r.precision, 0.5);
    assert_eq!(r.fpr, 0.5);
    assert_eq!(r.miss_rate, 0.5);
    assert!(r.ece > 0.0 && r.brier > 0.0);
}

//! Oversight: autonomy is granted on evidence, revoked on bad audits or drift, and every
//! decision is in an append-only log that survives reopening.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_feedback::oversight::{
    AuditLog, AuditTally, AutonomyAction, AutonomyParams, AutonomyPolicy, JsonlAuditLog,
    MemoryAuditLog, QualityTracker,
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
        let mut p = AutonomyPolicy::new(
            AutonomyParams::default(),
            JsonlAuditLog::open(&path).unwrap(),
        );
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

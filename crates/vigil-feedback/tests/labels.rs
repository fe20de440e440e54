//! Label quality: the consensus rule, analyst flagging and the influence cap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use proptest::prelude::*;
use vigil_core::Verdict;
use vigil_feedback::labels::{AnalystLedger, LedgerParams, cap_influence, resolve};
use vigil_feedback::store::StoredVerdict;

fn sv(id: u64, alert: &str, analyst: &str, v: Verdict, t: i64) -> StoredVerdict {
    StoredVerdict {
        id,
        event: common::event(alert, v, analyst, t),
    }
}

#[test]
fn tie_goes_to_the_most_recent_verdict() {
    let labels = resolve(
        &[
            sv(0, "a", "x", Verdict::TruePositive, 10),
            sv(1, "a", "y", Verdict::FalsePositive, 20),
        ],
        &AnalystLedger::default(),
    );
    assert_eq!(labels[0].verdict, Verdict::FalsePositive);
    assert!(labels[0].contested);
    assert!((labels[0].support - 0.5).abs() < 1e-12);
}

#[test]
fn repeating_a_verdict_adds_no_weight() {
    let labels = resolve(
        &[
            sv(0, "a", "x", Verdict::TruePositive, 1),
            sv(1, "a", "x", Verdict::TruePositive, 2),
            sv(2, "a", "x", Verdict::TruePositive, 3),
            sv(3, "a", "y", Verdict::FalsePositive, 4),
            sv(4, "a", "z", Verdict::FalsePositive, 5),
        ],
        &AnalystLedger::default(),
    );
    assert_eq!(labels[0].verdict, Verdict::FalsePositive);
}

#[test]
fn a_contrarian_is_flagged_and_loses_weight() {
    let mut vs = Vec::new();
    let mut id = 0;
    for i in 0..40 {
        let alert = format!("a{i}");
        let truth = if i % 3 == 0 {
            Verdict::TruePositive
        } else {
            Verdict::FalsePositive
        };
        let flipped = if truth == Verdict::TruePositive {
            Verdict::FalsePositive
        } else {
            Verdict::TruePositive
        };
        for (who, v) in [("ana", truth), ("bob", truth), ("eve", flipped)] {
            vs.push(sv(id, &alert, who, v, id as i64));
            id += 1;
        }
    }
    let mut ledger = AnalystLedger::new(LedgerParams::default()).unwrap();
    ledger.observe_verdicts(&vs);
    assert!(ledger.is_flagged("eve"));
    assert!(!ledger.is_flagged("ana") && !ledger.is_flagged("bob"));
    assert!(ledger.weight("eve", None) < 0.1 * ledger.weight("ana", None));
    // Eve alone against one honest analyst no longer wins ties.
    let labels = resolve(
        &[
            sv(1000, "z", "ana", Verdict::FalsePositive, 0),
            sv(1001, "z", "eve", Verdict::TruePositive, 9),
        ],
        &ledger,
    );
    assert_eq!(labels[0].verdict, Verdict::FalsePositive);
}

proptest! {
    /// After capping, no source holds more than the cap (when the cap is feasible), weights
    /// only shrink, and sources under the cap keep their weights.
    #[test]
    fn influence_cap_holds(
        rows in prop::collection::vec((0usize..6, 0.01f64..10.0), 1..80),
        cap in 0.2f64..0.9,
    ) {
        let sources: Vec<String> = rows.iter().map(|(s, _)| format!("s{s}")).collect();
        let before: Vec<f64> = rows.iter().map(|(_, w)| *w).collect();
        let mut w = before.clone();
        cap_influence(&sources, &mut w, cap);
        let total: f64 = w.iter().sum();
        let distinct: std::collections::BTreeSet<&String> = sources.iter().collect();
        for s in &distinct {
            let share: f64 = sources.iter().zip(&w).filter(|(x, _)| x == s).map(|(_, w)| w).sum::<f64>() / total;
            if cap * distinct.len() as f64 > 1.0 {
                prop_assert!(share <= cap + 1e-9, "{s}: {share} > {cap}");
            }
        }
        for (a, b) in w.iter().zip(&before) {
            prop_assert!(*a <= *b + 1e-12);
        }
    }
}

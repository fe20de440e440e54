//! The demo end to end on a small enterprise: deterministic by seed, and Vigil beats the
//! traditional queue in the replay.

use vigil_eval::demo::{DemoParams, EnterpriseParams, run_demo};

fn small(seed: u64) -> DemoParams {
    DemoParams {
        seed,
        enterprise: EnterpriseParams {
            workstations: 40,
            servers: 4,
            days: 2,
            ..EnterpriseParams::default()
        },
        analysts: 1,
        ..DemoParams::default()
    }
}

#[test]
fn demo_is_deterministic_and_vigil_detects_more() {
    let a = run_demo(&small(5), &mut |_| {}).unwrap();
    let b = run_demo(&small(5), &mut |_| {}).unwrap();
    let ja = serde_json::to_string(&a.json(5).unwrap()).unwrap();
    let jb = serde_json::to_string(&b.json(5).unwrap()).unwrap();
    assert_eq!(ja, jb);
    assert_eq!(a.scores, b.scores);
    let j = a.json(5).unwrap();
    assert_eq!(j.traditional.phases_total, 7);
    assert!(j.vigil.phases_detected >= j.traditional.phases_detected);
    assert!(j.vigil.unaddressed_share <= j.traditional.unaddressed_share);
    // A different seed is a different enterprise.
    let c = run_demo(&small(6), &mut |_| {}).unwrap();
    assert_ne!(c.enterprise.name, a.enterprise.name);
}

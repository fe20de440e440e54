//! Coverage loaders on the real ATT&CK bundle and Sigma rules (skipped when absent).

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use vigil_core::TechniqueId;
use vigil_metrics::{AttackCatalogue, Coverage, SigmaRules};

#[test]
fn attack_bundle_and_sigma_rules() {
    let Some(root) = vigil_io::datasets::root() else {
        println!("skipping: datasets folder not found (set VIGIL_DATASETS)");
        return;
    };
    let bundle = root.join("attack/enterprise-attack-v18.1.reconstructed.json.gz");
    let sigma = root.join("sigma");
    if !bundle.is_file() || !sigma.is_dir() {
        println!(
            "skipping: {} or {} missing",
            bundle.display(),
            sigma.display()
        );
        return;
    }
    let cat = AttackCatalogue::load(&bundle).unwrap();
    // v18.1: 691 live techniques and sub-techniques (the CSV beside the bundle lists the same).
    assert_eq!(cat.active_techniques().count(), 691);
    assert_eq!(cat.tactics().len(), 14);
    assert_eq!(cat.tactics()[0].shortname, "reconnaissance");
    let t = cat
        .technique(&TechniqueId::parse("T1059.001").unwrap())
        .unwrap();
    assert_eq!(t.name, "PowerShell");
    assert!(t.tactics.iter().any(|s| s == "execution"));

    let rules = SigmaRules::load_root(&sigma).unwrap();
    assert!(rules.len() > 3_000, "{} rules", rules.len());
    let cov = Coverage::of(&cat, &rules.techniques());
    assert!(cov.covered > 100 && cov.covered <= cov.total);
    assert_eq!(cov.per_tactic.len(), 14);
    for tc in &cov.per_tactic {
        assert!(tc.covered <= tc.total);
    }
    println!(
        "sigma: {} rules cover {}/{} techniques ({:.1}%), {} sub-techniques, {} unknown ids",
        rules.len(),
        cov.covered,
        cov.total,
        100.0 * cov.share,
        cov.subtechniques_covered,
        cov.unknown.len()
    );
}

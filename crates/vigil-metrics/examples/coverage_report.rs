//! ATT&CK coverage of the Sigma rule set, per tactic, as a report folder and a JSON line.
//!
//! `cargo run -p vigil-metrics --example coverage_report -- ../shared/datasets /tmp/coverage`

use std::path::PathBuf;

use vigil_metrics::report::{Plot, Report, coverage_table};
use vigil_metrics::{AttackCatalogue, Coverage, MetricsError, SigmaRules};

fn main() -> Result<(), MetricsError> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "../shared/datasets".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "coverage-report".into()));
    let catalog =
        AttackCatalogue::load(&data.join("attack/enterprise-attack-v18.1.reconstructed.json.gz"))?;
    let all = SigmaRules::load_root(&data.join("sigma"))?;
    let core = SigmaRules::load_dir(&data.join("sigma/rules"))?;
    let cov_all = Coverage::of(&catalog, &all.techniques());
    let cov_core = Coverage::of(&catalog, &core.techniques());
    let name_all = format!("all Sigma folders ({} rules)", all.len());
    let name_core = format!("rules/ ({} rules)", core.len());
    let sets = [
        (name_all.as_str(), &cov_all),
        (name_core.as_str(), &cov_core),
    ];
    let written = Report::new("ATT&CK v18.1 coverage of the Sigma rules")
        .text("Techniques named by the rules' attack.tNNNN tags, against the live techniques of ATT&CK Enterprise v18.1.")
        .table(coverage_table("Coverage per tactic", &sets))
        .plot(Plot::coverage("ATT&CK coverage per tactic", &sets))
        .write(&out)?;
    let json = serde_json::json!({
        "report": written.index,
        "rules": all.len(),
        "techniques_total": cov_all.total,
        "techniques_covered": cov_all.covered,
        "share": cov_all.share,
        "subtechniques_covered": cov_all.subtechniques_covered,
        "subtechniques_total": cov_all.subtechniques_total,
        "unknown_ids": cov_all.unknown,
        "core_rules": core.len(),
        "core_share": cov_core.share,
    });
    println!("{json}");
    Ok(())
}

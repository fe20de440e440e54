//! ATT&CK detection coverage: which techniques a set of detectors (or the alerts that fired)
//! covers, overall and per tactic.

mod sigma;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use vigil_core::{Alert, TechniqueId};

pub use sigma::{SigmaRule, SigmaRules};
/// The catalogue is vigil-io's ATT&CK reader, shared with enrichment.
pub use vigil_io::attack::{AttackCatalogue, Tactic, Technique};

/// Coverage of one tactic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TacticCoverage {
    /// Tactic id (`TA0002`).
    pub id: String,
    /// Short name (`execution`).
    pub shortname: String,
    /// Display name.
    pub name: String,
    /// Techniques of the tactic covered.
    pub covered: usize,
    /// Techniques of the tactic.
    pub total: usize,
    /// `covered / total` (0 when the tactic has no technique).
    pub share: f64,
}

/// Detection coverage of the ATT&CK Enterprise matrix.
///
/// **Definition.** Counted on (parent) techniques: a technique is covered when the set names
/// it or any of its sub-techniques. `total` counts the catalogue's live parent techniques;
/// per tactic, a technique counts for every tactic it belongs to. Ids the catalogue does not
/// know (revoked, deprecated, or from another domain) are listed in `unknown` and count for
/// nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Techniques covered.
    pub covered: usize,
    /// Techniques in the catalogue.
    pub total: usize,
    /// `covered / total` (0 for an empty catalogue).
    pub share: f64,
    /// Sub-techniques named exactly (finer detail; not part of `share`).
    pub subtechniques_covered: usize,
    /// Sub-techniques in the catalogue.
    pub subtechniques_total: usize,
    /// Per tactic, in matrix order.
    pub per_tactic: Vec<TacticCoverage>,
    /// The covered technique ids, sorted.
    pub covered_ids: Vec<TechniqueId>,
    /// Ids given that the catalogue does not hold, sorted.
    pub unknown: Vec<TechniqueId>,
}

impl Coverage {
    /// Coverage of `techniques` in `catalog`.
    ///
    /// ```
    /// # use vigil_metrics::{AttackCatalogue, Coverage};
    /// # use vigil_core::TechniqueId;
    /// let json = r#"{"type":"bundle","objects":[
    ///   {"type":"attack-pattern","id":"a","name":"Cmd","external_references":[{"source_name":"mitre-attack","external_id":"T1059"}],
    ///    "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]},
    ///   {"type":"attack-pattern","id":"b","name":"PowerShell","x_mitre_is_subtechnique":true,
    ///    "external_references":[{"source_name":"mitre-attack","external_id":"T1059.001"}],
    ///    "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]},
    ///   {"type":"attack-pattern","id":"c","name":"Phishing","external_references":[{"source_name":"mitre-attack","external_id":"T1566"}],
    ///    "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"initial-access"}]}]}"#;
    /// let cat = AttackCatalogue::from_json(json.as_bytes(), "").unwrap();
    /// let c = Coverage::of(&cat, &[TechniqueId::parse("T1059.001").unwrap()]);
    /// assert_eq!((c.covered, c.total, c.subtechniques_covered), (1, 2, 1));
    /// ```
    pub fn of<'a>(
        catalog: &AttackCatalogue,
        techniques: impl IntoIterator<Item = &'a TechniqueId>,
    ) -> Self {
        let mut parents: BTreeSet<TechniqueId> = BTreeSet::new();
        let mut subs: BTreeSet<TechniqueId> = BTreeSet::new();
        let mut unknown: BTreeSet<TechniqueId> = BTreeSet::new();
        for t in techniques {
            match catalog.active(t) {
                Some(tech) => {
                    let parent = t.parent();
                    if tech.is_subtechnique {
                        subs.insert(t.clone());
                    }
                    if catalog.active(&parent).is_some() {
                        parents.insert(parent);
                    }
                }
                None => {
                    unknown.insert(t.clone());
                }
            }
        }
        let all_parents: Vec<&Technique> = catalog
            .active_techniques()
            .filter(|t| !t.is_subtechnique)
            .collect();
        let subtechniques_total = catalog
            .active_techniques()
            .filter(|t| t.is_subtechnique)
            .count();
        let per_tactic = catalog
            .tactics()
            .iter()
            .map(|tac| {
                let of_tactic = all_parents
                    .iter()
                    .filter(|t| t.tactics.contains(&tac.shortname));
                let (mut covered, mut total) = (0, 0);
                for t in of_tactic {
                    total += 1;
                    covered += usize::from(parents.contains(&t.id));
                }
                TacticCoverage {
                    id: tac.id.clone(),
                    shortname: tac.shortname.clone(),
                    name: tac.name.clone(),
                    covered,
                    total,
                    share: share(covered, total),
                }
            })
            .collect();
        Self {
            covered: parents.len(),
            total: all_parents.len(),
            share: share(parents.len(), all_parents.len()),
            subtechniques_covered: subs.len(),
            subtechniques_total,
            per_tactic,
            covered_ids: parents.into_iter().collect(),
            unknown: unknown.into_iter().collect(),
        }
    }
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The techniques of the detectors that fired: every alert's own techniques, plus, when
/// `rules` is given, the tags of the Sigma rule whose id or title matches the alert's
/// `detector` (else its `title`). Sorted, each once.
///
/// ```
/// # use vigil_core::{Alert, TechniqueId};
/// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
/// a.techniques.push(TechniqueId::parse("T1110").unwrap());
/// assert_eq!(vigil_metrics::techniques_fired(&[a], None).len(), 1);
/// ```
pub fn techniques_fired(alerts: &[Alert], rules: Option<&SigmaRules>) -> Vec<TechniqueId> {
    let mut out: BTreeSet<TechniqueId> = BTreeSet::new();
    for a in alerts {
        out.extend(a.techniques.iter().cloned());
        if let Some(rules) = rules {
            let rule = a
                .detector
                .as_deref()
                .and_then(|d| rules.get(d))
                .or_else(|| rules.get(&a.title));
            if let Some(r) = rule {
                out.extend(r.techniques.iter().cloned());
            }
        }
    }
    out.into_iter().collect()
}

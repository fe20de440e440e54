//! MITRE ATT&CK: the [`AttackCatalogue`] (technique → name, tactics, platforms, data sources)
//! and the [`AttackEnricher`].

mod catalogue;
mod enricher;

pub use catalogue::{AttackCatalogue, Tactic, Technique};
pub use enricher::AttackEnricher;

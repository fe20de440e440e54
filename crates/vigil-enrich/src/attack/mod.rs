//! MITRE ATT&CK: the [`AttackCatalogue`] (technique → name, tactics, platforms, data sources)
//! and the [`AttackEnricher`].

mod enricher;

pub use enricher::AttackEnricher;
/// The catalogue is vigil-io's reader, shared with the coverage metrics.
pub use vigil_io::attack::{AttackCatalogue, Tactic, Technique};

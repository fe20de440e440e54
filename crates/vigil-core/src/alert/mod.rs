//! The alert model: what a detector raised, about which entities, and what is known of it.

mod entity;
mod model;
mod severity;
mod technique;
mod verdict;

pub use entity::{Entity, EntityKind, EntityRole};
pub use model::Alert;
pub use severity::Severity;
pub use technique::TechniqueId;
pub use verdict::{GroundTruth, Verdict};

//! # vigil-core
//!
//! The alert model, the shared traits and the errors that every Vigil layer composes through.
//! Layers never reach into each other's internals: a baseline, an enricher, a scorer or a
//! feedback hook is written against the traits here, so a product can mix Vigil's own
//! implementations with its own.
//!
//! - [`alert`]: [`Alert`], its [`Entity`]s, validated ATT&CK [`TechniqueId`]s, [`Severity`],
//!   the analyst [`Verdict`] and research [`GroundTruth`].
//! - [`incident`] and [`lifecycle`]: alerts grouped into incidents, and the log of when an alert
//!   was created, surfaced, triaged and resolved (from which MTTD and MTTR are computed).
//! - [`score`]: [`Score`], the one type every scorer returns.
//! - [`fit`]: linfa-style hyperparameters → checked parameters → fitted model.
//! - [`features`], [`scoring`], [`baseline`], [`enrich`], [`feedback`]: the layer traits
//!   ([`measure_name`]: the name a baseline's [`Deviation`] reports; [`deviations`]: the
//!   inline list of them an [`AnomalyScore`] carries).
//! - [`record`]: the per-record error and the conserved counts of every streaming reader.
//! - [`hash`] and [`rng`]: seeded hashing and a seeded generator, for determinism.
//! - [`cpu`]: the calling thread's CPU time, which every layer's benchmark reports.
//!
//! ```
//! use vigil_core::{Alert, Entity, EntityKind, EntityRole, Severity, TechniqueId};
//! use chrono::{TimeZone, Utc};
//!
//! # fn main() -> Result<(), vigil_core::CoreError> {
//! let time = Utc.timestamp_opt(1_642_213_952, 0).single().ok_or(vigil_core::CoreError::InvalidTime { value: 0 })?;
//! let mut alert = Alert::new("a-1", time, "Wazuh: ClamAV database update");
//! alert.severity = Severity::Low;
//! alert.techniques.push(TechniqueId::parse("T1059.001")?);
//! alert.entities.push(Entity::new(EntityKind::Host, "mail", EntityRole::Impacted));
//! assert_eq!(alert.entities_of(EntityKind::Host).count(), 1);
//! # Ok(())
//! # }
//! ```

pub mod alert;
pub mod baseline;
pub mod cpu;
pub mod deviations;
pub mod enrich;
pub mod error;
pub mod features;
pub mod feedback;
pub mod fit;
pub mod hash;
pub mod incident;
pub mod lifecycle;
pub mod measure_name;
pub mod record;
pub mod rng;
pub mod score;
pub mod scoring;

pub use alert::{
    Alert, Entity, EntityKind, EntityRole, GroundTruth, Severity, TechniqueId, Verdict,
};
pub use baseline::{AnomalyScore, Baseline, Deviation, Observation};
pub use deviations::Deviations;
pub use enrich::{
    AsyncEnricher, BoxFuture, ContextItem, ContextValue, EnrichFailure, Enricher, Enrichment,
    Provenance, Ready,
};
pub use error::CoreError;
pub use features::{FeatureExtractor, FeatureSchema, LabeledData};
pub use feedback::{FeedbackHook, VerdictEvent};
pub use fit::{Fit, ParamGuard};
pub use hash::{SeededMap, SeededSet, SeededState};
pub use incident::Incident;
pub use lifecycle::{LifecycleEvent, LifecycleLog, LifecycleStage};
pub use measure_name::MeasureName;
pub use record::{ReadStats, RecordError};
pub use rng::SplitMix64;
pub use score::{Contribution, Explanation, Priority, Score};
pub use scoring::{AlertScorer, Scorer};

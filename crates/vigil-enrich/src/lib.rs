//! # vigil-enrich
//!
//! Context assembled before an analyst looks at an alert: threat-intel matches, what ATT&CK
//! says of its techniques, whether a CVE in it is exploited, the asset and its owner, the
//! entity's usual behaviour, and the related events around it. Every item carries its
//! [`vigil_core::Provenance`]; a failing or slow enricher never loses the alert.
//!
//! - Built-in enrichers ([`vigil_core::Enricher`], in memory): [`ThreatIntelEnricher`] over an
//!   [`intel::IndicatorStore`], [`AttackEnricher`] over an [`AttackCatalogue`],
//!   [`KevEnricher`], [`AssetEnricher`], [`HistoryEnricher`] (any [`vigil_core::Baseline`]),
//!   [`RelatedEnricher`].
//! - Composition: a `Vec` of enrichers is the ordered sync pipeline (vigil-core);
//!   [`AsyncPipeline`] and [`FanOut`] compose [`vigil_core::AsyncEnricher`]s; [`layer`] holds
//!   tower-style timeout, cache, rate-limit and fallback layers.
//! - [`exec`]: a std-only `block_on`, `join_all` and timer, so no runtime is imposed.
//! - [`datasets`]: one call loads the standard sources of the shared data folder.
//!
//! ```
//! use std::sync::Arc;
//! use vigil_core::{Alert, Enricher, Entity, EntityKind, EntityRole};
//! use vigil_enrich::intel::{IndicatorStoreBuilder, IpRange};
//! use vigil_enrich::ThreatIntelEnricher;
//!
//! let mut b = IndicatorStoreBuilder::default();
//! let rfc = b.add_source("misp:rfc1918", true);
//! b.insert_range(rfc, IpRange::parse("192.168.0.0/16")?, 0);
//! let intel = ThreatIntelEnricher::new(Arc::new(b.build()), chrono::DateTime::UNIX_EPOCH, None);
//!
//! let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "Wazuh: login failed");
//! a.entities.push(Entity::new(EntityKind::Ip, "192.168.1.7", EntityRole::Actor));
//! intel.enrich_alert(&mut a);
//! assert!(a.enrichment.has_benign_match());
//! # Ok::<(), vigil_enrich::EnrichError>(())
//! ```

pub mod assets;
pub mod attack;
pub mod bench;
pub mod clock;
pub mod datasets;
pub mod error;
pub mod exec;
pub mod history;
pub mod intel;
pub mod kev;
pub mod layer;
mod lenient;
pub mod pipeline;
pub mod related;
pub mod report;
pub mod stream;

pub use assets::{Asset, AssetEnricher, AssetInventory};
pub use attack::{AttackCatalogue, AttackEnricher, Tactic, Technique};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::EnrichError;
pub use history::HistoryEnricher;
pub use intel::{IndicatorStore, ThreatIntelEnricher};
pub use kev::{KevCatalogue, KevEnricher};
pub use pipeline::{AsyncPipeline, Concurrent, FanOut, Sequential, Stage, Stages};
pub use related::{RelatedEnricher, RelatedIndex, RelatedParams};
pub use report::{FileReport, LoadReport, Reject, SkippedFile};

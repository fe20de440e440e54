//! Threat intelligence: an indicator store for IPs and CIDR ranges (v4 and v6), domains
//! (parent-domain match), URLs and file hashes, its loaders, and its enricher.
//!
//! - [`IndicatorStoreBuilder`] collects entries from any number of lists; [`IndicatorStore`]
//!   answers lookups (tens of nanoseconds, no allocation) with every matching entry, one at
//!   a time or in batches ([`IndicatorStore::for_each_batch`]) whose cache misses overlap.
//! - Loaders: [`load_misp_dir`] (MISP warninglists, known-benign), [`load_ipsum`] (reputation),
//!   [`stix::load_stix`] (STIX 2.1 equality patterns) and [`load_csv`]. Each returns a
//!   [`crate::FileReport`]: malformed entries are reported with file and line and skipped.
//! - [`ThreatIntelEnricher`] turns matches into [`vigil_core::ContextValue::ThreatIntel`].

mod batch;
mod csv_list;
mod enricher;
mod frozen;
mod ip;
mod ipsum;
mod keys;
mod misp;
mod normalize;
mod sets;
pub mod stix;
mod store;

pub use batch::{BATCH, QueryKind};
pub use csv_list::load_csv;
pub use enricher::ThreatIntelEnricher;
pub use frozen::anon_huge_kb;
pub use ip::IpRange;
pub use ipsum::load_ipsum;
pub use misp::{load_misp_dir, load_misp_list};
pub use normalize::{IndicatorKind, is_hash, normalize_domain, url_host};
pub use stix::load_stix;
pub use store::{
    IndicatorCounts, IndicatorStore, IndicatorStoreBuilder, Match, Matched, Source, SourceId,
};

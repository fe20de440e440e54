//! # vigil-baseline
//!
//! Behavioural baselining for a SOC: per-entity streaming profiles that learn what is normal
//! for each user, host, IP or process and score how far an event departs from it, in bounded
//! memory; and a streaming multivariate detector for numeric vectors.
//!
//! - [`EntityBaselines`] implements [`vigil_core::Baseline`]: event rate with hour-of-day and
//!   day-of-week seasonality, time-decayed and windowed mean/variance of measures, categorical
//!   novelty and rarity, distinct counts, peer-group profiles for cold start, sampled-LRU
//!   eviction under an entity cap, exact memory accounting, merge and versioned snapshots.
//! - Scores are surprisal in bits with calibrated tail probabilities; each
//!   [`vigil_core::Deviation`] names the measure, expected and observed.
//! - Hyperparameters follow the linfa pattern: [`ProfileParams`] →
//!   [`check`](vigil_core::ParamGuard::check) → [`ProfileConfig`] → [`EntityBaselines::new`].
//!
//! Usable with no other Vigil crate but `vigil-core`.

pub mod bench;
mod codec;
mod error;
pub mod eval;
mod fastmath;
mod hst;
mod merge;
mod model;
mod names;
mod params;
mod profile;
mod snapshot;
mod store;
mod view;

pub mod metrics;
pub mod stats;
pub mod tail;

pub use error::BaselineError;
pub use hst::{HalfSpaceTrees, HstConfig, HstParams};
pub use model::{EntityBaselines, MAX_CATEGORIES};
pub use params::{ProfileConfig, ProfileParams, Transform};
pub use snapshot::{SNAPSHOT_MAGIC, SNAPSHOT_VERSION};
pub use stats::Rarity;
pub use view::{DimensionProfile, EntityProfile, MeasureProfile};

//! # vigil-baseline
//!
//! Behavioural baselining for a SOC: per-entity streaming profiles that learn what is normal
//! for each user, host, IP or process and score how far an event departs from it, in bounded
//! memory; and a streaming multivariate detector for numeric vectors.
//!
//! ## Per-entity profiles: [`EntityBaselines`]
//!
//! Implements [`vigil_core::Baseline`] (`observe` = score against the past, then learn).
//! [`EntityBaselines::observe_batch`] does the same for a slice of observations, in order, with
//! the cache misses of many profiles overlapped (the fast path when profiles outnumber the
//! cache).
//! Per entity (key: seeded 64-bit hash of kind and name, so no string is stored) it keeps, in
//! one contiguous row of `80 + 48·measures + 44·dimensions` bytes (rounded up to 32):
//!
//! | component | statistic | score (tail probability → surprisal bits) |
//! |---|---|---|
//! | `rate` | time-decayed event counts, long (base rate) and short (current rate) half-life; hour-of-day and day-of-week histograms | Poisson upper tail of the *other* events in the short window against the base rate × this hour's × this day's share (given an event now, the others of a Poisson process are Poisson with the same mean, so the tail is calibrated) |
//! | `hour_of_day` | the same histograms | probability of an hour at least this rare for the entity |
//! | each measure | time-decayed mean/variance (weights `2^{−Δt/h}`, so it merges exactly) and a two-pane windowed mean/variance | two-sided Gaussian tail on the signed-log scale |
//! | each `dimension=value` | decaying Space-Saving top-4 + 8-byte HyperLogLog of distinct values | probability of a value at least this rare (unkept mass, add-one smoothed, is the novelty probability) |
//!
//! Components combine by Fisher's method into one [`vigil_core::AnomalyScore`]; those at or
//! above `report_bits` become [`vigil_core::Deviation`]s naming the measure, expected and
//! observed (only then is anything allocated). A young entity (`< min_history` events) in a
//! peer group is scored against the group's profile. Bounded memory: `max_entities` with
//! sampled-LRU eviction, [`memory_bytes`](vigil_core::Baseline::memory_bytes) accounts every
//! array and the index (on Linux the rows live in one mapping advised for transparent huge
//! pages, so that 100k profiles do not need thousands of TLB entries). [`EntityBaselines::merge`] combines shards;
//! [`EntityBaselines::snapshot`] / [`EntityBaselines::from_snapshot`] round-trip exactly
//! (magic, format version, checksum).
//!
//! ## For other layers
//!
//! - Enrichment ("user and entity history"): [`EntityBaselines::profile`] (events, first and
//!   last seen, rate, busiest hour, typical measures, distinct counts) and
//!   [`EntityBaselines::familiarity`] ("has this host raised this alert type before, how
//!   often").
//! - Triage features: [`vigil_core::AnomalyScore::surprisal`] from
//!   [`vigil_core::Baseline::observe`] (streaming) or [`vigil_core::Baseline::score`]
//!   (read-only), and per-component surprisal in its deviations.
//!
//! ## Multivariate: [`HalfSpaceTrees`]
//!
//! Streaming Half-Space Trees for numeric vectors ([`HstParams`] → check → `fit` → score,
//! observe, merge); see the `hst` module docs for why this family.
//!
//! Hyperparameters follow the linfa pattern: [`ProfileParams`] →
//! [`check`](vigil_core::ParamGuard::check) → [`ProfileConfig`] → [`EntityBaselines::new`].
//! Usable with no other Vigil crate but `vigil-core`.

mod batch;
pub mod bench;
mod codec;
mod dispatch;
mod error;
mod fastmath;
mod gauss;
mod hst;
mod index;
mod memo;
mod merge;
mod model;
mod names;
mod params;
mod prefetch;
mod profile;
mod slab;
mod snapshot;
mod store;
mod strhash;
mod view;

pub mod stats;
pub mod tail;

pub use error::BaselineError;
pub use hst::{HalfSpaceTrees, HstConfig, HstParams};
pub use model::{EntityBaselines, MAX_CATEGORIES};
pub use params::{ProfileConfig, ProfileParams, Transform};
pub use snapshot::{SNAPSHOT_MAGIC, SNAPSHOT_VERSION};
pub use stats::Rarity;
pub use view::{DimensionProfile, EntityProfile, MeasureProfile};

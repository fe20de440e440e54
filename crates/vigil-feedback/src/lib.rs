//! # vigil-feedback
//!
//! The collaboration layer: analysts' verdicts teach the models, and the AI's own performance
//! is watched, so that what it may do alone is earned, measured, and can be taken back.
//!
//! - [`store`]: verdict capture behind [`store::VerdictStore`] (in memory, or durable in redb).
//! - [`labels`]: conflicting verdicts resolved by reliability-weighted vote, agreement tracked
//!   per analyst, each analyst's influence on training capped.
//! - [`drift`]: ADWIN and Page-Hinkley on the error stream, population stability (PSI) on
//!   features, per-detector precision over time.
//! - [`retrain`]: retraining policy, champion/challenger comparison by paired bootstrap, and a
//!   model registry with lineage and rollback.
//! - [`active`]: choosing which alerts to ask analysts about, within a budget.
//! - [`oversight`]: per-detector quality, audits of suppressed alerts with exact confidence
//!   intervals, and an autonomy policy whose every grant and revocation is logged.
//! - [`experiment`]: the whole loop replayed on labelled alert streams (the AIT-ADS study).

pub mod active;
pub mod drift;
pub mod error;
pub mod experiment;
pub mod labels;
pub mod oversight;
pub mod retrain;
pub mod stats;
pub mod store;

pub use error::FeedbackError;

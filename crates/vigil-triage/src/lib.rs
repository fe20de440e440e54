//! Vigil triage: alert scoring with gradient-boosted trees, calibration, certified
//! false-positive suppression and explanations.
//!
//! - [`features`]: named, deterministic feature extraction ([`features::guide`] for
//!   Microsoft GUIDE-style alerts, with out-of-fold target encodings grouped by organisation).
//! - [`tree`]: the interpretable linfa-trees baseline; [`gbdt`]: the native boosted ensemble.
//! - [`calibrate`]: isotonic and Platt calibration, per-organisation label-shift adaptation,
//!   and the [`calibrate::VerdictMemory`] that feeds analysts' grades back into the
//!   confidence of their organisation's next alerts.
//! - [`suppress`]: false-positive suppression with a conformal miss-rate bound.
//! - [`risk`] and [`queue`]: risk from confidence and impact, and a priority queue.
//! - [`pipeline`]: extractor + model + calibrator + risk as one [`vigil_core::AlertScorer`].
//! - [`cv`]: grouped cross-validation by organisation, the metrics the CLI reports.

pub mod calibrate;
pub mod cv;
mod envelope;
pub mod error;
pub mod export;
pub mod features;
pub mod gbdt;
pub mod pipeline;
pub mod queue;
pub mod risk;
pub mod suppress;
pub mod tree;

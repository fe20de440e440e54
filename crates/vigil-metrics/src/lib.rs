//! # vigil-metrics
//!
//! The numbers a SOC and its models are judged by, each with its definition written in its
//! documentation and checked against a brute-force reference in property tests.
//!
//! - [`model`]: ranking ([`roc_auc`], [`pr_auc`], [`precision_at_k`], [`recall_at_fpr`],
//!   curves), classification ([`ConfusionMatrix`], [`macro_f1`]), calibration ([`ece`],
//!   [`brier`], [`brier_multiclass`]) and seeded bootstrap intervals.
//! - [`soc`]: outcomes of a queue from a [`vigil_core::LifecycleLog`] ([`soc_metrics`]: MTTD,
//!   MTTR, precision, false-positive rate, capacity, unaddressed share), [`queue_length`],
//!   ATT&CK coverage ([`AttackCatalogue`], [`SigmaRules`], [`Coverage`]) and [`quantile`]s.
//! - [`report`]: Markdown/JSON tables and hand-written SVG plots in a folder with an
//!   `index.html`.
//!
//! Every function validates its input and returns a [`MetricsError`] rather than panicking.
//!
//! ```
//! # fn main() -> Result<(), vigil_metrics::MetricsError> {
//! let scores = [0.9, 0.7, 0.4, 0.2];
//! let labels = [true, false, true, false];
//! assert_eq!(vigil_metrics::roc_auc(&scores, &labels)?, 0.75);
//! assert!(vigil_metrics::pr_auc(&scores, &labels)? > 0.5);
//! # Ok(()) }
//! ```

pub mod error;
pub mod model;
pub mod report;
pub mod soc;
mod validate;

pub use error::MetricsError;
pub use model::*;
pub use soc::*;

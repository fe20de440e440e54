//! Vigil evaluation: the SOC replay, the evaluation harness on AIT-ADS and the embedded demo
//! enterprise.
//!
//! - [`replay`]: a time-ordered discrete-event simulation of analysts working a queue under
//!   FIFO, severity-first or Vigil's discipline, with the SOC figures it yields.
//! - [`vigil_scorer`]: Vigil's scorer (alert-stream features, gradient-boosted trees,
//!   cross-fitted suppression threshold) and [`vigil_scorer::scores_of`] for any
//!   [`vigil_core::AlertScorer`].
//! - [`aitads`]: train on some AIT-ADS networks, replay the others.
//! - [`baseline`]: the baselining layer's protocols (NSL-KDD vectors, AIT-ADS host streams).
//! - [`triage`]: the triage layer's protocol on GUIDE (organisations unseen in training).
//! - [`demo`]: the generated enterprise and the side-by-side replay of `vigil demo`.

pub mod aitads;
pub mod baseline;
pub mod demo;
pub mod error;
pub mod replay;
pub mod triage;
pub mod vigil_scorer;

pub use error::EvalError;

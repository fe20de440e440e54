//! # Vigil
//!
//! The AI and collaboration layer of a security operations center, as reusable crates.
//! This facade re-exports each layer behind a feature of the same name, so a product
//! embeds only what it needs:
//!
//! | feature | crate | layer |
//! |---|---|---|
//! | (always) | [`core`] | alert model, shared traits, errors |
//! | `io` | `vigil-io` | streaming readers (AIT-ADS, GUIDE, OCSF, ECS, JSON Lines) |
//! | `baseline` | `vigil-baseline` | per-entity behavioural baselines, streaming anomaly detection |
//! | `enrich` | `vigil-enrich` | threat intel, ATT&CK, KEV, assets, related events |
//! | `triage` | `vigil-triage` | scoring, calibration, certified false-positive suppression |
//! | `metrics` | `vigil-metrics` | model and SOC metrics (MTTD, MTTR, precision, coverage) |
//! | `feedback` | `vigil-feedback` | verdict capture, retraining, drift, oversight |
//! | `eval` | `vigil-eval` | SOC replay, evaluation harness, the demo enterprise |

#[cfg(feature = "baseline")]
pub use vigil_baseline as baseline;
pub use vigil_core as core;
#[cfg(feature = "enrich")]
pub use vigil_enrich as enrich;
#[cfg(feature = "eval")]
pub use vigil_eval as eval;
#[cfg(feature = "feedback")]
pub use vigil_feedback as feedback;
#[cfg(feature = "io")]
pub use vigil_io as io;
#[cfg(feature = "metrics")]
pub use vigil_metrics as metrics;
#[cfg(feature = "triage")]
pub use vigil_triage as triage;

/// The README's Rust code, compiled as a doc test so the quickstart never goes stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

//! Native histogram gradient-boosted trees: training, compiled inference, TreeSHAP, persistence.
//!
//! - [`GbdtParams`] → [`vigil_core::ParamGuard::check`] → [`GbdtValidParams`] →
//!   [`vigil_core::Fit::fit`] (or [`GbdtParams::fit_with_validation`] for early stopping) →
//!   [`Gbdt`], which implements [`vigil_core::Scorer`] (class 0 is the threat class).
//! - Features are binned once into at most 255 quantile bins plus a missing-value bin (`u8`
//!   per cell); trees grow leaf-wise (like LightGBM) or depth-wise on gradient histograms,
//!   building only the smaller child's histogram and subtracting it from the parent's for the
//!   sibling. Missing values learn a default direction.
//! - Objectives: binary log-loss and multiclass softmax (one tree per class per round).
//! - [`Gbdt::compile`]: a flat, cache-friendly layout for scoring ([`CompiledGbdt`]).
//! - [`Gbdt::contributions`] / [`vigil_core::Scorer::explain`]: exact TreeSHAP.
//! - [`Gbdt::save`] / [`Gbdt::load`]: a versioned, checksummed format recording the schema.
//! - With the `parallel` cargo feature, histograms are built over features on rayon's pool;
//!   each bin still sums its rows in the same order, so models are identical bit for bit
//!   with or without the feature.

mod binning;
mod compiled;
mod grow;
mod hist;
mod infer;
mod model;
mod params;
mod persist;
mod shap;
pub mod synth;
mod train;
mod tree;

pub use compiled::{CompiledGbdt, DENSE_DEPTH};
pub use model::{Gbdt, Importance};
pub use params::{GbdtParams, GbdtValidParams, Growth, Objective};
pub use persist::{FORMAT_VERSION, MAGIC};

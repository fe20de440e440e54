//! Vigil triage: alert scoring with gradient-boosted trees, calibration, certified
//! false-positive suppression and explanations.

pub mod calibrate;
pub mod error;
pub mod features;
pub mod gbdt;
pub mod suppress;

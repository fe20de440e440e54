//! Model metrics: ranking quality (ROC, PR), classification quality (confusion matrix,
//! macro-F1), calibration (ECE, Brier) and bootstrap confidence intervals.
//!
//! Conventions shared by every function here:
//! - scores are `f64`, higher meaning "more likely positive"; NaN or ±∞ is an error;
//! - binary labels are `bool` (`true` = positive, i.e. a threat);
//! - a threshold `t` classifies an item positive when `score >= t`;
//! - tied scores are never split: a threshold takes a whole tie group or none of it.

mod bootstrap;
mod calibration;
mod classification;
mod pr;
mod ranking;
mod roc;

pub use bootstrap::{BootstrapParams, ConfidenceInterval, bootstrap_ci, bootstrap_ci_indexed};
pub use calibration::{
    DEFAULT_ECE_BINS, ReliabilityBin, brier, brier_multiclass, ece, log_loss, reliability_bins,
};
pub use classification::{ConfusionMatrix, macro_f1};
pub use pr::{PrPoint, pr_auc, pr_auc_trapezoid, pr_curve, precision_at_k};
pub use roc::{RocPoint, recall_at_fpr, roc_auc, roc_curve};

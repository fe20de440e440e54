//! The feedback loop replayed on labelled alert streams (the AIT-ADS study of
//! `vigil eval feedback`).
//!
//! Generic over the model (`P: Fit<LabeledData>` with a [`vigil_core::Scorer`] output) and
//! the features (any [`vigil_core::FeatureExtractor`], through [`Stream::from_extractor`]).
//!
//! 1. **Base model.** Training streams are subsampled per (stream, detector, class), and
//!    weighted so each stream counts the same, benign and attack alerts weigh the same within
//!    a stream, and every attack phase weighs the same (the miss rate averages over phases).
//! 2. **Suppression threshold.** Leave one training stream out in turn: a model fitted on the
//!    others scores it, and the threshold is the highest at which the mean phase-averaged
//!    miss rate over those held-out streams stays at `calib_miss`. The threshold is thus
//!    chosen on networks the model did not see, as the test network will be. The same
//!    held-out scores are a pre-deployment audit per detector: of the alerts the threshold
//!    suppresses, how many were attacks. A detector is granted auto-suppression
//!    ([`crate::oversight::AutonomyPolicy`]) only when that audit bounds its miss rate under
//!    α; the others' alerts are never suppressed (a detector seen a handful of times in
//!    training has not earned it).
//! 3. **Replay.** Each test stream is replayed in time order, in steps of `step_secs`. The
//!    champion scores each step's alerts; those under the threshold are suppressed. Within
//!    the budget, analysts are asked about alerts chosen by [`crate::active::select`]
//!    (uncertainty at the threshold, diversity over detectors and features), plus a uniform
//!    audit sample of suppressed alerts. Simulated analysts answer with the truth, flipped at
//!    the noise rate; a share of questions is reviewed twice, feeding the analyst ledger.
//!    Verdicts go to a [`crate::store::VerdictStore`]; the [`crate::retrain::RetrainPolicy`]
//!    triggers challengers, promoted only when not worse on held-back verdicts.
//! 4. **Figures.** `fp_suppressed` is the share of benign alerts suppressed; `miss_rate` the
//!    share of each attack phase's alerts suppressed and not reviewed, averaged over phases
//!    (each phase weighs the same).

mod base;
mod figures;
mod replay;
mod stream;

pub use base::{BaseSet, Calibration, build_base, calibrate_threshold, threshold_from_scores};
pub use figures::{AuditFigures, CurvePoint, Figures, NetworkReport, PhaseMiss, Report, pool};
pub use replay::{ExperimentParams, run};
pub use stream::Stream;

//! False-positive suppression with a certified miss-rate bound (conformal risk control).
//!
//! # The guarantee
//!
//! An alert is suppressed when its threat score is below a threshold `λ`. The loss on a true
//! positive is 1 when it is suppressed (a missed threat), so the miss rate `R(λ)`, the share
//! of true positives suppressed, is non-decreasing in `λ`. Given the scores `s_1 … s_n` of
//! the `n` true positives of a calibration set, conformal risk control (Angelopoulos et al.,
//! "Conformal Risk Control", ICLR 2024) picks
//!
//! ```text
//! λ̂ = sup { λ : (n · R̂_n(λ) + B) / (n + 1) ≤ α },   R̂_n(λ) = #{i : s_i < λ} / n,  B = 1,
//! ```
//!
//! and then `E[1{s_test < λ̂}] ≤ α` for a new true positive: the expected miss rate is at
//! most `α`, in finite samples, with no assumption on the model. With the calibration scores
//! sorted, `s_(1) ≤ … ≤ s_(n)`, the bound allows `#{s_i < λ} ≤ k` with
//! `k = ⌊α(n + 1)⌋ − 1`, so `λ̂ = s_(k+1)` (suppress strictly below it); when `k < 0`
//! (`n < 1/α − 1`) nothing can be suppressed and `λ̂ = −∞`.
//!
//! **Assumption**: the calibration true positives and the future true positives are
//! exchangeable (drawn from the same distribution, e.g. calibration organisations drawn
//! like future ones). The bound is on the *expected* miss rate over calibration draws; a
//! single calibration set can realise a little more or less. Non-threat scores play no
//! part in the threshold, so how much is suppressed is not guaranteed, only measured.
//!
//! With [`SuppressionParams::clustered`], organisations rather than rows are the exchangeable
//! unit ([`crc_threshold_clustered`]): GUIDE's rows are graded alike within an organisation,
//! so rows of a new organisation are not exchangeable with calibration rows, but a new
//! organisation may well be exchangeable with the calibration organisations. The bound is
//! then on the expected miss rate of a new organisation.
//!
//! With [`SuppressionParams::confidence`] (`δ`), the bound holds *with probability at least
//! `1 − δ`* over the calibration draw rather than in expectation ([`tolerance_threshold`]):
//! for a deployment that must not miss more than `α` in most calibrations, not merely on
//! average over them.
//!
//! With [`SuppressionParams::per_group`], the threshold is chosen per group (detector) among
//! groups with enough calibration true positives, and once for all other groups pooled
//! (Mondrian conformal risk control): the bound then holds within each group, assuming
//! exchangeability within the group.
//!
//! ```
//! use vigil_core::Fit;
//! use vigil_triage::suppress::{SuppressionParams, SuppressionSet};
//!
//! # fn main() -> Result<(), vigil_triage::error::TriageError> {
//! // 99 true positives scored 0.01 … 0.99, and some non-threats.
//! let mut scores: Vec<f64> = (1..100).map(|i| i as f64 / 100.0).collect();
//! let mut threat = vec![true; 99];
//! scores.extend([0.001, 0.02, 0.5]);
//! threat.extend([false; 3]);
//! let set = SuppressionSet::new(scores, threat, None)?;
//! let s = SuppressionParams::new(0.05).fit(&set)?;
//! // k = ⌊0.05 · 100⌋ − 1 = 4: suppress below the 5th-lowest threat score.
//! assert_eq!(s.global_threshold(), 0.05);
//! assert!(s.suppress(0.04, None) && !s.suppress(0.05, None));
//! # Ok(())
//! # }
//! ```

mod crc;
mod report;

pub use crc::{
    SuppressionParams, SuppressionSet, Suppressor, crc_threshold, crc_threshold_clustered,
    tolerance_threshold,
};
pub use report::{SuppressionReport, evaluate};

//! Champion against challenger on held-back verdicts: a paired bootstrap.

use serde::{Deserialize, Serialize};
use vigil_core::SplitMix64;

use crate::FeedbackError;
use crate::stats::log_loss;

/// How sure a challenger must be before it is promoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareParams {
    /// One-sided confidence of the non-inferiority claim.
    pub confidence: f64,
    /// Non-inferiority margin in nats of mean log-loss: the challenger may be worse by at
    /// most this much. The default, 0, promotes only a challenger whose loss is, with the
    /// stated confidence, no higher than the champion's: refits are noisy on rare attack
    /// phases that held-back verdicts hardly contain, so a tie is not worth the risk
    /// (measured on AIT-ADS: a 0.02 margin promoted 12–15 challengers and cost up to 0.03 of
    /// phase-averaged miss rate; 0 promoted 3–4 and cost at most 0.003).
    pub margin: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Fewest held-back verdicts for any promotion.
    pub min_samples: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for CompareParams {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            margin: 0.0,
            resamples: 2000,
            min_samples: 10,
            seed: 0x5eed,
        }
    }
}

impl CompareParams {
    /// Checks the ranges.
    pub fn check(self) -> Result<Self, FeedbackError> {
        FeedbackError::require(
            self.confidence > 0.5 && self.confidence < 1.0,
            "confidence",
            "0.5 < confidence < 1",
            self.confidence,
        )?;
        FeedbackError::require(
            self.margin >= 0.0 && self.margin.is_finite(),
            "margin",
            "a finite margin >= 0",
            self.margin,
        )?;
        FeedbackError::require(
            self.resamples >= 100,
            "resamples",
            "at least 100",
            self.resamples,
        )?;
        Ok(self)
    }
}

/// The outcome of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Held-back verdicts compared on.
    pub n: usize,
    /// Champion's weighted mean log-loss.
    pub champion_loss: f64,
    /// Challenger's weighted mean log-loss.
    pub challenger_loss: f64,
    /// Upper bound (at the confidence) of `challenger_loss − champion_loss`.
    pub diff_upper: f64,
    /// True when `diff_upper <= margin` and there were enough samples.
    pub promote: bool,
}

/// Compares threat probabilities of champion and challenger on the same held-back labels.
///
/// The statistic is the weighted mean of the per-alert log-loss difference
/// `d_i = ℓ(challenger_i) − ℓ(champion_i)`. The paired bootstrap resamples alerts (both
/// models together, so their correlation is kept) and takes the `confidence` quantile of the
/// resampled means as a one-sided upper bound. The challenger is promoted only when that
/// bound is at most `margin`: with the stated confidence it is not worse than the champion by
/// more than the margin.
///
/// ```
/// use vigil_feedback::retrain::{compare, CompareParams};
/// let labels: Vec<bool> = (0..40).map(|i| i % 4 == 0).collect();
/// let champ: Vec<f64> = labels.iter().map(|_| 0.5).collect();
/// let chall: Vec<f64> = labels.iter().map(|&t| if t { 0.9 } else { 0.1 }).collect();
/// let w = vec![1.0; 40];
/// assert!(compare(&champ, &chall, &labels, &w, &CompareParams::default()).promote);
/// assert!(!compare(&chall, &champ, &labels, &w, &CompareParams::default()).promote);
/// ```
pub fn compare(
    champion: &[f64],
    challenger: &[f64],
    labels: &[bool],
    weights: &[f64],
    params: &CompareParams,
) -> Comparison {
    let n = labels
        .len()
        .min(champion.len())
        .min(challenger.len())
        .min(weights.len());
    let rows: Vec<(f64, f64, f64)> = (0..n)
        .filter_map(|i| {
            let (c, h, y, w) = (
                *champion.get(i)?,
                *challenger.get(i)?,
                *labels.get(i)?,
                *weights.get(i)?,
            );
            let w = if w.is_finite() { w.max(0.0) } else { 0.0 };
            Some((log_loss(c, y), log_loss(h, y), w))
        })
        .collect();
    let wsum: f64 = rows.iter().map(|r| r.2).sum();
    let mean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| {
        if wsum > 0.0 {
            rows.iter().map(|r| f(r) * r.2).sum::<f64>() / wsum
        } else {
            0.0
        }
    };
    let champion_loss = mean(&|r| r.0);
    let challenger_loss = mean(&|r| r.1);
    if rows.len() < params.min_samples.max(1) || wsum <= 0.0 {
        return Comparison {
            n: rows.len(),
            champion_loss,
            challenger_loss,
            diff_upper: f64::INFINITY,
            promote: false,
        };
    }
    let mut rng = SplitMix64::new(params.seed);
    let mut boot: Vec<f64> = Vec::with_capacity(params.resamples);
    let len = rows.len() as u64;
    for _ in 0..params.resamples {
        let (mut s, mut w) = (0.0, 0.0);
        for _ in 0..rows.len() {
            if let Some(r) = rows.get(rng.below(len) as usize) {
                s += (r.1 - r.0) * r.2;
                w += r.2;
            }
        }
        boot.push(if w > 0.0 { s / w } else { 0.0 });
    }
    boot.sort_by(f64::total_cmp);
    let idx = ((params.confidence * boot.len() as f64).ceil() as usize).saturating_sub(1);
    let diff_upper = boot.get(idx).copied().unwrap_or(f64::INFINITY);
    Comparison {
        n: rows.len(),
        champion_loss,
        challenger_loss,
        diff_upper,
        promote: diff_upper <= params.margin,
    }
}

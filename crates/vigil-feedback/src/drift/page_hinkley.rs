//! The Page-Hinkley test for an increase in the mean (Page 1954; Hinkley 1971).

use super::ChangeDetector;
use crate::FeedbackError;

/// Page-Hinkley on values in `[0, 1]`, detecting an *increase* of the mean (a rising error
/// rate) of more than `tolerance`.
///
/// `m_t = Σ (x_i − x̄_i − tolerance)`, `M_t = min m_i`; alarm when `m_t − M_t > h`, then
/// restart. The running mean `x̄` is taken over a warm-up of `min_samples` values first,
/// during which there are no alarms, then frozen until the next alarm.
///
/// **False-alarm bound.** With the reference mean `μ̂` frozen after warm-up, the statistic is
/// a random walk with increments in an interval of length 1 and mean `μ − μ̂ − tolerance`.
/// When the stream is stationary and `|μ − μ̂| ≤ tolerance/2`, the drift is at most
/// `−tolerance/2`, so by Hoeffding's lemma `exp(θ·m_t)` with `θ = 2·tolerance` is a
/// supermartingale, and by Ville's inequality the walk climbs `h` above its value at a given
/// start with probability at most `exp(−2·tolerance·h)`; a union over the `T` start points
/// gives `P(false alarm within T steps) ≤ T·exp(−2·tolerance·h)`.
/// [`PageHinkley::for_false_alarm_rate`] sets `h = ln(2T/δ)/(2·tolerance)` (that term `≤ δ/2`)
/// and a warm-up of `2·ln(4/δ)/tolerance²` values, after which `|μ − μ̂| > tolerance/2` has
/// probability `≤ δ/2` (Hoeffding); in all, at most `δ` per horizon of `T` steps.
///
/// ```
/// use vigil_feedback::drift::{ChangeDetector, PageHinkley};
/// let mut d = PageHinkley::for_false_alarm_rate(0.1, 10_000, 0.01).unwrap();
/// let mut fired_at = None;
/// for i in 0..3000 {
///     let x = if i < 1500 { (i % 10 == 0) as u8 } else { (i % 2 == 0) as u8 };
///     if d.update(f64::from(x)) && fired_at.is_none() { fired_at = Some(i); }
/// }
/// assert!(fired_at.is_some_and(|i| i >= 1500));
/// ```
#[derive(Debug, Clone)]
pub struct PageHinkley {
    tolerance: f64,
    threshold: f64,
    min_samples: u64,
    warm_n: u64,
    warm_sum: f64,
    reference: Option<f64>,
    cum: f64,
    min_cum: f64,
    seen: u64,
    detections: u64,
}

impl PageHinkley {
    /// Page-Hinkley with drift tolerance, alarm threshold `h` and warm-up length.
    pub fn new(tolerance: f64, threshold: f64, min_samples: u64) -> Result<Self, FeedbackError> {
        FeedbackError::require(
            tolerance > 0.0 && tolerance < 1.0,
            "tolerance",
            "0 < tolerance < 1",
            tolerance,
        )?;
        FeedbackError::require(
            threshold > 0.0 && threshold.is_finite(),
            "threshold",
            "a positive finite threshold",
            threshold,
        )?;
        Ok(Self {
            tolerance,
            threshold,
            min_samples: min_samples.max(1),
            warm_n: 0,
            warm_sum: 0.0,
            reference: None,
            cum: 0.0,
            min_cum: 0.0,
            seen: 0,
            detections: 0,
        })
    }

    /// Chooses `h` so that a stationary stream of `horizon` steps raises a false alarm with
    /// probability at most `delta` (see the type's bound), and a warm-up long enough that the
    /// reference mean is within `tolerance/2` with probability `≥ 1 − delta`.
    pub fn for_false_alarm_rate(
        tolerance: f64,
        horizon: u64,
        delta: f64,
    ) -> Result<Self, FeedbackError> {
        FeedbackError::require(delta > 0.0 && delta < 1.0, "delta", "0 < delta < 1", delta)?;
        let h = (2.0 * horizon.max(1) as f64 / delta).ln() / (2.0 * tolerance);
        let warm = (2.0 * (4.0 / delta).ln() / (tolerance * tolerance)).ceil() as u64;
        Self::new(tolerance, h, warm)
    }

    /// The alarm threshold `h`.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Warm-up length.
    pub fn min_samples(&self) -> u64 {
        self.min_samples
    }

    /// Changes detected so far.
    pub fn detections(&self) -> u64 {
        self.detections
    }

    fn restart(&mut self) {
        self.warm_n = 0;
        self.warm_sum = 0.0;
        self.reference = None;
        self.cum = 0.0;
        self.min_cum = 0.0;
    }
}

impl ChangeDetector for PageHinkley {
    fn update(&mut self, x: f64) -> bool {
        let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        self.seen += 1;
        let Some(mu) = self.reference else {
            self.warm_n += 1;
            self.warm_sum += x;
            if self.warm_n >= self.min_samples {
                self.reference = Some(self.warm_sum / self.warm_n as f64);
            }
            return false;
        };
        self.cum += x - mu - self.tolerance;
        self.min_cum = self.min_cum.min(self.cum);
        if self.cum - self.min_cum > self.threshold {
            self.detections += 1;
            self.restart();
            return true;
        }
        false
    }

    fn len(&self) -> u64 {
        self.seen
    }

    fn mean(&self) -> f64 {
        self.reference.unwrap_or(if self.warm_n > 0 {
            self.warm_sum / self.warm_n as f64
        } else {
            0.0
        })
    }
}

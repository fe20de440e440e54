//! ADWIN: adaptive windowing (Bifet & Gavaldà, "Learning from time-changing data with adaptive
//! windowing", SDM 2007).

use std::collections::VecDeque;

use super::ChangeDetector;
use crate::FeedbackError;

/// One bucket of the exponential histogram: `2^row` values summarised by their sum and
/// their sum of squared deviations.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    sum: f64,
    m2: f64,
    n: f64,
}

impl Bucket {
    fn merge(a: Bucket, b: Bucket) -> Bucket {
        let n = a.n + b.n;
        let delta = b.sum / b.n - a.sum / a.n;
        Bucket {
            sum: a.sum + b.sum,
            m2: a.m2 + b.m2 + delta * delta * a.n * b.n / n,
            n,
        }
    }
}

/// ADWIN2 over values in `[0, 1]`: keeps the longest recent window whose mean is consistent,
/// dropping old values when two sub-windows differ by more than the Hoeffding threshold.
///
/// **False-alarm bound.** With the cut threshold of the paper's Theorem 3,
/// `ε = sqrt( ln(4·n/δ) / (2·m) )`, `m = 1 / (1/n₀ + 1/n₁)`, checked at every split point of
/// the window of length `n`, the probability that ADWIN shrinks its window (raises a change)
/// at a given step when the stream's mean has not changed is at most `δ`. Over `T` stationary
/// steps the expected number of false alarms is thus at most `δ·T`. The window is stored as an
/// exponential histogram (`max_buckets` per size), so memory and time per step are
/// `O(log n)`; split points are checked at bucket boundaries only, which can only reduce the
/// false alarms.
///
/// ```
/// use vigil_feedback::drift::{Adwin, ChangeDetector};
/// let mut d = Adwin::new(0.002).unwrap();
/// let mut fired = false;
/// for i in 0..4000 {
///     let x = if i < 2000 { (i % 10 == 0) as u8 } else { (i % 2 == 0) as u8 };
///     fired |= d.update(f64::from(x));
/// }
/// assert!(fired);
/// ```
#[derive(Debug, Clone)]
pub struct Adwin {
    delta: f64,
    max_buckets: usize,
    /// rows[i]: buckets of 2^i values, oldest first.
    rows: Vec<VecDeque<Bucket>>,
    n: f64,
    sum: f64,
    seen: u64,
    detections: u64,
}

impl Adwin {
    /// ADWIN with false-alarm probability `delta` per step (`0 < delta < 1`), 5 buckets per
    /// size.
    pub fn new(delta: f64) -> Result<Self, FeedbackError> {
        Self::with_buckets(delta, 5)
    }

    /// ADWIN with `max_buckets` (≥ 2) buckets of each size.
    pub fn with_buckets(delta: f64, max_buckets: usize) -> Result<Self, FeedbackError> {
        FeedbackError::require(delta > 0.0 && delta < 1.0, "delta", "0 < delta < 1", delta)?;
        FeedbackError::require(max_buckets >= 2, "max_buckets", "at least 2", max_buckets)?;
        Ok(Self {
            delta,
            max_buckets,
            rows: Vec::new(),
            n: 0.0,
            sum: 0.0,
            seen: 0,
            detections: 0,
        })
    }

    /// The configured per-step false-alarm probability.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Current window length.
    pub fn width(&self) -> u64 {
        self.n as u64
    }

    /// Changes detected so far.
    pub fn detections(&self) -> u64 {
        self.detections
    }

    fn insert(&mut self, x: f64) {
        if self.rows.is_empty() {
            self.rows.push(VecDeque::new());
        }
        if let Some(row) = self.rows.first_mut() {
            row.push_back(Bucket {
                sum: x,
                m2: 0.0,
                n: 1.0,
            });
        }
        self.n += 1.0;
        self.sum += x;
        // Compress: when a row holds more than max_buckets, merge its two oldest upward.
        let mut i = 0;
        while i < self.rows.len() {
            let over = self.rows.get(i).is_some_and(|r| r.len() > self.max_buckets);
            if !over {
                break;
            }
            let merged = self.rows.get_mut(i).and_then(|r| {
                let a = r.pop_front()?;
                let b = r.pop_front()?;
                Some(Bucket::merge(a, b))
            });
            if let Some(m) = merged {
                if self.rows.len() == i + 1 {
                    self.rows.push(VecDeque::new());
                }
                if let Some(next) = self.rows.get_mut(i + 1) {
                    next.push_back(m);
                }
            }
            i += 1;
        }
    }

    fn drop_oldest(&mut self) {
        for r in (0..self.rows.len()).rev() {
            if let Some(b) = self.rows.get_mut(r).and_then(VecDeque::pop_front) {
                self.n -= b.n;
                self.sum -= b.sum;
                if self.rows.last().is_some_and(VecDeque::is_empty) {
                    self.rows.pop();
                }
                return;
            }
        }
    }

    /// True when some split of the window into older `W0` and newer `W1` has
    /// `|μ0 − μ1| ≥ ε_cut`.
    fn has_cut(&self) -> bool {
        let n = self.n;
        if n < 2.0 {
            return false;
        }
        let ln_term = (4.0 * n / self.delta).ln();
        // Walk from the oldest bucket (highest row, front) to the newest.
        let (mut n0, mut s0) = (0.0, 0.0);
        for row in self.rows.iter().rev() {
            for b in row {
                n0 += b.n;
                s0 += b.sum;
                let n1 = n - n0;
                if n1 < 1.0 {
                    return false;
                }
                let m = 1.0 / (1.0 / n0 + 1.0 / n1);
                let eps = (ln_term / (2.0 * m)).sqrt();
                if (s0 / n0 - (self.sum - s0) / n1).abs() >= eps {
                    return true;
                }
            }
        }
        false
    }
}

impl ChangeDetector for Adwin {
    fn update(&mut self, x: f64) -> bool {
        let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        self.seen += 1;
        self.insert(x);
        let mut changed = false;
        while self.has_cut() {
            changed = true;
            self.drop_oldest();
        }
        if changed {
            self.detections += 1;
        }
        changed
    }

    fn len(&self) -> u64 {
        self.seen
    }

    fn mean(&self) -> f64 {
        if self.n > 0.0 { self.sum / self.n } else { 0.0 }
    }
}

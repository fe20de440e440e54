//! Windowed mean and variance over tumbling time panes.

use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Count, sum and sum of squares of one pane (`f32`: a pane is a short summary). Plain sums,
/// so that adding a value takes no division (the running mean of Welford's update took one
/// per value) and merging is exact addition; the window's variance is then computed by
/// cancellation in `f64` from `f32` sums, so it is approximate (relative error up to
/// ~1e-7·mean²/variance), which is why nothing scores on it.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(C)]
pub struct Pane {
    /// Values in the pane.
    pub n: f32,
    /// Their sum.
    pub sum: f32,
    /// The sum of their squares (saturating at `f32::MAX`).
    pub sum_sq: f32,
}

impl Pane {
    #[inline(always)]
    fn push(&mut self, x: f32) {
        self.n += 1.0;
        self.sum += x;
        self.sum_sq = (self.sum_sq + x * x).min(f32::MAX);
    }

    fn merge(&mut self, o: &Pane) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq = (self.sum_sq + o.sum_sq).min(f32::MAX);
    }
}

/// The current and the previous tumbling pane of one measure: the window is "this pane and
/// the one before", so its span is between one and two pane lengths.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(C)]
pub struct WindowStats {
    /// The pane holding the latest values.
    pub current: Pane,
    /// The pane just before it (empty if that pane saw nothing).
    pub previous: Pane,
}

impl WindowStats {
    /// Moves the window forward by `steps` panes (0 = same pane).
    #[inline(always)]
    pub fn advance(&mut self, steps: u32) {
        match steps {
            0 => {}
            1 => {
                self.previous = self.current;
                self.current = Pane::default();
            }
            _ => *self = Self::default(),
        }
    }

    /// Adds a value to the current pane.
    #[inline(always)]
    pub fn push(&mut self, x: f32) {
        self.current.push(x);
    }

    /// Count, mean and (approximate, see [`Pane`]) variance over both panes.
    pub fn summary(&self) -> (f64, f64, f64) {
        let (a, b) = (&self.previous, &self.current);
        let n = f64::from(a.n) + f64::from(b.n);
        if n <= 0.0 {
            return (0.0, 0.0, 0.0);
        }
        let mean = (f64::from(a.sum) + f64::from(b.sum)) / n;
        let sq = (f64::from(a.sum_sq) + f64::from(b.sum_sq)) / n;
        (n, mean, (sq - mean * mean).max(0.0))
    }

    /// Merges another window aligned to the same pane.
    pub fn merge(&mut self, o: &WindowStats) {
        self.current.merge(&o.current);
        self.previous.merge(&o.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_the_mean_and_variance_of_both_panes() {
        let mut w = WindowStats::default();
        for x in [1.0, 2.0, 3.0] {
            w.push(x);
        }
        w.advance(1);
        for x in [4.0, 6.0] {
            w.push(x);
        }
        let (n, mean, var) = w.summary();
        assert_eq!(n, 5.0);
        assert!((mean - 3.2).abs() < 1e-6);
        // Σx² = 66, 66/5 − 3.2² = 2.96.
        assert!((var - 2.96).abs() < 1e-5);
        w.advance(2);
        assert_eq!(w.summary(), (0.0, 0.0, 0.0));
    }
}

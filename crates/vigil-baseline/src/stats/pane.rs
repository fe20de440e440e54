//! Windowed mean and variance over tumbling time panes.

use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Count, mean and sum of squared deviations of one pane (`f32`: a pane is a short summary).
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
    /// Their mean.
    pub mean: f32,
    /// Their sum of squared deviations.
    pub m2: f32,
}

impl Pane {
    #[inline]
    fn push(&mut self, x: f32) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 = (self.m2 + d * (x - self.mean)).min(f32::MAX);
    }

    fn merge(&mut self, o: &Pane) {
        let n = self.n + o.n;
        if n <= 0.0 {
            return;
        }
        let d = o.mean - self.mean;
        self.mean = (self.mean * self.n + o.mean * o.n) / n;
        self.m2 = (self.m2 + o.m2 + d * d * (self.n * o.n / n)).min(f32::MAX);
        self.n = n;
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
    #[inline]
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
    #[inline]
    pub fn push(&mut self, x: f32) {
        self.current.push(x);
    }

    /// Count, mean and variance over both panes.
    pub fn summary(&self) -> (f64, f64, f64) {
        let mut p = self.previous;
        p.merge(&self.current);
        let var = if p.n > 0.0 {
            f64::from(p.m2) / f64::from(p.n)
        } else {
            0.0
        };
        (f64::from(p.n), f64::from(p.mean), var.max(0.0))
    }

    /// Merges another window aligned to the same pane.
    pub fn merge(&mut self, o: &WindowStats) {
        self.current.merge(&o.current);
        self.previous.merge(&o.previous);
    }
}

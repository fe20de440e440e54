//! Exponentially weighted mean and variance, weighted by time decay so that it merges exactly.

use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Time-decayed weighted mean and variance.
///
/// Each value `xᵢ` seen at time `tᵢ` has weight `2^{−(t − tᵢ)/h}` at time `t` (half-life `h`).
/// The state is `(W, mean, M2)` with `W = Σ wᵢ`, `M2 = Σ wᵢ (xᵢ − mean)²`: a function of the
/// multiset of `(tᵢ, xᵢ)` only, so two shards decayed to one time and merged with Chan's
/// formula equal one pass over both streams (up to rounding), in any order.
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
pub struct EwStats {
    /// Total decayed weight.
    pub weight: f64,
    /// Weighted mean.
    pub mean: f64,
    /// Weighted sum of squared deviations from the mean.
    pub m2: f64,
}

impl EwStats {
    /// Decays all weights by `factor` (`2^{−dt/h}`).
    #[inline(always)]
    pub fn decay(&mut self, factor: f64) {
        self.weight *= factor;
        self.m2 *= factor;
    }

    /// Adds `x` with weight `w` (weighted Welford update).
    #[inline(always)]
    pub fn push(&mut self, x: f64, w: f64) {
        let total = self.weight + w;
        if total <= 0.0 {
            return;
        }
        let d = x - self.mean;
        self.mean += d * (w / total);
        self.m2 += w * d * (x - self.mean);
        self.weight = total;
    }

    /// Weighted variance (population form), 0 with no weight.
    #[inline]
    pub fn variance(&self) -> f64 {
        if self.weight > 0.0 {
            (self.m2 / self.weight).max(0.0)
        } else {
            0.0
        }
    }

    /// Merges another state decayed to the same time (Chan et al.'s parallel formula).
    pub fn merge(&mut self, other: &EwStats) {
        let total = self.weight + other.weight;
        if total <= 0.0 {
            return;
        }
        let d = other.mean - self.mean;
        // Symmetric form: the same result whichever side is `self` (up to rounding).
        self.mean = (self.mean * self.weight + other.mean * other.weight) / total;
        self.m2 += other.m2 + d * d * (self.weight * other.weight / total);
        self.weight = total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_weights_give_sample_moments() {
        let mut s = EwStats::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            s.push(x, 1.0);
        }
        assert!((s.mean - 2.5).abs() < 1e-12);
        assert!((s.variance() - 1.25).abs() < 1e-12);
    }

    #[test]
    fn merge_equals_one_pass() {
        let xs = [3.0, -1.0, 7.5, 2.0, 2.0, 10.0];
        let mut all = EwStats::default();
        let (mut a, mut b) = (EwStats::default(), EwStats::default());
        for (i, x) in xs.iter().enumerate() {
            all.push(*x, 1.0);
            if i % 2 == 0 {
                a.push(*x, 1.0)
            } else {
                b.push(*x, 1.0)
            }
        }
        a.merge(&b);
        assert!((a.mean - all.mean).abs() < 1e-12);
        assert!((a.m2 - all.m2).abs() < 1e-9);
    }
}

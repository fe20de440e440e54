//! Hour-of-day and day-of-week activity histograms in 31 bytes.

use serde::{Deserialize, Serialize};

/// Hour-of-day and day-of-week counts, one byte each. When a bin would pass 255 every bin of
/// that histogram is halved first, so old activity fades as new activity accrues (decay by
/// volume) and the shape, which is all the rate model uses, is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Seasonal {
    /// Events per hour of day (UTC).
    pub hour: [u8; 24],
    /// Events per day of week (Monday = 0).
    pub day: [u8; 7],
}

fn bump<const N: usize>(h: &mut [u8; N], i: usize) {
    if let Some(&v) = h.get(i) {
        if v == u8::MAX {
            for b in h.iter_mut() {
                *b >>= 1;
            }
        }
        if let Some(b) = h.get_mut(i) {
            *b += 1;
        }
    }
}

fn factor<const N: usize>(h: &[u8; N], i: usize) -> f64 {
    let total: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let c = h.get(i).copied().unwrap_or(0);
    // Add-one smoothing, relative to a flat profile (1.0 = average bin).
    (f64::from(c) + 1.0) / (f64::from(total) + N as f64) * N as f64
}

fn merge_hist<const N: usize>(a: &mut [u8; N], b: &[u8; N]) {
    let mut sum = [0u16; N];
    for ((s, x), y) in sum.iter_mut().zip(a.iter()).zip(b.iter()) {
        *s = u16::from(*x) + u16::from(*y);
    }
    while sum.iter().any(|&s| s > 255) {
        for s in sum.iter_mut() {
            *s >>= 1;
        }
    }
    for (x, s) in a.iter_mut().zip(sum.iter()) {
        *x = u8::try_from(*s).unwrap_or(u8::MAX);
    }
}

impl Seasonal {
    /// Counts one event at `hour` (0–23) of `day` (0–6).
    #[inline]
    pub fn record(&mut self, hour: usize, day: usize) {
        bump(&mut self.hour, hour);
        bump(&mut self.day, day);
    }

    /// How much busier than average this hour of this day usually is (1.0 = average).
    #[inline]
    pub fn factor(&self, hour: usize, day: usize) -> f64 {
        factor(&self.hour, hour) * factor(&self.day, day)
    }

    /// How rare `hour` is among this profile's hours of activity: its share, the share of a
    /// typical hour (`Σ p²`), and the probability of an hour at least as rare (pseudo-count
    /// 1/10 per hour, so a never-used hour of a busy profile is rare and of a new one is not).
    pub fn hour_rarity(&self, hour: usize) -> super::Rarity {
        const A: f64 = 0.1;
        // One integer pass over the 24 bytes (sums, sum of squares, mass of hours no busier
        // than this one), then a handful of float operations: the per-bin float loop this
        // replaces was the costliest part of scoring.
        let own_c = u32::from(self.hour.get(hour).copied().unwrap_or(0));
        let (mut sum, mut sum_sq, mut le_sum, mut le_n) = (0u32, 0u32, 0u32, 0u32);
        for &c in &self.hour {
            let c = u32::from(c);
            sum += c;
            sum_sq += c * c;
            let le = u32::from(c <= own_c);
            le_sum += c * le;
            le_n += le;
        }
        let own = f64::from(own_c);
        let total = f64::from(sum) + 24.0 * A;
        // Σ (c + A)² = Σ c² + 2A Σ c + 24 A².
        let sq_num = f64::from(sum_sq) + 2.0 * A * f64::from(sum) + 24.0 * A * A;
        let tail_num = f64::from(le_sum) + f64::from(le_n) * A;
        super::Rarity {
            observed: (own + A) / total,
            expected: sq_num / (total * total),
            tail: (tail_num / total).min(1.0),
        }
    }

    /// Adds another histogram (halving both when a bin would overflow).
    pub fn merge(&mut self, o: &Seasonal) {
        merge_hist(&mut self.hour, &o.hour);
        merge_hist(&mut self.day, &o.day);
    }
}

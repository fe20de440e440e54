//! Hour-of-day and day-of-week activity histograms in 31 bytes.

use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Hour-of-day and day-of-week counts, one byte each, and their totals (kept alongside so that
/// scoring reads them instead of summing 31 bins). When a bin would pass 255 every bin of
/// that histogram is halved first, so old activity fades as new activity accrues (decay by
/// volume) and the shape, which is all the rate model uses, is kept.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    FromBytes,
    IntoBytes,
    Immutable,
    KnownLayout,
)]
#[repr(C)]
pub struct Seasonal {
    /// Events per hour of day (UTC).
    hour: [u8; 24],
    /// Events per day of week (Monday = 0).
    day: [u8; 7],
    /// `Σ hour` and `Σ day` as little-endian `u16`s (at most 24·255 and 7·255).
    totals: [u8; 4],
}

/// Adds one at bin `i` (halving every bin first if it would overflow); returns the new
/// total given the old one.
#[inline(always)]
fn bump<const N: usize>(h: &mut [u8; N], i: usize, total: u16) -> u16 {
    match h.get_mut(i) {
        Some(b) if *b < u8::MAX => {
            *b += 1;
            total + 1
        }
        Some(_) => bump_full(h, i),
        None => total,
    }
}

/// [`bump`] at a full bin: halve every bin, then add one (rare: out of line).
#[cold]
#[inline(never)]
fn bump_full<const N: usize>(h: &mut [u8; N], i: usize) -> u16 {
    for b in h.iter_mut() {
        *b >>= 1;
    }
    if let Some(b) = h.get_mut(i) {
        *b += 1;
    }
    sum(h)
}

fn sum<const N: usize>(h: &[u8; N]) -> u16 {
    h.iter().map(|&b| u16::from(b)).sum()
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

/// Pseudo-count per hour in the hour-of-day rarity.
const HOUR_PSEUDO: f64 = 0.1;
/// Low byte of each 16-bit lane.
const LOW_BYTES: u64 = 0x00ff_00ff_00ff_00ff;
/// 1 in each 16-bit lane.
const LANES_1: u64 = 0x0001_0001_0001_0001;
/// 256 in each 16-bit lane.
const LANES_256: u64 = 0x0100_0100_0100_0100;

/// Sum of the four 16-bit lanes of `x` (each lane holds a sum of at most 6 bytes, ≤ 1530, so
/// the four add without overflowing 16 bits: at most 6120).
#[inline]
fn sum_lanes(x: u64) -> u32 {
    (x.wrapping_mul(LANES_1) >> 48) as u32
}

/// `(Σ c, n)` over the hour bins `c ≤ own`: with SSE2, 16 bins per instruction (a byte
/// minimum and compare give the mask, a sum of absolute differences against zero adds the
/// selected bytes); elsewhere [`hours_at_most_swar`]. The same integers either way.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn hours_at_most(hour: &[u8; 24], own: u8) -> (u32, u32) {
    use safe_arch::{
        add_i8_m128i, add_i64_m128i, bitand_m128i, cmp_eq_mask_i8_m128i, m128i, min_u8_m128i,
        set_i64_m128i, set_splat_i8_m128i, sum_of_u8_abs_diff_m128i, zeroed_m128i,
    };
    let (first, rest) = hour.split_at(16);
    let lo = m128i::from(<[u8; 16]>::try_from(first).unwrap_or([0; 16]));
    let last = <[u8; 8]>::try_from(rest).map_or(0, u64::from_le_bytes);
    // The last 8 bins in the low half; the high half is zero and masked out (0 ≤ own).
    let hi = set_i64_m128i(0, last as i64);
    let only_low = set_i64_m128i(0, -1);
    let o = set_splat_i8_m128i(own as i8);
    let le_lo = cmp_eq_mask_i8_m128i(min_u8_m128i(lo, o), lo);
    let le_hi = bitand_m128i(cmp_eq_mask_i8_m128i(min_u8_m128i(hi, o), hi), only_low);
    let zero = zeroed_m128i();
    let sums = add_i64_m128i(
        sum_of_u8_abs_diff_m128i(bitand_m128i(lo, le_lo), zero),
        sum_of_u8_abs_diff_m128i(bitand_m128i(hi, le_hi), zero),
    );
    let one = set_splat_i8_m128i(1);
    // At most 2 per byte: no overflow.
    let ones = add_i8_m128i(bitand_m128i(le_lo, one), bitand_m128i(le_hi, one));
    let counts = sum_of_u8_abs_diff_m128i(ones, zero);
    let ([s0, s1], [n0, n1]) = (<[u64; 2]>::from(sums), <[u64; 2]>::from(counts));
    ((s0 + s1) as u32, (n0 + n1) as u32)
}

/// [`hours_at_most`] without SSE2.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn hours_at_most(hour: &[u8; 24], own: u8) -> (u32, u32) {
    hours_at_most_swar(hour, own)
}

/// [`hours_at_most`] eight bytes at a time, as 16-bit lanes of a `u64` (branch-free).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn hours_at_most_swar(hour: &[u8; 24], own: u8) -> (u32, u32) {
    let own_lanes = u64::from(own) * LANES_1;
    let (mut le_sum, mut le_n) = (0u64, 0u64);
    for w in hour.chunks_exact(8) {
        let w = <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes);
        for lanes in [w & LOW_BYTES, (w >> 8) & LOW_BYTES] {
            // Lane = 256 + own − c ≥ 256 exactly when c ≤ own (never borrows across lanes).
            let le = ((LANES_256 + own_lanes - lanes) >> 8) & LANES_1;
            le_sum += lanes & (le * 0xff);
            le_n += le;
        }
    }
    (sum_lanes(le_sum), sum_lanes(le_n))
}

/// One pass over a profile's histograms: what rate and hour-of-day scoring need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// Events in this hour of day.
    pub hour_own: u32,
    /// Events over all hours.
    pub hour_total: u32,
    /// Events in hours no busier than this one.
    pub le_sum: u32,
    /// Hours no busier than this one.
    pub le_n: u32,
    /// Events on this day of week.
    pub day_own: u32,
    /// Events over all days.
    pub day_total: u32,
}

impl Scan {
    /// How much busier than average this hour of this day usually is (1.0 = average;
    /// add-one smoothing per bin).
    #[inline]
    pub fn factor(&self) -> f64 {
        // One division for both shares.
        let num = (f64::from(self.hour_own) + 1.0) * (f64::from(self.day_own) + 1.0) * 168.0;
        num / ((f64::from(self.hour_total) + 24.0) * (f64::from(self.day_total) + 7.0))
    }

    /// [`factor`](Self::factor) as numerator and denominator, so that a caller comparing it
    /// can multiply instead of divide.
    #[inline(always)]
    pub fn factor_parts(&self) -> (f64, f64) {
        let num = (f64::from(self.hour_own) + 1.0) * (f64::from(self.day_own) + 1.0) * 168.0;
        (
            num,
            (f64::from(self.hour_total) + 24.0) * (f64::from(self.day_total) + 7.0),
        )
    }

    /// [`hour_tail`](Self::hour_tail) as numerator (at most the denominator) and
    /// denominator.
    #[inline(always)]
    pub fn hour_tail_parts(&self) -> (f64, f64) {
        let total = f64::from(self.hour_total) + 24.0 * HOUR_PSEUDO;
        let num = f64::from(self.le_sum) + f64::from(self.le_n) * HOUR_PSEUDO;
        (crate::fastmath::min(num, total), total)
    }

    /// Share of this hour (smoothed).
    #[inline]
    pub fn hour_share(&self) -> f64 {
        (f64::from(self.hour_own) + HOUR_PSEUDO) / (f64::from(self.hour_total) + 24.0 * HOUR_PSEUDO)
    }

    /// Probability of an hour at least as rare as this one (smoothed).
    #[inline]
    pub fn hour_tail(&self) -> f64 {
        let total = f64::from(self.hour_total) + 24.0 * HOUR_PSEUDO;
        ((f64::from(self.le_sum) + f64::from(self.le_n) * HOUR_PSEUDO) / total).min(1.0)
    }
}

impl Seasonal {
    /// Histograms with these bins.
    pub fn from_bins(hour: [u8; 24], day: [u8; 7]) -> Self {
        let mut s = Self {
            hour,
            day,
            totals: [0; 4],
        };
        s.retotal();
        s
    }

    /// Events per hour of day (UTC).
    pub fn hours(&self) -> &[u8; 24] {
        &self.hour
    }

    /// Events per day of week (Monday = 0).
    pub fn days(&self) -> &[u8; 7] {
        &self.day
    }

    #[inline]
    fn hour_total(&self) -> u16 {
        u16::from_le_bytes([self.totals[0], self.totals[1]])
    }

    #[inline]
    fn day_total(&self) -> u16 {
        u16::from_le_bytes([self.totals[2], self.totals[3]])
    }

    #[inline]
    fn set_totals(&mut self, hour: u16, day: u16) {
        let (h, d) = (hour.to_le_bytes(), day.to_le_bytes());
        self.totals = [h[0], h[1], d[0], d[1]];
    }

    fn retotal(&mut self) {
        self.set_totals(sum(&self.hour), sum(&self.day));
    }

    /// Counts one event at `hour` (0–23) of `day` (0–6).
    #[inline(always)]
    pub fn record(&mut self, hour: usize, day: usize) {
        let (ht, dt) = (self.hour_total(), self.day_total());
        let h = bump(&mut self.hour, hour, ht);
        let d = bump(&mut self.day, day, dt);
        self.set_totals(h, d);
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
        let s = self.scan(hour, 0);
        super::Rarity {
            observed: s.hour_share(),
            expected: self.hour_expected(),
            tail: s.hour_tail(),
        }
    }

    /// `Σ p²` over hours (add-one-tenth smoothed): the share of a typical hour. Only needed
    /// when a deviation is reported, so it is not part of [`Seasonal::scan`].
    pub fn hour_expected(&self) -> f64 {
        let (mut sum, mut sum_sq) = (0u32, 0u32);
        for &c in &self.hour {
            let c = u32::from(c);
            sum += c;
            sum_sq += c * c;
        }
        let total = f64::from(sum) + 24.0 * HOUR_PSEUDO;
        // Σ (c + A)² = Σ c² + 2A Σ c + 24 A².
        let sq_num = f64::from(sum_sq)
            + 2.0 * HOUR_PSEUDO * f64::from(sum)
            + 24.0 * HOUR_PSEUDO * HOUR_PSEUDO;
        sq_num / (total * total)
    }

    /// Everything scoring needs from both histograms, branch-free: the hours no busier than
    /// this one in two 16-byte vector steps (SSE2), the totals as stored.
    #[inline(always)]
    pub fn scan(&self, hour: usize, day: usize) -> Scan {
        let own = self.hour.get(hour).copied().unwrap_or(0);
        let (le_sum, le_n) = hours_at_most(&self.hour, own);
        Scan {
            hour_own: u32::from(own),
            hour_total: u32::from(self.hour_total()),
            le_sum,
            le_n,
            day_own: u32::from(self.day.get(day).copied().unwrap_or(0)),
            day_total: u32::from(self.day_total()),
        }
    }

    /// Adds another histogram (halving both when a bin would overflow).
    pub fn merge(&mut self, o: &Seasonal) {
        merge_hist(&mut self.hour, &o.hour);
        merge_hist(&mut self.day, &o.day);
        self.retotal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_core::SplitMix64;

    /// A random bin count that hits the edges often: empty, saturated (255), one below it.
    fn edge_bin(r: &mut SplitMix64) -> u8 {
        match r.below(5) {
            0 => 0,
            1 => 255,
            2 => 254,
            _ => r.below(256) as u8,
        }
    }

    #[test]
    fn scan_matches_the_per_bin_definition() {
        let mut r = SplitMix64::new(7);
        for _ in 0..500 {
            let mut s = Seasonal::default();
            for b in s.hour.iter_mut().chain(s.day.iter_mut()) {
                *b = edge_bin(&mut r);
            }
            s.retotal();
            let (h, d) = (r.below(24) as usize, r.below(7) as usize);
            let sc = s.scan(h, d);
            let own = s.hour[h];
            let total: u32 = s.hour.iter().map(|&c| u32::from(c)).sum();
            let le: Vec<u32> = s
                .hour
                .iter()
                .filter(|&&c| c <= own)
                .map(|&c| c.into())
                .collect();
            assert_eq!(sc.hour_total, total);
            assert_eq!(sc.le_sum, le.iter().sum::<u32>());
            assert_eq!(sc.le_n as usize, le.len());
            assert_eq!(
                sc.day_total,
                s.day.iter().map(|&c| u32::from(c)).sum::<u32>()
            );
            assert!((sc.factor() - s.factor(h, d)).abs() < 1e-12);
        }
    }

    #[test]
    fn hours_at_most_equals_the_swar_form_and_the_definition() {
        let mut r = SplitMix64::new(11);
        for _ in 0..5_000 {
            let mut hour = [0u8; 24];
            for b in hour.iter_mut() {
                *b = edge_bin(&mut r);
            }
            let own = match r.below(4) {
                0 => 0,
                1 => 255,
                2 => hour[r.below(24) as usize],
                _ => r.below(256) as u8,
            };
            let want = (
                hour.iter()
                    .filter(|&&c| c <= own)
                    .map(|&c| u32::from(c))
                    .sum(),
                hour.iter().filter(|&&c| c <= own).count() as u32,
            );
            assert_eq!(hours_at_most(&hour, own), want);
            assert_eq!(hours_at_most_swar(&hour, own), want);
        }
    }

    #[test]
    fn totals_follow_the_bins_through_halving_and_merging() {
        let mut r = SplitMix64::new(3);
        let (mut a, mut b) = (Seasonal::default(), Seasonal::default());
        for i in 0..5_000 {
            // Skewed hours so that some bins overflow and halve.
            let h = if i % 3 == 0 { 5 } else { r.below(24) as usize };
            a.record(h, r.below(7) as usize);
            b.record(r.below(24) as usize, 2);
            for s in [&a, &b] {
                assert_eq!(s.hour_total(), sum(&s.hour));
                assert_eq!(s.day_total(), sum(&s.day));
            }
        }
        a.merge(&b);
        assert_eq!(a.hour_total(), sum(&a.hour));
        assert_eq!(a.day_total(), sum(&a.day));
        assert_eq!(Seasonal::from_bins(a.hour, a.day), a);
    }
}

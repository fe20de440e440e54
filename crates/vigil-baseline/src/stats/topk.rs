//! Decaying Space-Saving summary of one categorical dimension.

use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Entries kept per dimension per entity.
pub const TOP_K: usize = 4;

/// The `TOP_K` most frequent values of one dimension (Space-Saving, Metwally et al. 2005), with
/// time-decayed counts, the decayed total, and a distinct-count sketch alongside.
///
/// Values are 32-bit fingerprints of a seeded hash (0 = empty slot). A value not in the table
/// is either new or rarer than every kept value; the mass outside the table
/// (`total − Σ kept`) is its probability, with add-one smoothing so the first surprise of a
/// young entity is mild and that of an old, regular one is strong.
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
pub struct TopK {
    /// Decayed number of values seen.
    pub total: f32,
    /// Fingerprints (0 = empty).
    pub keys: [u32; TOP_K],
    /// Decayed counts, aligned with `keys`.
    pub counts: [f32; TOP_K],
}

/// How rare a value was: its estimated frequency and the tail probability of a value at
/// least this rare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rarity {
    /// Estimated frequency of the observed value (0 when not kept).
    pub observed: f64,
    /// Frequency of a typical value: `Σ p²` over kept values (the chance two events agree).
    pub expected: f64,
    /// Probability of a value at least as rare as this one.
    pub tail: f64,
}

impl TopK {
    /// Multiplies every count by `factor`.
    #[inline(always)]
    pub fn decay(&mut self, factor: f32) {
        self.total *= factor;
        for c in &mut self.counts {
            *c *= factor;
        }
    }

    /// Scores a fingerprint against the summary, its counts decayed by `decay` first.
    ///
    /// Decay scales every count alike, so the sums are taken on the stored counts (in `f32`,
    /// as stored) and scaled once.
    #[inline]
    pub fn rarity(&self, key: u32, decay: f64) -> Rarity {
        let (mut kept, mut sq, mut own) = (0f32, 0f32, None);
        for (k, c) in self.keys.iter().zip(self.counts.iter()) {
            let live = if *k != 0 { *c } else { 0.0 };
            kept += live;
            sq += live * live;
            if *k == key && *k != 0 {
                own = Some(*c);
            }
        }
        let total = f64::from(self.total) * decay;
        let kept = f64::from(kept) * decay;
        let denom = total + 1.0;
        let other = ((total - kept).max(0.0) + 1.0) / denom;
        let expected = if total > 0.0 {
            f64::from(sq) * decay * decay / (total * total)
        } else {
            0.0
        };
        match own {
            Some(c) => {
                // Mass of kept values no more frequent than this one, plus everything unkept.
                let mut rarer = 0f32;
                for (k, d) in self.keys.iter().zip(self.counts.iter()) {
                    if *k != 0 && *d <= c {
                        rarer += *d;
                    }
                }
                Rarity {
                    observed: f64::from(c) * decay / total.max(f64::MIN_POSITIVE),
                    expected,
                    tail: (f64::from(rarer) * decay / denom + other).min(1.0),
                }
            }
            None => Rarity {
                observed: 0.0,
                expected,
                tail: other.min(1.0),
            },
        }
    }

    /// The tail probability of [`rarity`](Self::rarity) as numerator (at most the
    /// denominator) and denominator, without the frequencies (only needed when reported) and
    /// without a division.
    #[inline(always)]
    pub fn tail_parts(&self, key: u32, decay: f64) -> (f64, f64) {
        // An empty slot's count is zero (push, merge and decoding keep it so), so the sums
        // need no mask for empty slots: straight-line selects over the four slots, summed in
        // slot order as before.
        let [c0, c1, c2, c3] = self.counts;
        let [k0, k1, k2, k3] = self.keys;
        let kept = ((c0 + c1) + c2) + c3;
        // `key` is never 0, so it matches only a live slot; −1 when it is not kept.
        let own = if k3 == key {
            c3
        } else if k2 == key {
            c2
        } else if k1 == key {
            c1
        } else if k0 == key {
            c0
        } else {
            -1.0
        };
        // Mass of kept values no more frequent than this one (none when it is not kept).
        let le = |c: f32| if c <= own { c } else { 0.0 };
        let rarer = ((le(c0) + le(c1)) + le(c2)) + le(c3);
        let total = f64::from(self.total) * decay;
        let den = total + 1.0;
        let other = crate::fastmath::max(total - f64::from(kept) * decay, 0.0) + 1.0;
        (
            crate::fastmath::min(f64::from(rarer) * decay + other, den),
            den,
        )
    }

    /// Zeroes the counts of empty slots (what [`tail_parts`](Self::tail_parts) relies on),
    /// for summaries read from bytes.
    pub fn normalize(&mut self) {
        for (k, c) in self.keys.iter().zip(self.counts.iter_mut()) {
            if *k == 0 {
                *c = 0.0;
            }
        }
    }

    /// Counts one occurrence of `key` with weight `w`; `true` if `key` was already kept.
    #[inline(always)]
    pub fn push(&mut self, key: u32, w: f32) -> bool {
        self.total += w;
        // The first slot holding `key`, found by selects over the four keys (a loop with an
        // exit per slot cost more on every event, where the value is usually kept).
        let [k0, k1, k2, k3] = self.keys;
        let hit = if k0 == key {
            0
        } else if k1 == key {
            1
        } else if k2 == key {
            2
        } else if k3 == key {
            3
        } else {
            TOP_K
        };
        if let Some(c) = self.counts.get_mut(hit) {
            *c += w;
            return true;
        }
        let mut min_i = 0;
        let mut min_c = f32::INFINITY;
        for (i, (k, c)) in self.keys.iter().zip(self.counts.iter()).enumerate() {
            let cc = if *k == 0 { -1.0 } else { *c };
            if cc < min_c {
                min_c = cc;
                min_i = i;
            }
        }
        // Space-Saving: the new value takes the least-counted slot and inherits its count
        // (an over-estimate by at most that count); an empty slot starts from zero.
        if let (Some(k), Some(c)) = (self.keys.get_mut(min_i), self.counts.get_mut(min_i)) {
            let base = if *k == 0 { 0.0 } else { *c };
            *k = key;
            *c = base + w;
        }
        false
    }

    /// Merges another summary decayed to the same time: counts of equal keys add, and the
    /// `TOP_K` largest are kept (ties broken by key, so the result does not depend on order).
    pub fn merge(&mut self, o: &TopK) {
        let mut all: [(u32, f32); 2 * TOP_K] = [(0, 0.0); 2 * TOP_K];
        let mut n = 0;
        for (k, c) in self
            .keys
            .iter()
            .zip(self.counts.iter())
            .chain(o.keys.iter().zip(o.counts.iter()))
        {
            if *k == 0 {
                continue;
            }
            if let Some(e) = all.iter_mut().take(n).find(|e| e.0 == *k) {
                e.1 += *c;
            } else if let Some(e) = all.get_mut(n) {
                *e = (*k, *c);
                n += 1;
            }
        }
        let used = all.get_mut(..n).unwrap_or_default();
        used.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        self.keys = [0; TOP_K];
        self.counts = [0.0; TOP_K];
        for (i, (k, c)) in used.iter().take(TOP_K).enumerate() {
            if let (Some(sk), Some(sc)) = (self.keys.get_mut(i), self.counts.get_mut(i)) {
                *sk = *k;
                *sc = *c;
            }
        }
        self.total += o.total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_value_after_regular_history_is_rare() {
        let mut t = TopK::default();
        for _ in 0..200 {
            t.push(7, 1.0);
        }
        let seen = t.rarity(7, 1.0);
        let new = t.rarity(9, 1.0);
        assert!(seen.tail > 0.9);
        assert!(new.tail < 0.01);
        assert_eq!(new.observed, 0.0);
        assert!((new.expected - 1.0).abs() < 1e-6);
    }

    /// The unmasked sums of `tail_parts` against the masked definition of `rarity`.
    #[test]
    fn tail_parts_match_rarity() {
        let mut r = vigil_core::SplitMix64::new(4);
        for _ in 0..2_000 {
            let mut t = TopK::default();
            for _ in 0..r.below(12) {
                t.push(1 + r.below(7) as u32, 0.5 + r.next_f64() as f32);
                if r.below(3) == 0 {
                    t.decay(0.7);
                }
            }
            let key = 1 + r.below(8) as u32;
            let decay = r.next_f64();
            let (num, den) = t.tail_parts(key, decay);
            let tail = t.rarity(key, decay).tail;
            assert!((num / den - tail).abs() < 1e-6, "{num}/{den} vs {tail}");
        }
    }

    /// What learning relies on to skip the distinct-count sketch for kept values: a value
    /// `push` reports as kept was inserted before, so the sketch that skips those inserts
    /// equals the one that takes every insert.
    #[test]
    fn kept_values_need_no_sketch_insert() {
        let mut r = vigil_core::SplitMix64::new(9);
        for _ in 0..200 {
            let (mut t, mut skip, mut all) = (
                TopK::default(),
                crate::stats::TinyHll::default(),
                crate::stats::TinyHll::default(),
            );
            let values: Vec<u64> = (0..1 + r.below(12)).map(|_| r.next_u64()).collect();
            for _ in 0..300 {
                let h = values[r.below(values.len() as u64) as usize];
                if r.below(5) == 0 {
                    t.decay(0.6);
                }
                if !t.push(((h >> 32) as u32).max(1), 1.0) {
                    skip.insert(h);
                }
                all.insert(h);
            }
            assert_eq!(skip, all);
        }
    }

    #[test]
    fn merge_is_order_free() {
        let (mut a, mut b) = (TopK::default(), TopK::default());
        for k in [1, 2, 3, 1, 5, 6] {
            a.push(k, 1.0);
        }
        for k in [2, 7, 8, 2, 9] {
            b.push(k, 1.0);
        }
        let mut ab = a;
        ab.merge(&b);
        let mut ba = b;
        ba.merge(&a);
        assert_eq!(ab, ba);
    }
}

//! A seeded hash for the category values scored on every observation.
//!
//! The value's hash feeds the top-k fingerprint and the HyperLogLog (never a map), so it
//! needs good bits and a secret key, not aHash's whole streaming machinery: for values up to
//! 16 bytes this is two loads and two folded multiplies.

/// Key words of [`hash_str`], derived from the model's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrKey([u64; 3]);

impl StrKey {
    pub(crate) fn from_seed(seed: u64) -> Self {
        let mut r = vigil_core::SplitMix64::new(seed ^ 0x6361_7465_676f_7279);
        Self([r.next_u64(), r.next_u64(), r.next_u64() | 1])
    }
}

/// 64×64 → 128-bit multiply, high and low halves xor-ed (as in aHash's fallback): every
/// output bit depends on every input bit.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Seeded 64-bit hash of `s`.
#[inline(always)]
pub(crate) fn hash_str(key: StrKey, s: &str) -> u64 {
    let [k0, k1, k2] = key.0;
    let b = s.as_bytes();
    let n = b.len() as u64;
    let mut acc = k0 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    if b.len() <= 16 {
        // (length, first 8, last 8 bytes) determines a string of at most 16 bytes.
        let (x, y) = crate::names::ends(b);
        acc = fold(acc ^ x, k1 ^ y);
    } else {
        let mut blocks = b.chunks_exact(16);
        for c in blocks.by_ref() {
            let (x, y) = crate::names::ends(c);
            acc = fold(acc ^ x, k1 ^ y).rotate_left(23);
        }
        let rest = blocks.remainder();
        // The last 16 bytes (overlapping the last block) cover the remainder.
        let tail = b.get(b.len() - 16..).unwrap_or_default();
        let (x, y) = crate::names::ends(tail);
        acc = fold(acc ^ x ^ rest.len() as u64, k1 ^ y);
    }
    fold(acc, k2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_hash_apart_and_bits_are_balanced() {
        let key = StrKey::from_seed(1);
        let mut seen = std::collections::HashSet::new();
        let mut ones = [0u32; 64];
        let words: Vec<String> = (0..20_000)
            .map(|i| match i % 4 {
                0 => format!("{i}"),
                1 => format!("alert-type-{i}"),
                2 => format!("a much longer category value number {i} with padding"),
                _ => "x".repeat(i % 40),
            })
            .collect();
        let mut distinct = 0;
        for w in &words {
            if seen.insert(hash_str(key, w)) {
                distinct += 1;
            }
        }
        let unique: std::collections::HashSet<&String> = words.iter().collect();
        assert_eq!(distinct, unique.len());
        for w in unique.iter() {
            let h = hash_str(key, w);
            for (i, o) in ones.iter_mut().enumerate() {
                *o += ((h >> i) & 1) as u32;
            }
        }
        let n = unique.len() as f64;
        for o in ones {
            assert!((f64::from(o) / n - 0.5).abs() < 0.03, "{o} of {n}");
        }
        assert_ne!(hash_str(key, "ssh"), hash_str(StrKey::from_seed(2), "ssh"));
    }
}

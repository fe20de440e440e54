//! Fast `log2` and `exp2` for scoring: relative error below 1e-10 over the range used, a table
//! lookup and a short polynomial instead of a libm call (which dominated the per-event
//! profile), and no division (a division's latency stalled the chains that use them).

use std::f64::consts::LN_2;

/// Mantissa bits that index [`LOG_TABLE`].
const LOG_BITS: u32 = 8;

/// `(1/c, log2 c)` for `c = 1 + i/256`, `i < 256`: `log2 x = e + log2 c + log2(m/c)` with
/// `m/c − 1 ∈ [0, 1/256)`, where a degree-3 series is exact to ~1e-10 (scores are reported
/// to far fewer digits).
static LOG_TABLE: [(f64, f64); 1 << LOG_BITS] = {
    let mut t = [(0.0, 0.0); 1 << LOG_BITS];
    let mut i = 0;
    while i < t.len() {
        let c = 1.0 + i as f64 / (1 << LOG_BITS) as f64;
        t[i] = (1.0 / c, const_ln(c) / LN_2);
        i += 1;
    }
    t
};

/// `ln c` for `c ∈ [1, 2]` at compile time: `2 atanh s`, `s = (c−1)/(c+1) ≤ 1/3`, summed to
/// convergence.
pub(crate) const fn const_ln(c: f64) -> f64 {
    let s = (c - 1.0) / (c + 1.0);
    let s2 = s * s;
    let (mut term, mut sum, mut k) = (s, 0.0, 0);
    while k < 40 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
        k += 1;
    }
    2.0 * sum
}

/// `log2(x)` for `x > 0` (falls back to libm for zero, negatives, subnormals, NaN and ∞).
#[inline(always)]
pub(crate) fn log2(x: f64) -> f64 {
    if !(f64::MIN_POSITIVE..f64::INFINITY).contains(&x) {
        return x.log2();
    }
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let i = ((bits >> (52 - LOG_BITS)) & ((1 << LOG_BITS) - 1)) as usize;
    let (inv, log_c) = LOG_TABLE.get(i).copied().unwrap_or((1.0, 0.0));
    let r = m * inv - 1.0;
    // ln(1+r) = r − r²/2 + r³/3 (r < 2^−8: the next term is < 6e-11·r).
    let ln1p = r - r * r * (0.5 - r * (1.0 / 3.0));
    e as f64 + log_c + ln1p * INV_LN2
}

/// `1 / ln 2` (a multiplication where `… / LN_2` was a division per call).
const INV_LN2: f64 = 1.0 / LN_2;

/// Natural logarithm via [`log2`].
#[inline(always)]
pub(crate) fn ln(x: f64) -> f64 {
    log2(x) * LN_2
}

/// `max(a, b)` as one compare-and-select (`f64::max` adds NaN handling, several instructions
/// on the hot path). With a NaN operand it returns `b`.
#[inline(always)]
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

/// `min(a, b)` as one compare-and-select; with a NaN operand it returns `b`.
#[inline(always)]
pub(crate) fn min(a: f64, b: f64) -> f64 {
    if a < b { a } else { b }
}

/// Fraction bits of `exp2`'s table index.
const EXP_BITS: u32 = 6;

/// `2^{j/64}`, `j < 64`, at compile time (Taylor series of `e^{j ln2 / 64}` to convergence).
static EXP_TABLE: [f64; 1 << EXP_BITS] = {
    let mut t = [0.0; 1 << EXP_BITS];
    let mut j = 0;
    while j < t.len() {
        let g = j as f64 / (1 << EXP_BITS) as f64 * LN_2;
        let (mut term, mut sum, mut k) = (1.0, 0.0, 1);
        while k < 30 {
            sum += term;
            term *= g / k as f64;
            k += 1;
        }
        t[j] = sum;
        j += 1;
    }
    t
};

/// `2^x` (0 below −1022, libm above 1023 or for NaN).
#[inline(always)]
pub(crate) fn exp2(x: f64) -> f64 {
    if x < -1022.0 {
        return 0.0;
    }
    if x.is_nan() || x > 1023.0 {
        return x.exp2();
    }
    // Round x·64 to the nearest integer K by adding 1.5·2^52: the sum's low mantissa bits
    // are then 2^51 + K, with no libm `round` and no saturating float-to-int conversion.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let k = x * (1 << EXP_BITS) as f64 + ROUND;
    let big = (k.to_bits() & 0x000f_ffff_ffff_ffff) as i64 - (1i64 << 51);
    let g = (x - (k - ROUND) * (1.0 / (1 << EXP_BITS) as f64)) * LN_2; // |g| ≤ ln2/128
    let j = (big & ((1 << EXP_BITS) - 1)) as usize;
    let n = big >> EXP_BITS;
    // e^g to g³: relative error < 4e-11 on |g| ≤ 0.0055.
    let p = 1.0 + g * (1.0 + g * (0.5 + g * (1.0 / 6.0)));
    let scale = f64::from_bits(((n + 1023) as u64) << 52);
    EXP_TABLE.get(j).copied().unwrap_or(1.0) * scale * p
}

/// [`log2`] of `N` values at once, for `x` normal and finite (other lanes give garbage: the
/// caller recomputes those with [`log2`]). The same operations
/// in the same order as [`log2`], as straight-line loops over the lanes (table lookups in a
/// loop of their own) that the compiler turns into vector instructions; the exponent is
/// converted to `f64` by the 2^52 trick instead of `as` (both exact, so the same bits; the
/// conversion from a 64-bit integer has no vector instruction before AVX-512).
#[inline(always)]
pub(crate) fn log2_lanes<const N: usize>(x: &[f64; N]) -> [f64; N] {
    let mut m = [0.0; N];
    let mut e = [0.0; N];
    let mut idx = [0usize; N];
    for (((m, e), idx), x) in m.iter_mut().zip(e.iter_mut()).zip(idx.iter_mut()).zip(x) {
        let bits = x.to_bits();
        // 2^52 + field, exactly; minus 2^52 + 1023 gives the unbiased exponent exactly.
        *e = f64::from_bits(((bits >> 52) & 0x7ff) | 0x4330_0000_0000_0000) - EXP_OFFSET;
        *m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
        *idx = ((bits >> (52 - LOG_BITS)) & ((1 << LOG_BITS) - 1)) as usize;
    }
    let mut inv = [0.0; N];
    let mut log_c = [0.0; N];
    for ((inv, log_c), i) in inv.iter_mut().zip(log_c.iter_mut()).zip(idx) {
        (*inv, *log_c) = LOG_TABLE.get(i).copied().unwrap_or((1.0, 0.0));
    }
    let mut out = [0.0; N];
    for ((((o, m), e), inv), log_c) in out.iter_mut().zip(m).zip(e).zip(inv).zip(log_c) {
        let r = m * inv - 1.0;
        let ln1p = r - r * r * (0.5 - r * (1.0 / 3.0));
        *o = e + log_c + ln1p * INV_LN2;
    }
    out
}

/// `2^52 + 1023`: [`log2_lanes`]' exponent offset.
const EXP_OFFSET: f64 = 4_503_599_627_371_519.0;

/// [`exp2`] of `N` values at once, for `x ∈ [−1022, 1023]` (other lanes give garbage: the
/// caller recomputes them with [`exp2`]). The same operations as [`exp2`] (the scale's
/// exponent by a logical shift, equal to the arithmetic one in this range), so the same bits.
#[inline(always)]
pub(crate) fn exp2_lanes<const N: usize>(x: &[f64; N]) -> [f64; N] {
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let mut g = [0.0; N];
    let mut j = [0usize; N];
    let mut scale = [0.0; N];
    for (((g, j), scale), x) in g.iter_mut().zip(j.iter_mut()).zip(scale.iter_mut()).zip(x) {
        let k = x * (1 << EXP_BITS) as f64 + ROUND;
        let big = (k.to_bits() & 0x000f_ffff_ffff_ffff).wrapping_sub(1 << 51);
        *g = (x - (k - ROUND) * (1.0 / (1 << EXP_BITS) as f64)) * LN_2;
        *j = (big & ((1 << EXP_BITS) - 1)) as usize;
        // (big >> 6) + 1023 = (big + 1023·64) >> 6, non-negative for x ≥ −1023.
        let biased = big.wrapping_add(1023 << EXP_BITS) >> EXP_BITS;
        *scale = f64::from_bits(biased << 52);
    }
    let mut t = [0.0; N];
    for (t, j) in t.iter_mut().zip(j) {
        *t = EXP_TABLE.get(j).copied().unwrap_or(1.0);
    }
    let mut out = [0.0; N];
    for (((o, g), t), scale) in out.iter_mut().zip(g).zip(t).zip(scale) {
        let p = 1.0 + g * (1.0 + g * (0.5 + g * (1.0 / 6.0)));
        *o = t * scale * p;
    }
    out
}

/// [`exp2`] of two values, as one two-lane [`exp2_lanes`] when both are in its range (the
/// same bits; about half the instructions of two calls), else one at a time.
#[inline(always)]
pub(crate) fn exp2_pair(a: f64, b: f64) -> [f64; 2] {
    // `&`, not `&&`: one branch. False for NaN.
    let fast = -1022.0..=1023.0;
    if fast.contains(&a) & fast.contains(&b) {
        exp2_lanes(&[a, b])
    } else {
        [exp2(a), exp2(b)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_matches_libm() {
        let mut x = 1e-300;
        while x < 1e300 {
            let (a, b) = (log2(x), x.log2());
            assert!((a - b).abs() <= 1e-10 * b.abs().max(1.0), "x={x} {a} {b}");
            x *= 1.37;
        }
        for x in [1.0, 1.0 + 1e-12, 0.999_999, 1.5, 1.999_999_9, 2.0] {
            let (a, b) = (log2(x), f64::log2(x));
            // Near 1 the error is absolute (≤ 1e-11): relative to a tiny log2 it can be large,
            // but a surprisal is a sum of such terms and 1e-11 bits is far below what matters.
            assert!((a - b).abs() <= 1e-10 * b.abs() + 1e-11, "x={x} {a} {b}");
        }
        assert_eq!(log2(1.0), 0.0);
        assert_eq!(log2(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn lanes_give_the_same_bits_as_one_at_a_time() {
        let mut r = vigil_core::SplitMix64::new(11);
        for _ in 0..20_000 {
            let mut x = [0.0; 8];
            let mut y = [0.0; 8];
            for (a, b) in x.iter_mut().zip(y.iter_mut()) {
                // Logs: across the whole normal range and near 1; exps: over their range.
                *a = match r.below(3) {
                    0 => (r.next_f64() * 1400.0 - 700.0).exp2(),
                    1 => 1.0 + (r.next_f64() - 0.5) * 1e-6,
                    _ => 1.0 + r.next_f64() * 100.0,
                };
                *b = r.next_f64() * 2045.0 - 1022.0;
            }
            let (l, e) = (log2_lanes(&x), exp2_lanes(&y));
            for i in 0..8 {
                assert_eq!(l[i].to_bits(), log2(x[i]).to_bits(), "log2 {}", x[i]);
                assert_eq!(e[i].to_bits(), exp2(y[i]).to_bits(), "exp2 {}", y[i]);
            }
        }
        for x in [-1022.0, 1023.0, 0.0, -0.0, -1e-300] {
            assert_eq!(exp2_lanes(&[x])[0].to_bits(), exp2(x).to_bits(), "exp2 {x}");
        }
    }

    /// `exp2_pair` against two `exp2` calls, bit for bit: in the lanes' range, at and past
    /// its edges, and for NaN and infinities (which take the one-at-a-time path).
    #[test]
    fn pair_gives_the_same_bits_as_two_calls() {
        let edges = [
            -2000.0,
            -1022.5,
            -1022.0,
            -64.0,
            -1e-300,
            -0.0,
            0.0,
            1023.0,
            1023.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut pairs: Vec<(f64, f64)> = edges
            .iter()
            .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
            .collect();
        let mut r = vigil_core::SplitMix64::new(5);
        pairs.extend((0..20_000).map(|_| (r.next_f64() * 2100.0 - 1050.0, -64.0 * r.next_f64())));
        for (a, b) in pairs {
            let [x, y] = exp2_pair(a, b);
            assert_eq!(x.to_bits(), exp2(a).to_bits(), "exp2_pair({a}, {b})");
            assert_eq!(y.to_bits(), exp2(b).to_bits(), "exp2_pair({a}, {b})");
        }
    }

    #[test]
    fn exp2_matches_libm() {
        let mut x = -1020.0;
        while x < 1020.0 {
            let (a, b) = (exp2(x), x.exp2());
            assert!((a - b).abs() <= 1e-10 * b, "x={x} {a} {b}");
            x += 0.731;
        }
        for x in [0.0, -0.0078125, 0.0078125, -1022.0, 1023.0, -1e-9] {
            let (a, b) = (exp2(x), x.exp2());
            assert!((a - b).abs() <= 1e-10 * b, "x={x} {a} {b}");
        }
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(exp2(-2000.0), 0.0);
    }
}

//! Tail probabilities and surprisal: the arithmetic that makes scores comparable.
//!
//! Every component score is a tail probability `p` (how likely an observation at least this
//! extreme is under the baseline) reported as surprisal `-log2 p` bits. Components are combined
//! with Fisher's method, so a combined score is itself a tail probability.

use std::f64::consts::{FRAC_1_SQRT_2, LN_2, LOG2_E};

use crate::fastmath;

/// Surprisal (bits) below which nothing is reported; `p = 1` gives 0.
pub(crate) const MAX_SURPRISAL: f64 = 1.0e6;

/// Complementary error function, fractional error < 1.2e-7 everywhere (Numerical Recipes'
/// Chebyshev fit `erfcc`): good enough for tail probabilities, and branch-light.
pub fn erfc(x: f64) -> f64 {
    let (t, poly) = erfcc(x.abs());
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The two factors of Numerical Recipes' `erfcc` fit at `a ≥ 0`: `erfc(a) ≈ t · e^{poly}`,
/// `t = 1 / (1 + a/2)`. One copy of the polynomial for [`erfc`] and the Gaussian tails,
/// evaluated in Estrin's form (pairs, then powers t², t⁴, t⁸): four levels of dependent
/// multiply-adds instead of Horner's nine, since this sits on each measure's latency chain.
#[inline(always)]
fn erfcc(a: f64) -> (f64, f64) {
    let t = 1.0 / (1.0 + 0.5 * a);
    let t2 = t * t;
    let t4 = t2 * t2;
    let p01 = -1.265_512_23 + 1.000_023_68 * t;
    let p23 = 0.374_091_96 + 0.096_784_18 * t;
    let p45 = -0.186_288_06 + 0.278_868_07 * t;
    let p67 = -1.135_203_98 + 1.488_515_87 * t;
    let p89 = -0.822_152_23 + 0.170_872_77 * t;
    let q0 = p01 + p23 * t2;
    let q1 = p45 + p67 * t2;
    let poly = (q0 - a * a) + (q1 + p89 * t4) * t4;
    (t, poly)
}

/// Surprisal in bits of a two-sided Gaussian tail at z-score `z`: `-log2 P(|Z| ≥ |z|)`.
///
/// Uses `ln erfc` directly (the exponent of the fit), so it stays finite for any finite `z`
/// where `erfc` itself would underflow.
#[inline]
pub fn normal_two_sided_surprisal(z: f64) -> f64 {
    let a = z.abs() * FRAC_1_SQRT_2;
    if !a.is_finite() {
        return MAX_SURPRISAL;
    }
    let (_, poly) = erfcc(a);
    // P(|Z| ≥ |z|) = erfc(|z|/√2) = t·exp(poly).
    let ln_p = -fastmath::ln(1.0 + 0.5 * a) + poly;
    clamp_bits(-ln_p * LOG2_E)
}

/// The two factors of a two-sided Gaussian tail at z-score `z`: `P(|Z| ≥ |z|) = t · e^{poly}`
/// with `t ∈ (0, 1]` (same fit as [`normal_two_sided_surprisal`]), so that scoring can
/// multiply `t` into a product of tail probabilities and add `poly` to a log sum instead of
/// taking a logarithm per component.
#[inline(always)]
pub fn normal_two_sided_parts(z: f64) -> (f64, f64) {
    let a = z.abs() * FRAC_1_SQRT_2;
    if !a.is_finite() {
        return (0.0, -MAX_SURPRISAL);
    }
    let (t, poly) = erfcc(a);
    (t, fastmath::min(poly, 0.0))
}

/// `ln erfc(a)` for finite `a ≥ 1` by the `erfcc` fit (`ln t + poly`): what
/// [`crate::gauss`] falls back to beyond its table (`|z| ≥ 11.3`).
pub(crate) fn ln_erfc_fit(a: f64) -> f64 {
    let (t, poly) = erfcc(a);
    fastmath::ln(t) + fastmath::min(poly, 0.0)
}

/// The smallest `|z|` whose two-sided Gaussian surprisal reaches `bits` (bisection; used once
/// per model to decide reporting without a logarithm per event).
pub fn normal_z_for_bits(bits: f64) -> f64 {
    if bits <= 0.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while normal_two_sided_surprisal(hi) < bits && hi < 1e150 {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if normal_two_sided_surprisal(mid) < bits {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Surprisal in bits of a tail probability given as its natural logarithm.
#[inline]
pub fn bits_from_ln_tail(ln_p: f64) -> f64 {
    clamp_bits(-ln_p * LOG2_E)
}

/// Surprisal in bits of a Poisson upper tail, `−log2 P(N ≥ k | mean λ)`, for real `k`
/// (the regularised lower incomplete gamma `P(k, λ)`, its series summed in log space; exact
/// for integer `k`). 0 when `k ≤ λ`: only more events than expected are surprising.
pub fn poisson_upper_surprisal(k: f64, lambda: f64) -> f64 {
    if k.is_nan() || lambda.is_nan() || k <= lambda || lambda <= 0.0 || !k.is_finite() {
        return 0.0;
    }
    // P(a, x) = x^a e^{−x} / Γ(a+1) · Σ_{n≥0} x^n / ((a+1)…(a+n)), converging for x < a + n.
    // Two terms per step and one division per step: with q = a + n, the pair's ratio is
    // r = x²/(q(q+1)) and the first term's is x/q = r·(q+1)/x (this sits on the rate's slow
    // path, which dense entities take on a large share of their events).
    let (a, x) = (k, lambda);
    let inv_x = 1.0 / x;
    let (mut term, mut sum, mut q) = (1.0f64, 1.0f64, a + 1.0);
    for _ in 0..100 {
        let q1 = q + 1.0;
        let r = x * x / (q * q1);
        let t1 = term * (r * q1 * inv_x);
        term *= r;
        sum += t1 + term;
        if term < sum * 1e-12 {
            break;
        }
        q += 2.0;
    }
    // ln Γ(a+1) = stirling(y) − ln prod; folding `prod` into `sum` saves a logarithm.
    let (stirling, prod) = ln_gamma_parts(a + 1.0);
    let ln_p = a * fastmath::ln(x) - x - stirling + fastmath::ln(sum * prod);
    clamp_bits(-ln_p * LOG2_E)
}

/// `ln Γ(x)` for `x > 0`: Stirling's series at `x ≥ 8` (error < 1e-11), shifted up from
/// smaller `x` by the recurrence `Γ(x) = Γ(x + n) / (x (x+1) … (x+n−1))`; two logarithms
/// where a Lanczos sum would take nine divisions.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x == f64::INFINITY {
        return ln_gamma_reflect(x);
    }
    let (stirling, prod) = ln_gamma_parts(x);
    stirling - fastmath::ln(prod)
}

/// `ln Γ(x) = s − ln p` for finite `x > 0`, as `(s, p)`: Stirling's series at `y = x + n ≥ 8`
/// and the product `p = x (x+1) … (x+n−1)` of the recurrence.
#[inline]
fn ln_gamma_parts(x: f64) -> (f64, f64) {
    let (mut y, mut prod) = (x, 1.0f64);
    while y < 8.0 {
        prod *= y;
        y += 1.0;
    }
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    // 1/(12y) − 1/(360y³) + 1/(1260y⁵) − 1/(1680y⁷)
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    let half_ln_2pi = 0.918_938_533_204_672_8;
    ((y - 0.5) * fastmath::ln(y) - y + half_ln_2pi + series, prod)
}

/// `ln |Γ(x)|` off the positive reals (reflection), and non-finite passthrough.
fn ln_gamma_reflect(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
    let pi = std::f64::consts::PI;
    (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x)
}

/// Converts surprisal (bits) to a tail probability.
pub fn tail_from_bits(bits: f64) -> f64 {
    fastmath::exp2(-bits).clamp(0.0, 1.0)
}

/// Converts a tail probability to surprisal (bits); `p ≤ 0` gives the cap.
pub fn bits_from_tail(p: f64) -> f64 {
    if p >= 1.0 {
        0.0
    } else if p > 0.0 {
        clamp_bits(-fastmath::log2(p))
    } else {
        MAX_SURPRISAL
    }
}

/// Fisher's method: combines `k` independent tail probabilities given as their total surprisal
/// (bits). `X = −2 Σ ln pᵢ ~ χ²(2k)`, whose survival function has the closed form
/// `e^{−X/2} Σ_{i<k} (X/2)^i / i!`; computed in log space so it never underflows.
#[inline]
pub fn fisher_combined_bits(total_bits: f64, k: usize) -> f64 {
    if k == 0 || total_bits <= 0.0 {
        return 0.0;
    }
    // Beyond 64 components the combination is taken as if there were 64 (slightly
    // conservative), which keeps the log-space branch's largest term the last one.
    let k = k.min(64);
    if k == 1 {
        return clamp_bits(total_bits);
    }
    let half_x = total_bits * LN_2; // X/2 = Σ −ln pᵢ
    let ln_sum = if half_x <= 500.0 && k <= 64 {
        // Direct series, nested (Horner): 1 + h/1·(1 + h/2·(1 + …)); terms stay far from
        // overflow.
        let mut sum = 1.0f64;
        for r in RECIPROCALS.get(1..k).unwrap_or_default().iter().rev() {
            sum = 1.0 + sum * (half_x * r);
        }
        fastmath::ln(sum)
    } else {
        // Log space: the largest term is the last one here (half_x > k − 1 in practice), so
        // factor it out: Σ = t_{k−1} · Σ_j Π (i/half_x) over the tail, all ≤ 1.
        let ln_h = fastmath::ln(half_x);
        let mut ln_last = (k - 1) as f64 * ln_h;
        for i in 2..k {
            ln_last -= fastmath::ln(i as f64);
        }
        let (mut ratio, mut sum) = (1.0f64, 1.0f64);
        for i in (1..k).rev() {
            ratio *= i as f64 / half_x;
            sum += ratio;
        }
        ln_last + fastmath::ln(sum)
    };
    clamp_bits((half_x - ln_sum) * LOG2_E)
}

/// Fisher's method as [`fisher_combined_bits`], from `h = X/2 = Σ −ln pᵢ` (nats), returning
/// the combined surprisal (bits) and tail probability together. The tail is computed as
/// `e^{−h} · S` and the surprisal as `(h − ln S)/ln 2` from the same series `S`, so the
/// exponential and the logarithm run side by side instead of one after the other (this
/// chain closes every observation, and its latency showed in the per-event time).
#[inline(always)]
pub fn fisher_combined(h: f64, k: usize) -> (f64, f64) {
    if k == 0 || h.is_nan() || h <= 0.0 {
        return (0.0, 1.0);
    }
    if k == 1 || k > SHORT_SERIES || h > 500.0 {
        return fisher_combined_wide(h, k);
    }
    // 2 ≤ k ≤ 8 (every observation with a handful of components): the series has a fixed
    // number of steps, the unused ones skipped, so this inlines into the caller's loop
    // without the general case's loop and register spills; the same operations in the same
    // order as the general case.
    let mut sum = 1.0f64;
    for i in (1..SHORT_SERIES).rev() {
        if i < k {
            sum = 1.0 + sum * (h * RECIPROCALS[i]);
        }
    }
    fisher_finish(h, sum)
}

/// [`fisher_combined`] of `N` observations at once, from each one's tally as
/// `h = −(ln_sum + ln(prod/den))` (the tally's [`total_nats`](crate::model) form) and its
/// component count: the same bits as computing `h` and calling [`fisher_combined`] one at a
/// time. The common case (2 to [`SHORT_SERIES`] components, `0 < h ≤ 500`, a normal
/// `prod/den`) runs as loops over the lanes that compile to vector instructions: the
/// division, both logarithms, the series (each step kept or skipped per lane by a select) and
/// the exponential. Lanes outside it are recomputed one at a time.
#[inline(always)]
pub(crate) fn fisher_combined_lanes<const N: usize>(
    ln_sum: &[f64; N],
    prod: &[f64; N],
    den: &[f64; N],
    k: &[usize; N],
) -> [(f64, f64); N] {
    let mut q = [0.0; N];
    for ((q, p), d) in q.iter_mut().zip(prod).zip(den) {
        *q = p / d;
    }
    let lq = fastmath::log2_lanes(&q);
    let mut h = [0.0; N];
    for ((h, l), s) in h.iter_mut().zip(lq).zip(ln_sum) {
        *h = -(s + l * LN_2);
    }
    // The common case, lane by lane. (`h > 0` is false for NaN; there the series' sum is ≥ 1
    // and finite, and −h·log2 e ∈ [−722, 0): both in the fast ranges of the lane functions.)
    let mut common = [false; N];
    for (((c, q), h), k) in common.iter_mut().zip(q).zip(h).zip(k) {
        // `&`, not `&&`: comparisons without branches.
        *c = (f64::MIN_POSITIVE..f64::INFINITY).contains(&q)
            & (h > 0.0)
            & (h <= 500.0)
            & (2..=SHORT_SERIES).contains(k);
    }
    let mut sum = [1.0f64; N];
    for i in (1..SHORT_SERIES).rev() {
        let r = RECIPROCALS[i];
        for ((s, h), k) in sum.iter_mut().zip(h).zip(k) {
            let next = 1.0 + *s * (h * r);
            *s = if i < *k { next } else { *s };
        }
    }
    let ls = fastmath::log2_lanes(&sum);
    let mut x = [0.0; N];
    for (x, h) in x.iter_mut().zip(h) {
        *x = -h * LOG2_E;
    }
    let e = fastmath::exp2_lanes(&x);
    let (mut bits, mut tail) = ([0.0; N], [0.0; N]);
    for (((((b, t), h), s), ls), e) in bits
        .iter_mut()
        .zip(&mut tail)
        .zip(h)
        .zip(sum)
        .zip(ls)
        .zip(e)
    {
        *b = fastmath::max((h - ls * LN_2) * LOG2_E, 0.0);
        *t = fastmath::min(fastmath::max(e * s, 0.0), 1.0);
    }
    let mut out = [(0.0, 1.0); N];
    for (i, o) in out.iter_mut().enumerate() {
        let (Some(&c), Some(&b), Some(&t)) = (common.get(i), bits.get(i), tail.get(i)) else {
            continue;
        };
        *o = if c {
            (b, t)
        } else {
            let (Some(&sl), Some(&p), Some(&d), Some(&k)) =
                (ln_sum.get(i), prod.get(i), den.get(i), k.get(i))
            else {
                continue;
            };
            fisher_combined(-(sl + fastmath::ln(p / d)), k)
        };
    }
    out
}

/// Components up to which [`fisher_combined`] takes its short path.
const SHORT_SERIES: usize = 8;

/// The tail `e^{−h} · S` and surprisal `(h − ln S)/ln 2` from Fisher's series `S`.
#[inline(always)]
fn fisher_finish(h: f64, sum: f64) -> (f64, f64) {
    // h > 0 and sum ≥ 1 here: the surprisal is finite and at most h·log2 e ≤ 722 bits, and
    // the tail is in (0, 1] (the clamps only guard rounding).
    let tail = fastmath::exp2(-h * LOG2_E) * sum;
    let bits = (h - fastmath::ln(sum)) * LOG2_E;
    (
        fastmath::max(bits, 0.0),
        fastmath::min(fastmath::max(tail, 0.0), 1.0),
    )
}

/// [`fisher_combined`] for one component, more than [`SHORT_SERIES`], or `h > 500`.
#[cold]
#[inline(never)]
fn fisher_combined_wide(h: f64, k: usize) -> (f64, f64) {
    let k = k.min(64);
    if k == 1 || h > 500.0 {
        let bits = fisher_combined_bits(h * LOG2_E, k);
        return (bits, tail_from_bits(bits));
    }
    let mut sum = 1.0f64;
    for r in RECIPROCALS.get(1..k).unwrap_or_default().iter().rev() {
        sum = 1.0 + sum * (h * r);
    }
    fisher_finish(h, sum)
}

/// `1/i` for `i < 64` (index 0 unused): Fisher's series multiplies where it divided, which
/// kept the divider busy on every observation.
const RECIPROCALS: [f64; 64] = {
    let mut r = [0.0; 64];
    let mut i = 1;
    while i < 64 {
        r[i] = 1.0 / i as f64;
        i += 1;
    }
    r
};

fn clamp_bits(b: f64) -> f64 {
    if b.is_nan() {
        0.0
    } else {
        b.clamp(0.0, MAX_SURPRISAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-7);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-7);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-7);
    }

    #[test]
    fn normal_surprisal_is_monotone_and_finite() {
        // P(|Z| ≥ 1.96) ≈ 0.05 → 4.32 bits.
        assert!((normal_two_sided_surprisal(1.96) - 4.32).abs() < 0.01);
        assert!(normal_two_sided_surprisal(0.0) < 1e-6);
        let big = normal_two_sided_surprisal(1e200);
        assert!(big.is_finite() && big > 1000.0);
        assert!(normal_two_sided_surprisal(5.0) > normal_two_sided_surprisal(4.0));
    }

    #[test]
    fn fisher_of_one_is_identity() {
        for b in [0.5, 3.0, 20.0] {
            assert!((fisher_combined_bits(b, 1) - b).abs() < 1e-9);
        }
        // Two p = 0.05: Fisher gives ≈ 0.0175.
        let two = fisher_combined_bits(2.0 * bits_from_tail(0.05), 2);
        assert!((tail_from_bits(two) - 0.0175).abs() < 5e-4);
        assert!(fisher_combined_bits(1e9, 5).is_finite());
    }

    #[test]
    fn fisher_lanes_give_the_same_bits_as_one_at_a_time() {
        let mut r = vigil_core::SplitMix64::new(5);
        for _ in 0..20_000 {
            let (mut l, mut p, mut d, mut k) = ([0.0; 8], [1.0; 8], [1.0; 8], [0usize; 8]);
            for i in 0..8 {
                // Typical tallies, and the edges: no or one component, many, h ≤ 0, h > 500,
                // a product at the fold limits.
                l[i] = match r.below(6) {
                    0 => 0.0,
                    1 => -600.0 * r.next_f64(),
                    _ => -10.0 * r.next_f64(),
                };
                p[i] = match r.below(8) {
                    0 => 1.0,
                    1 => 1e-200,
                    _ => r.next_f64().max(1e-300),
                };
                d[i] = match r.below(8) {
                    0 => 1e200,
                    _ => 1.0 + 50.0 * r.next_f64(),
                };
                k[i] = r.below(12) as usize;
            }
            let lanes = fisher_combined_lanes(&l, &p, &d, &k);
            for i in 0..8 {
                let one = fisher_combined(-(l[i] + fastmath::ln(p[i] / d[i])), k[i]);
                assert_eq!(
                    lanes[i].0.to_bits(),
                    one.0.to_bits(),
                    "{} {} {} {}",
                    l[i],
                    p[i],
                    d[i],
                    k[i]
                );
                assert_eq!(lanes[i].1.to_bits(), one.1.to_bits());
            }
        }
    }

    #[test]
    fn poisson_tail_is_exact_for_integers() {
        assert_eq!(poisson_upper_surprisal(1.0, 2.0), 0.0);
        // P(N ≥ 1 | 0.01) = 1 − e^{−0.01}.
        let p = 1.0 - (-0.01f64).exp();
        assert!((poisson_upper_surprisal(1.0, 0.01) - (-p.log2())).abs() < 1e-6);
        // P(N ≥ 3 | 1) = 1 − e^{−1}(1 + 1 + 1/2) = 0.080301.
        assert!((tail_from_bits(poisson_upper_surprisal(3.0, 1.0)) - 0.080_301_4).abs() < 1e-6);
        assert!(poisson_upper_surprisal(20.0, 1.0) > 50.0);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-9);
        // Against exact factorials and Γ(1/2) = √π, across the recurrence/series seam.
        let mut fact = 1.0f64;
        for n in 1..40 {
            fact *= n as f64;
            let got = ln_gamma(n as f64 + 1.0);
            assert!((got - fact.ln()).abs() < 1e-9 * fact.ln().max(1.0), "n={n}");
        }
        let half = ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln();
        assert!(half.abs() < 1e-9);
        assert!((ln_gamma(1.0)).abs() < 1e-9 && (ln_gamma(2.0)).abs() < 1e-9);
    }
}

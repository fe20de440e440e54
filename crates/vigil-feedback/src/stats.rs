//! Small exact statistics: binomial confidence intervals and the functions under them.

/// A two-sided interval for a proportion.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Point estimate `k / n` (0 when `n == 0`).
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// Clopper–Pearson (exact) interval for `k` successes in `n` trials, each side at
/// `(1 - confidence) / 2`. Never narrower than the truth: coverage is at least `confidence`
/// for every true proportion. With `n == 0` it is `[0, 1]`.
///
/// ```
/// use vigil_feedback::stats::clopper_pearson;
/// let ci = clopper_pearson(0, 59, 0.90);
/// // The "rule of three": 0 misses in 59 audits bounds the rate below 5% at 95% one-sided.
/// assert!(ci.upper < 0.05 && ci.lower == 0.0);
/// ```
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> Interval {
    let a = (1.0 - confidence.clamp(0.0, 1.0)) / 2.0;
    let estimate = if n == 0 { 0.0 } else { k as f64 / n as f64 };
    if n == 0 {
        return Interval {
            estimate,
            lower: 0.0,
            upper: 1.0,
        };
    }
    let (kf, nf) = (k as f64, n as f64);
    let lower = if k == 0 {
        0.0
    } else {
        beta_quantile(a, kf, nf - kf + 1.0)
    };
    let upper = if k >= n {
        1.0
    } else {
        beta_quantile(1.0 - a, kf + 1.0, nf - kf)
    };
    Interval {
        estimate,
        lower,
        upper,
    }
}

/// One-sided Clopper–Pearson upper bound: the true proportion is below it with probability
/// at least `confidence`.
pub fn clopper_pearson_upper(k: u64, n: u64, confidence: f64) -> f64 {
    clopper_pearson(k, n, 1.0 - 2.0 * (1.0 - confidence.clamp(0.0, 1.0))).upper
}

/// Wilson score interval (closed form; close to nominal coverage, not guaranteed).
///
/// ```
/// use vigil_feedback::stats::wilson;
/// let ci = wilson(5, 100, 0.95);
/// assert!(ci.lower < 0.05 && 0.05 < ci.upper);
/// ```
pub fn wilson(k: u64, n: u64, confidence: f64) -> Interval {
    if n == 0 {
        return Interval {
            estimate: 0.0,
            lower: 0.0,
            upper: 1.0,
        };
    }
    let z = normal_quantile(1.0 - (1.0 - confidence.clamp(0.0, 1.0)) / 2.0);
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / (1.0 + z2 / nf);
    Interval {
        estimate: p,
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    }
}

/// Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; ~15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized incomplete beta `I_x(a, b)` (continued fraction, Lentz's method).
pub fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(x, a, b) / a
    } else {
        1.0 - front * beta_cf(1.0 - x, b, a) / b
    }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // Each iteration takes the fraction's even then its odd term.
        let even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        h *= lentz_step(even, &mut c, &mut d);
        let odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        let del = lentz_step(odd, &mut c, &mut d);
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// One term `aa` of Lentz's method: updates `c` and `d`, returns the factor `c·d` the
/// fraction's value is multiplied by.
fn lentz_step(aa: f64, c: &mut f64, d: &mut f64) -> f64 {
    *d = 1.0 / nonzero(1.0 + aa * *d);
    *c = nonzero(1.0 + aa / *c);
    *d * *c
}

/// `v`, or a tiny number in its place when it is (nearly) zero, so Lentz's method never
/// divides by zero.
fn nonzero(v: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if v.abs() < TINY { TINY } else { v }
}

/// The `p`-quantile of Beta(a, b), by bisection on [`inc_beta`] (monotone, so exact to
/// ~1e-12).
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if inc_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Binary log-loss of a predicted threat probability against the truth, clipped so a
/// confident mistake costs at most `-ln(1e-6)`.
pub fn log_loss(p_threat: f64, is_threat: bool) -> f64 {
    let p = if p_threat.is_nan() {
        0.5
    } else {
        p_threat.clamp(1e-6, 1.0 - 1e-6)
    };
    if is_threat { -p.ln() } else { -(1.0 - p).ln() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_closed_forms() {
        // k = 0: upper = 1 - (a)^(1/n); k = n: lower = a^(1/n).
        let ci = clopper_pearson(0, 20, 0.95);
        assert!((ci.upper - (1.0 - 0.025_f64.powf(1.0 / 20.0))).abs() < 1e-9);
        let ci = clopper_pearson(20, 20, 0.95);
        assert!((ci.lower - 0.025_f64.powf(1.0 / 20.0)).abs() < 1e-9);
        // A tabulated value: k = 5, n = 100, 95%: [0.01643, 0.11284].
        let ci = clopper_pearson(5, 100, 0.95);
        assert!((ci.lower - 0.016_431).abs() < 1e-5, "{ci:?}");
        assert!((ci.upper - 0.112_836).abs() < 1e-5, "{ci:?}");
    }

    #[test]
    fn one_sided_upper_is_rule_of_three() {
        let u = clopper_pearson_upper(0, 100, 0.95);
        assert!((u - (1.0 - 0.05_f64.powf(0.01))).abs() < 1e-9);
    }

    #[test]
    fn normal_quantile_known_values() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
        assert!(normal_quantile(0.5).abs() < 1e-12);
    }
}

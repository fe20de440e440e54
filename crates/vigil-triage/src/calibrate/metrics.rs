//! Calibration quality: expected calibration error and Brier score.

/// Number of equal-width bins [`ece`] uses over `[0, 1]`.
pub const ECE_BINS: usize = 10;

/// Expected calibration error with [`ECE_BINS`] equal-width bins on the predicted threat
/// probability: `Σ_b (n_b / n) · |mean(y in b) − mean(p in b)|`. A probability of exactly 1
/// falls in the last bin. Returns 0 for empty input.
///
/// ```
/// # use vigil_triage::calibrate::ece;
/// assert_eq!(ece(&[0.0, 1.0], &[false, true]), 0.0);
/// assert!((ece(&[0.9, 0.9], &[false, false]) - 0.9).abs() < 1e-12);
/// ```
pub fn ece(probs: &[f64], labels: &[bool]) -> f64 {
    let mut sum_p = [0.0_f64; ECE_BINS];
    let mut sum_y = [0.0_f64; ECE_BINS];
    let mut count = [0_usize; ECE_BINS];
    let mut n = 0_usize;
    for (&p, &y) in probs.iter().zip(labels) {
        let p = super::clamp01(p);
        let b = ((p * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        sum_p[b] += p;
        sum_y[b] += if y { 1.0 } else { 0.0 };
        count[b] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    (0..ECE_BINS)
        .filter(|&b| count[b] > 0)
        .map(|b| (sum_y[b] - sum_p[b]).abs() / n as f64)
        .sum()
}

/// Brier score: mean squared difference between the threat probability and the outcome.
/// Returns 0 for empty input.
///
/// ```
/// # use vigil_triage::calibrate::brier;
/// assert!((brier(&[0.5, 0.5], &[true, false]) - 0.25).abs() < 1e-12);
/// ```
pub fn brier(probs: &[f64], labels: &[bool]) -> f64 {
    let n = probs.len().min(labels.len());
    if n == 0 {
        return 0.0;
    }
    probs
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (super::clamp01(p) - if y { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / n as f64
}

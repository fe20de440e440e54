//! Organisation-grouped folds and the quality metrics of triage.
//!
//! Metrics are computed here (not in vigil-metrics) so the triage crate stands alone:
//! macro-F1 over the three grades, and PR-AUC (average precision) and ROC-AUC of the threat
//! score for TruePositive against the rest.

use std::collections::BTreeMap;

use vigil_core::SplitMix64;

/// Assigns each row a fold in `0..k` so that all rows of one group share a fold: the
/// distinct groups are sorted, shuffled with `seed`, and dealt round-robin. Deterministic
/// for a seed; no group is on both sides of any split.
///
/// ```
/// # use vigil_triage::cv::group_folds;
/// let f = group_folds(&["a", "b", "a", "c"], 2, 7);
/// assert_eq!(f[0], f[2]);
/// assert!(f.iter().all(|&k| k < 2));
/// ```
pub fn group_folds<S: AsRef<str>>(groups: &[S], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut distinct: Vec<&str> = groups.iter().map(AsRef::as_ref).collect();
    distinct.sort_unstable();
    distinct.dedup();
    SplitMix64::new(seed).shuffle(&mut distinct);
    let fold_of: BTreeMap<&str, usize> = distinct
        .iter()
        .enumerate()
        .map(|(i, g)| (*g, i % k))
        .collect();
    groups
        .iter()
        .map(|g| fold_of.get(g.as_ref()).copied().unwrap_or(0))
        .collect()
}

/// Macro-averaged F1 over `n_classes` classes (a class never true nor predicted counts 0
/// and is left out of the average; 0 when no class remains).
///
/// ```
/// # use vigil_triage::cv::macro_f1;
/// assert_eq!(macro_f1(&[0, 1, 2], &[0, 1, 2], 3), 1.0);
/// assert!((macro_f1(&[0, 0, 1, 1], &[0, 1, 1, 1], 2) - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
/// ```
pub fn macro_f1(truth: &[usize], pred: &[usize], n_classes: usize) -> f64 {
    let mut tp = vec![0.0; n_classes];
    let mut fp = vec![0.0; n_classes];
    let mut fneg = vec![0.0; n_classes];
    for (&t, &p) in truth.iter().zip(pred) {
        if t == p {
            if let Some(x) = tp.get_mut(t) {
                *x += 1.0;
            }
        } else {
            if let Some(x) = fp.get_mut(p) {
                *x += 1.0;
            }
            if let Some(x) = fneg.get_mut(t) {
                *x += 1.0;
            }
        }
    }
    let f1s: Vec<f64> = (0..n_classes)
        .filter_map(|c| {
            let (a, b, d) = (tp[c], fp[c], fneg[c]);
            if a + b + d == 0.0 {
                None
            } else {
                Some(2.0 * a / (2.0 * a + b + d))
            }
        })
        .collect();
    if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    }
}

/// Pairs sorted by score descending (ties broken by label, negatives first, so ties never
/// flatter the score).
fn ranked(scores: &[f64], positive: &[bool]) -> Vec<(f64, bool)> {
    let mut v: Vec<(f64, bool)> = scores
        .iter()
        .copied()
        .zip(positive.iter().copied())
        .collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    v
}

/// Average precision (area under the precision-recall curve, step-wise as scikit-learn's
/// `average_precision_score`, tied scores taken as one threshold). 0 without positives.
///
/// ```
/// # use vigil_triage::cv::average_precision;
/// assert_eq!(average_precision(&[0.9, 0.8, 0.1], &[true, true, false]), 1.0);
/// assert!((average_precision(&[0.9, 0.8], &[false, true]) - 0.5).abs() < 1e-12);
/// ```
pub fn average_precision(scores: &[f64], positive: &[bool]) -> f64 {
    let v = ranked(scores, positive);
    let total_pos = v.iter().filter(|x| x.1).count() as f64;
    if total_pos == 0.0 {
        return 0.0;
    }
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < v.len() {
        let s = v[i].0;
        while i < v.len() && v[i].0 == s {
            seen += 1.0;
            if v[i].1 {
                tp += 1.0;
            }
            i += 1;
        }
        let recall = tp / total_pos;
        ap += (recall - last_recall) * (tp / seen);
        last_recall = recall;
    }
    ap
}

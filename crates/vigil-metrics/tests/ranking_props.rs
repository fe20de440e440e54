//! Ranking metrics against brute-force implementations of their written definitions.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use vigil_metrics::*;

/// Scores drawn from a small grid so that ties are common, or from a wide range.
fn scored(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    (1..=max).prop_flat_map(|n| {
        let grid = prop::collection::vec((0u8..6).prop_map(|v| f64::from(v) / 5.0), n);
        let wide = prop::collection::vec(-1e6f64..1e6, n);
        (
            prop_oneof![grid, wide],
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

fn both(labels: &[bool]) -> bool {
    labels.iter().any(|&y| y) && labels.iter().any(|&y| !y)
}

/// P(s+ > s-) + ½ P(s+ = s-), over all pairs.
fn auc_brute(s: &[f64], y: &[bool]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (i, &si) in s.iter().enumerate() {
        for (j, &sj) in s.iter().enumerate() {
            if y[i] && !y[j] {
                den += 1.0;
                num += if si > sj {
                    1.0
                } else if si == sj {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    num / den
}

/// Precision of the set `score >= t`.
fn precision_at_threshold(s: &[f64], y: &[bool], t: f64) -> f64 {
    let called: Vec<usize> = (0..s.len()).filter(|&i| s[i] >= t).collect();
    called.iter().filter(|&&i| y[i]).count() as f64 / called.len() as f64
}

/// AP = mean over positives of the precision at that positive's score.
fn ap_brute(s: &[f64], y: &[bool]) -> f64 {
    let pos: Vec<usize> = (0..s.len()).filter(|&i| y[i]).collect();
    pos.iter()
        .map(|&i| precision_at_threshold(s, y, s[i]))
        .sum::<f64>()
        / pos.len() as f64
}

fn distinct_desc(s: &[f64]) -> Vec<f64> {
    let mut t = s.to_vec();
    t.sort_by(|a, b| b.partial_cmp(a).unwrap());
    t.dedup();
    t
}

fn rates(s: &[f64], y: &[bool], t: f64) -> (f64, f64) {
    let p = y.iter().filter(|&&v| v).count() as f64;
    let n = y.len() as f64 - p;
    let tp = (0..s.len()).filter(|&i| y[i] && s[i] >= t).count() as f64;
    let fp = (0..s.len()).filter(|&i| !y[i] && s[i] >= t).count() as f64;
    (tp / p, fp / n)
}

/// Average of the top-k precision over every permutation that keeps the score order.
fn p_at_k_brute(s: &[f64], y: &[bool], k: usize) -> f64 {
    fn permute(idx: &mut Vec<usize>, start: usize, out: &mut Vec<Vec<usize>>) {
        if start == idx.len() {
            out.push(idx.clone());
            return;
        }
        for i in start..idx.len() {
            idx.swap(start, i);
            permute(idx, start + 1, out);
            idx.swap(start, i);
        }
    }
    let mut all = Vec::new();
    permute(&mut (0..s.len()).collect(), 0, &mut all);
    let mut total = 0.0;
    let mut count = 0.0;
    for p in all {
        // keep only orders sorted by score, descending (every tie order appears equally often)
        if p.windows(2).all(|w| s[w[0]] >= s[w[1]]) {
            total += p[..k].iter().filter(|&&i| y[i]).count() as f64 / k as f64;
            count += 1.0;
        }
    }
    total / count
}

proptest! {
    #[test]
    fn roc_auc_is_mann_whitney((s, y) in scored(40)) {
        prop_assume!(both(&y));
        let auc = roc_auc(&s, &y).unwrap();
        prop_assert!((auc - auc_brute(&s, &y)).abs() < 1e-9);
        prop_assert!((0.0..=1.0).contains(&auc));
    }

    #[test]
    fn roc_auc_equals_trapezoid_of_roc_curve((s, y) in scored(40)) {
        prop_assume!(both(&y));
        let c = roc_curve(&s, &y).unwrap();
        let area: f64 = c.windows(2).map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0).sum();
        prop_assert!((area - roc_auc(&s, &y).unwrap()).abs() < 1e-9);
        prop_assert_eq!((c[0].fpr, c[0].tpr), (0.0, 0.0));
        prop_assert_eq!((c.last().unwrap().fpr, c.last().unwrap().tpr), (1.0, 1.0));
    }

    #[test]
    fn roc_auc_invariant_under_monotone_transforms((s, y) in scored(40), a in 0.01f64..10.0, b in -5.0f64..5.0) {
        prop_assume!(both(&y));
        // Strictly increasing maps; the grid keeps the values far enough apart to stay distinct.
        let affine: Vec<f64> = s.iter().map(|v| a * v + b).collect();
        let squashed: Vec<f64> = s.iter().map(|v| (v / 1e6).atan()).collect();
        let base = roc_auc(&s, &y).unwrap();
        prop_assert!((roc_auc(&affine, &y).unwrap() - base).abs() < 1e-12);
        prop_assert!((roc_auc(&squashed, &y).unwrap() - base).abs() < 1e-12);
        prop_assert!((pr_auc(&affine, &y).unwrap() - pr_auc(&s, &y).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn roc_auc_of_negated_scores_is_complement((s, y) in scored(40)) {
        prop_assume!(both(&y));
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        prop_assert!((roc_auc(&neg, &y).unwrap() + roc_auc(&s, &y).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn pr_auc_is_mean_precision_at_positives((s, y) in scored(40)) {
        prop_assume!(y.iter().any(|&v| v));
        let ap = pr_auc(&s, &y).unwrap();
        prop_assert!((ap - ap_brute(&s, &y)).abs() < 1e-9);
        prop_assert!((0.0..=1.0).contains(&ap));
    }

    #[test]
    fn pr_auc_is_stepwise_sum_over_thresholds((s, y) in scored(40)) {
        prop_assume!(y.iter().any(|&v| v));
        let mut prev_r = 0.0;
        let mut ap = 0.0;
        for t in distinct_desc(&s) {
            let (r, _) = rates(&s, &y, t);
            ap += (r - prev_r) * precision_at_threshold(&s, &y, t);
            prev_r = r;
        }
        prop_assert!((ap - pr_auc(&s, &y).unwrap()).abs() < 1e-9);
    }

    #[test]
    fn pr_curve_and_trapezoid_match_definitions((s, y) in scored(40)) {
        prop_assume!(y.iter().any(|&v| v));
        let c = pr_curve(&s, &y).unwrap();
        let ts = distinct_desc(&s);
        prop_assert_eq!(c.len(), ts.len());
        let mut area = 0.0;
        let (mut r0, mut p0) = (0.0, 1.0);
        for (pt, &t) in c.iter().zip(&ts) {
            let (r, _) = rates(&s, &y, t);
            let p = precision_at_threshold(&s, &y, t);
            prop_assert_eq!(pt.threshold, t);
            prop_assert!((pt.recall - r).abs() < 1e-12 && (pt.precision - p).abs() < 1e-12);
            area += (r - r0) * (p + p0) / 2.0;
            (r0, p0) = (r, p);
        }
        let trap = pr_auc_trapezoid(&s, &y).unwrap();
        prop_assert!((trap - area).abs() < 1e-9);
        prop_assert!((0.0..=1.0).contains(&trap));
        prop_assert_eq!(c.last().unwrap().recall, 1.0);
    }

    #[test]
    fn recall_at_fpr_is_best_tpr_within_budget((s, y) in scored(40), max_fpr in 0.0f64..=1.0) {
        prop_assume!(both(&y));
        let brute = distinct_desc(&s)
            .into_iter()
            .map(|t| rates(&s, &y, t))
            .filter(|&(_, f)| f <= max_fpr)
            .map(|(r, _)| r)
            .fold(0.0, f64::max);
        let got = recall_at_fpr(&s, &y, max_fpr).unwrap();
        prop_assert_eq!(got, brute);
        prop_assert!((0.0..=1.0).contains(&got));
    }

    #[test]
    fn precision_at_k_averages_over_tie_orders((s, y) in scored(7), k_seed in any::<usize>()) {
        let k = 1 + k_seed % s.len();
        let got = precision_at_k(&s, &y, k).unwrap();
        prop_assert!((got - p_at_k_brute(&s, &y, k)).abs() < 1e-9);
        prop_assert!((0.0..=1.0).contains(&got));
    }

    #[test]
    fn precision_at_n_is_base_rate((s, y) in scored(40)) {
        let rate = y.iter().filter(|&&v| v).count() as f64 / y.len() as f64;
        prop_assert!((precision_at_k(&s, &y, s.len()).unwrap() - rate).abs() < 1e-12);
    }
}

#[test]
fn perfect_and_inverted_rankings() {
    let s = [0.9, 0.8, 0.3, 0.1];
    let y = [true, true, false, false];
    assert_eq!(roc_auc(&s, &y).unwrap(), 1.0);
    assert_eq!(pr_auc(&s, &y).unwrap(), 1.0);
    let inv = [false, false, true, true];
    assert_eq!(roc_auc(&s, &inv).unwrap(), 0.0);
    // -0.0 and 0.0 are equal scores, hence tied.
    assert_eq!(roc_auc(&[0.0, -0.0], &[true, false]).unwrap(), 0.5);
    assert_eq!(roc_auc(&[-0.0, 0.0], &[true, false]).unwrap(), 0.5);
    // All tied: AUC one half, AP the base rate.
    let flat = [0.5; 4];
    assert_eq!(roc_auc(&flat, &y).unwrap(), 0.5);
    assert_eq!(pr_auc(&flat, &y).unwrap(), 0.5);
}

//! Classification and calibration metrics against brute-force definitions.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use vigil_metrics::*;

fn classes(max: usize, k: usize) -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (1..=max).prop_flat_map(move |n| {
        (
            prop::collection::vec(0..k, n),
            prop::collection::vec(0..k, n),
        )
    })
}

fn probs(max: usize) -> impl Strategy<Value = (Vec<f64>, Vec<bool>)> {
    (1..=max).prop_flat_map(|n| {
        (
            prop::collection::vec(
                prop_oneof![0.0f64..=1.0, Just(0.0), Just(1.0), Just(0.5)],
                n,
            ),
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

/// F1 per class straight from the item lists; mean over classes seen in truth or prediction.
fn macro_f1_brute(t: &[usize], p: &[usize], k: usize) -> f64 {
    let mut f1s = Vec::new();
    for c in 0..k {
        let present = t.contains(&c) || p.contains(&c);
        if !present {
            continue;
        }
        let tp = t.iter().zip(p).filter(|&(&a, &b)| a == c && b == c).count() as f64;
        let fp = t.iter().zip(p).filter(|&(&a, &b)| a != c && b == c).count() as f64;
        let fn_ = t.iter().zip(p).filter(|&(&a, &b)| a == c && b != c).count() as f64;
        let prec = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let rec = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        f1s.push(if prec + rec > 0.0 {
            2.0 * prec * rec / (prec + rec)
        } else {
            0.0
        });
    }
    f1s.iter().sum::<f64>() / f1s.len() as f64
}

proptest! {
    #[test]
    fn macro_f1_matches_definition((t, p) in classes(60, 5), extra in 0usize..3) {
        let k = 5 + extra; // classes absent from both must not change the result
        let got = macro_f1(&t, &p, k).unwrap();
        prop_assert!((got - macro_f1_brute(&t, &p, k)).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&got));
        prop_assert_eq!(got, macro_f1(&t, &p, 5).unwrap());
    }

    #[test]
    fn confusion_matrix_conserves_items((t, p) in classes(60, 4)) {
        let m = ConfusionMatrix::from_labels(&t, &p, 4).unwrap();
        prop_assert_eq!(m.total(), t.len() as u64);
        for c in 0..4 {
            let row: u64 = (0..4).map(|q| m.count(c, q)).sum();
            prop_assert_eq!(row, t.iter().filter(|&&v| v == c).count() as u64);
            let col: u64 = (0..4).map(|q| m.count(q, c)).sum();
            prop_assert_eq!(col, p.iter().filter(|&&v| v == c).count() as u64);
        }
        let acc = t.iter().zip(&p).filter(|(a, b)| a == b).count() as f64 / t.len() as f64;
        prop_assert!((m.accuracy().unwrap() - acc).abs() < 1e-12);
    }

    #[test]
    fn ece_matches_definition((p, y) in probs(60), bins in 1usize..20) {
        let n = p.len() as f64;
        let mut ece_ref = 0.0;
        for b in 0..bins {
            let lo = b as f64 / bins as f64;
            let hi = (b + 1) as f64 / bins as f64;
            let last = b + 1 == bins;
            // bin b holds p in [b/B, (b+1)/B), the last bin also holds 1
            let members: Vec<usize> = (0..p.len())
                .filter(|&i| p[i] >= lo && (p[i] < hi || (last && p[i] <= 1.0)))
                .collect();
            if members.is_empty() {
                continue;
            }
            let m = members.len() as f64;
            let conf = members.iter().map(|&i| p[i]).sum::<f64>() / m;
            let acc = members.iter().filter(|&&i| y[i]).count() as f64 / m;
            ece_ref += m / n * (acc - conf).abs();
        }
        let got = ece(&p, &y, bins).unwrap();
        prop_assert!((got - ece_ref).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&got));
        let rb = reliability_bins(&p, &y, bins).unwrap();
        prop_assert_eq!(rb.len(), bins);
        prop_assert_eq!(rb.iter().map(|b| b.count).sum::<usize>(), p.len());
    }

    #[test]
    fn bins_respect_their_edges((p, y) in probs(60), bins in 1usize..20) {
        let rb = reliability_bins(&p, &y, bins).unwrap();
        for b in rb.iter().filter(|b| b.count > 0) {
            prop_assert!(b.mean_predicted >= b.lo - 1e-12 && b.mean_predicted <= b.hi + 1e-12);
        }
    }

    #[test]
    fn brier_matches_definition((p, y) in probs(60)) {
        let r: f64 = p.iter().zip(&y).map(|(&q, &t)| (q - if t { 1.0 } else { 0.0 }).powi(2)).sum::<f64>() / p.len() as f64;
        let b = brier(&p, &y).unwrap();
        prop_assert!((b - r).abs() < 1e-12);
        prop_assert!((0.0..=1.0).contains(&b));
        // two-class multiclass Brier is twice the binary one
        let rows: Vec<[f64; 2]> = p.iter().map(|&q| [1.0 - q, q]).collect();
        let t: Vec<usize> = y.iter().map(|&v| usize::from(v)).collect();
        prop_assert!((brier_multiclass(&rows, &t).unwrap() - 2.0 * b).abs() < 1e-12);
    }

    #[test]
    fn log_loss_matches_definition((p, y) in probs(60)) {
        let e = f64::EPSILON;
        let r: f64 = p
            .iter()
            .zip(&y)
            .map(|(&q, &t)| {
                let q = q.max(e).min(1.0 - e);
                -(if t { q.ln() } else { (1.0 - q).ln() })
            })
            .sum::<f64>()
            / p.len() as f64;
        let l = log_loss(&p, &y).unwrap();
        prop_assert!((l - r).abs() < 1e-12 && l >= 0.0 && l.is_finite());
    }

    #[test]
    fn multiclass_brier_in_range(rows in prop::collection::vec(prop::collection::vec(0.0f64..=1.0, 3), 1..40), seed in any::<u64>()) {
        // normalise rows to sum to 1
        let rows: Vec<Vec<f64>> = rows.into_iter().map(|r| {
            let s: f64 = r.iter().sum();
            if s > 0.0 { r.iter().map(|v| v / s).collect() } else { vec![1.0, 0.0, 0.0] }
        }).collect();
        let t: Vec<usize> = (0..rows.len()).map(|i| ((seed >> (i % 60)) as usize + i) % 3).collect();
        let b = brier_multiclass(&rows, &t).unwrap();
        prop_assert!((0.0..=2.0 + 1e-12).contains(&b));
    }

    #[test]
    fn bootstrap_is_seeded_and_ordered(n in 10usize..40, seed in any::<u64>()) {
        let mut rng = vigil_core::SplitMix64::new(seed);
        let s: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
        let y: Vec<bool> = s.iter().map(|&v| rng.next_f64() < v).collect();
        prop_assume!(y.iter().any(|&v| v) && y.iter().any(|&v| !v));
        let params = BootstrapParams { resamples: 100, level: 0.9, seed };
        let a = bootstrap_ci(&s, &y, roc_auc, params).unwrap();
        let b = bootstrap_ci(&s, &y, roc_auc, params).unwrap();
        prop_assert_eq!(a, b);
        prop_assert!(a.lower <= a.upper && a.lower >= 0.0 && a.upper <= 1.0);
    }
}

#[test]
fn ece_of_perfect_calibration_is_zero() {
    let p = [0.0, 0.0, 1.0, 1.0];
    assert_eq!(ece(&p, &[false, false, true, true], 10).unwrap(), 0.0);
    assert_eq!(brier(&p, &[false, false, true, true]).unwrap(), 0.0);
}

//! Bad input gives typed errors, never a panic.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use vigil_metrics::*;

#[test]
fn typed_errors() {
    assert!(matches!(roc_auc(&[], &[]), Err(MetricsError::Empty { .. })));
    assert!(matches!(
        roc_auc(&[0.1, 0.2], &[true]),
        Err(MetricsError::LengthMismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        pr_auc(&[0.1, f64::NAN], &[true, false]),
        Err(MetricsError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        roc_auc(&[0.1, 0.2], &[true, true]),
        Err(MetricsError::SingleClass {
            positives: 2,
            negatives: 0,
            ..
        })
    ));
    assert!(matches!(
        pr_auc(&[0.1], &[false]),
        Err(MetricsError::SingleClass { .. })
    ));
    assert!(matches!(
        ece(&[1.5], &[true], 10),
        Err(MetricsError::OutOfRange { index: 0, .. })
    ));
    assert!(matches!(
        ece(&[0.5], &[true], 0),
        Err(MetricsError::InvalidParameter { name: "n_bins", .. })
    ));
    assert!(matches!(
        macro_f1(&[0, 3], &[0, 1], 3),
        Err(MetricsError::ClassOutOfRange {
            index: 1,
            class: 3,
            ..
        })
    ));
    assert!(matches!(
        precision_at_k(&[0.1], &[true], 2),
        Err(MetricsError::InvalidParameter { .. })
    ));
    assert!(matches!(
        recall_at_fpr(&[0.1, 0.2], &[true, false], 1.5),
        Err(MetricsError::InvalidParameter { .. })
    ));
    assert!(matches!(
        brier_multiclass(&[vec![0.5, 0.5], vec![1.0]], &[0, 1]),
        Err(MetricsError::LengthMismatch { .. })
    ));
    assert!(matches!(
        quantile(&[1.0], 2.0),
        Err(MetricsError::InvalidParameter { .. })
    ));
    assert!(matches!(
        quantile(&[f64::INFINITY], 0.5),
        Err(MetricsError::NonFinite { .. })
    ));
}

proptest! {
    /// Arbitrary floats (NaN, ±∞, huge) and lengths: every metric returns, none panics.
    #[test]
    fn no_panics(s in prop::collection::vec(any::<f64>(), 0..20), y in prop::collection::vec(any::<bool>(), 0..20), k in 0usize..25) {
        let _ = roc_auc(&s, &y);
        let _ = pr_auc(&s, &y);
        let _ = pr_auc_trapezoid(&s, &y);
        let _ = precision_at_k(&s, &y, k);
        let _ = recall_at_fpr(&s, &y, 0.1);
        let _ = ece(&s, &y, k);
        let _ = brier(&s, &y);
        let _ = quantile(&s, 0.5);
        let _ = bootstrap_ci(&s, &y, pr_auc, BootstrapParams { resamples: 5, ..Default::default() });
    }
}

//! ROC-AUC and average precision, computed here so the crate stands alone.

/// Area under the ROC curve of `scores` (higher = more positive) against `labels`, with ties
/// counted half (Mann–Whitney U). `None` without both classes.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (
            scores.get(a).copied().unwrap_or(0.0),
            scores.get(b).copied().unwrap_or(0.0),
        );
        x.total_cmp(&y)
    });
    let (mut rank_sum, mut pos, mut neg) = (0.0f64, 0u64, 0u64);
    let mut i = 0;
    while i < idx.len() {
        let s = idx
            .get(i)
            .and_then(|&k| scores.get(k))
            .copied()
            .unwrap_or(0.0);
        let mut j = i;
        while j < idx.len()
            && idx
                .get(j)
                .and_then(|&k| scores.get(k))
                .copied()
                .unwrap_or(0.0)
                == s
        {
            j += 1;
        }
        // Average rank (1-based) of the tie group.
        let avg = (i + j + 1) as f64 / 2.0;
        for k in i..j {
            if idx
                .get(k)
                .and_then(|&t| labels.get(t))
                .copied()
                .unwrap_or(false)
            {
                rank_sum += avg;
                pos += 1;
            } else {
                neg += 1;
            }
        }
        i = j;
    }
    if pos == 0 || neg == 0 {
        return None;
    }
    let (p, n) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Average precision (area under the precision–recall curve, step-wise as scikit-learn's
/// `average_precision_score`), positives = `true`. `None` without positives.
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (
            scores.get(a).copied().unwrap_or(0.0),
            scores.get(b).copied().unwrap_or(0.0),
        );
        y.total_cmp(&x)
    });
    let total_pos = labels.iter().take(idx.len()).filter(|&&l| l).count() as f64;
    if total_pos == 0.0 {
        return None;
    }
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut i = 0;
    while i < idx.len() {
        let s = idx
            .get(i)
            .and_then(|&k| scores.get(k))
            .copied()
            .unwrap_or(0.0);
        // Thresholds fall between distinct scores: take a whole tie group at once.
        while i < idx.len()
            && idx
                .get(i)
                .and_then(|&k| scores.get(k))
                .copied()
                .unwrap_or(0.0)
                == s
        {
            if idx
                .get(i)
                .and_then(|&k| labels.get(k))
                .copied()
                .unwrap_or(false)
            {
                tp += 1.0;
            }
            seen += 1.0;
            i += 1;
        }
        let recall = tp / total_pos;
        ap += (recall - last_recall) * (tp / seen);
        last_recall = recall;
    }
    Some(ap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_inverted_and_tied() {
        let l = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &l), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &l), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &l), Some(0.5));
        assert_eq!(pr_auc(&[0.1, 0.2, 0.8, 0.9], &l), Some(1.0));
        assert_eq!(roc_auc(&[0.1], &[true]), None);
    }

    #[test]
    fn matches_sklearn_example() {
        // sklearn docs: y=[0,0,1,1], s=[0.1,0.4,0.35,0.8] → ROC 0.75, AP 0.8333.
        let l = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        assert!((roc_auc(&s, &l).unwrap() - 0.75).abs() < 1e-12);
        assert!((pr_auc(&s, &l).unwrap() - 0.833_333_333).abs() < 1e-6);
    }
}

//! Active learning: which alerts to ask analysts about, within a budget.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use vigil_core::SeededMap;

use crate::FeedbackError;

/// How questions are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveParams {
    /// The decision threshold on the threat probability: uncertainty is highest here (the
    /// suppression threshold, not necessarily 0.5).
    pub boundary: f64,
    /// Weight of feature-space diversity (distance to the nearest already chosen alert).
    pub diversity: f64,
}

impl Default for ActiveParams {
    fn default() -> Self {
        Self {
            boundary: 0.5,
            diversity: 0.5,
        }
    }
}

/// Picks up to `k` candidates to ask about: greedy uncertainty sampling with diversity.
///
/// Each candidate `i` has a threat probability `p[i]`, a group (detector or alert type) and a
/// feature row. Uncertainty is `1 − |logit p − logit b| / 8` (clipped to `[0, 1]`; highest at
/// the boundary `b`, in log-odds so a small probability near a small threshold still counts).
/// At each greedy step the pick maximises
/// `(uncertainty + diversity · d / d_max) / (1 + chosen in its group)`, where `d` is the
/// distance to the nearest already chosen row (k-center) on standardised features: questions
/// spread over groups and over the feature space instead of piling onto one cluster. Ties go
/// to the lower index, so the choice is deterministic.
///
/// ```
/// use ndarray::array;
/// use vigil_feedback::active::{select, ActiveParams};
/// let p = [0.01, 0.5, 0.49, 0.99];
/// let groups = ["a", "a", "b", "b"];
/// let x = array![[0.0], [1.0], [1.1], [5.0]];
/// let picked = select(&p, &groups, x.view(), 2, &ActiveParams::default()).unwrap();
/// assert_eq!(picked, vec![1, 2]); // the two uncertain ones, one per group
/// ```
pub fn select<G: AsRef<str>>(
    p: &[f64],
    groups: &[G],
    features: ArrayView2<'_, f64>,
    k: usize,
    params: &ActiveParams,
) -> Result<Vec<usize>, FeedbackError> {
    let n = p.len();
    if groups.len() != n || features.nrows() != n {
        return Err(FeedbackError::InvalidData {
            reason: format!(
                "{} probabilities, {} groups, {} feature rows",
                n,
                groups.len(),
                features.nrows()
            ),
        });
    }
    let logit = |q: f64| {
        let q = if q.is_nan() {
            0.5
        } else {
            q.clamp(1e-6, 1.0 - 1e-6)
        };
        (q / (1.0 - q)).ln()
    };
    let lb = logit(params.boundary);
    let unc: Vec<f64> = p
        .iter()
        .map(|&q| (1.0 - (logit(q) - lb).abs() / 8.0).clamp(0.0, 1.0))
        .collect();
    // Standardise columns so no feature's scale dominates distances.
    let ncol = features.ncols();
    let mut mean = vec![0.0; ncol];
    let mut sd = vec![0.0; ncol];
    for (j, col) in features.columns().into_iter().enumerate() {
        let m = col.iter().filter(|v| v.is_finite()).sum::<f64>() / n.max(1) as f64;
        let v = col
            .iter()
            .filter(|v| v.is_finite())
            .map(|x| (x - m) * (x - m))
            .sum::<f64>()
            / n.max(1) as f64;
        if let (Some(ms), Some(ss)) = (mean.get_mut(j), sd.get_mut(j)) {
            *ms = m;
            *ss = if v > 0.0 { v.sqrt() } else { 1.0 };
        }
    }
    let dist = |a: usize, b: usize| -> f64 {
        let (ra, rb) = (features.row(a), features.row(b));
        ra.iter()
            .zip(rb.iter())
            .zip(sd.iter())
            .map(|((x, y), s)| {
                let d = (x - y) / s;
                if d.is_finite() { d * d } else { 0.0 }
            })
            .sum::<f64>()
            .sqrt()
    };
    let mut nearest = vec![f64::INFINITY; n];
    let mut taken = vec![false; n];
    let mut per_group: SeededMap<&str, usize> = SeededMap::default();
    let mut out = Vec::with_capacity(k.min(n));
    while out.len() < k.min(n) {
        let dmax = nearest
            .iter()
            .zip(&taken)
            .filter(|(d, t)| !**t && d.is_finite())
            .map(|(d, _)| *d)
            .fold(0.0_f64, f64::max);
        let mut best: Option<(usize, f64)> = None;
        for i in 0..n {
            if taken.get(i).copied().unwrap_or(true) {
                continue;
            }
            let d = nearest.get(i).copied().unwrap_or(0.0);
            let div = if out.is_empty() || dmax <= 0.0 {
                1.0
            } else if d.is_finite() {
                d / dmax
            } else {
                1.0
            };
            let g = groups.get(i).map_or("", AsRef::as_ref);
            let c = per_group.get(g).copied().unwrap_or(0);
            let s =
                (unc.get(i).copied().unwrap_or(0.0) + params.diversity * div) / (1.0 + c as f64);
            if best.is_none_or(|(_, bs)| s > bs) {
                best = Some((i, s));
            }
        }
        let Some((pick, _)) = best else { break };
        out.push(pick);
        if let Some(t) = taken.get_mut(pick) {
            *t = true;
        }
        *per_group
            .entry(groups.get(pick).map_or("", AsRef::as_ref))
            .or_default() += 1;
        for (i, nd) in nearest.iter_mut().enumerate() {
            if !taken.get(i).copied().unwrap_or(true) {
                *nd = nd.min(dist(i, pick));
            }
        }
    }
    Ok(out)
}

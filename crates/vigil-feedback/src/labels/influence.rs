//! Capping each source's share of the training weight.

use vigil_core::SeededMap;

/// Scales `weights` so that no source holds more than `max_share` of the total weight.
///
/// `sources[i]` names who row `i` comes from (an analyst, or a pseudo-source such as the
/// base training set). Water-filling: the largest sources are cut to a common level `L` with
/// `L = max_share · total_after`, the rest untouched; so one analyst flooding verdicts cannot
/// outweigh everyone else. When fewer than `1 / max_share` sources exist the cap cannot hold
/// for all; every source is then brought to the same total (the best achievable).
///
/// Returns the per-source scale factors applied, sorted by source name.
///
/// ```
/// use vigil_feedback::labels::cap_influence;
/// let sources = ["eve", "eve", "eve", "ana", "bob"];
/// let mut w = vec![1.0; 5];
/// cap_influence(&sources, &mut w, 0.4);
/// let eve: f64 = w[..3].iter().sum();
/// let total: f64 = w.iter().sum();
/// assert!(eve / total <= 0.4 + 1e-9);
/// ```
pub fn cap_influence<S: AsRef<str>>(
    sources: &[S],
    weights: &mut [f64],
    max_share: f64,
) -> Vec<(String, f64)> {
    let mut totals: SeededMap<&str, f64> = SeededMap::default();
    for (s, w) in sources.iter().zip(weights.iter()) {
        *totals.entry(s.as_ref()).or_default() += w.max(0.0);
    }
    let mut sorted: Vec<(&str, f64)> = totals.iter().map(|(k, v)| (*k, *v)).collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let k = sorted.len();
    let share = max_share.clamp(0.0, 1.0);
    let level = if k == 0 || share * k as f64 <= 1.0 {
        // Infeasible (or exactly tight): equalise to the smallest positive total.
        sorted
            .iter()
            .map(|s| s.1)
            .filter(|t| *t > 0.0)
            .fold(f64::INFINITY, f64::min)
    } else {
        // Cap the m largest at L = share·(m·L + rest) → L = share·rest / (1 − share·m); the
        // first m for which L is at least the next source's total is the answer.
        let mut rest: f64 = sorted.iter().map(|s| s.1).sum();
        let mut level = f64::INFINITY;
        for m in 0..k {
            let top = sorted.get(m).map_or(0.0, |s| s.1);
            let l = share * rest / (1.0 - share * m as f64);
            if top <= l {
                level = l;
                break;
            }
            rest -= top;
        }
        level
    };
    let scale: SeededMap<&str, f64> = sorted
        .iter()
        .map(|(s, t)| {
            let f = if *t > level && *t > 0.0 {
                level / t
            } else {
                1.0
            };
            (*s, f)
        })
        .collect();
    for (s, w) in sources.iter().zip(weights.iter_mut()) {
        *w *= scale.get(s.as_ref()).copied().unwrap_or(1.0);
    }
    let mut out: Vec<(String, f64)> = scale.iter().map(|(s, f)| (s.to_string(), *f)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(sources: &[&str], w: &[f64]) -> Vec<(String, f64)> {
        let total: f64 = w.iter().sum();
        let mut m: std::collections::BTreeMap<String, f64> = Default::default();
        for (s, x) in sources.iter().zip(w) {
            *m.entry(s.to_string()).or_default() += x / total;
        }
        m.into_iter().collect()
    }

    #[test]
    fn cap_holds_and_small_sources_untouched() {
        let sources = ["a", "a", "a", "a", "a", "a", "b", "c", "d"];
        let mut w = vec![1.0; sources.len()];
        cap_influence(&sources, &mut w, 0.3);
        for (_, s) in shares(&sources, &w) {
            assert!(s <= 0.3 + 1e-9);
        }
        assert_eq!(w[6], 1.0);
    }

    #[test]
    fn infeasible_cap_equalises() {
        let sources = ["a", "a", "a", "b"];
        let mut w = vec![1.0; 4];
        cap_influence(&sources, &mut w, 0.3);
        let s = shares(&sources, &w);
        assert!((s[0].1 - 0.5).abs() < 1e-9);
    }
}

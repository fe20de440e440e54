//! Realised suppression on labelled data.

use serde::{Deserialize, Serialize};

use super::Suppressor;

/// What a suppressor did on labelled data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuppressionReport {
    /// The level the suppressor was fitted for.
    pub alpha: f64,
    /// Share of true positives suppressed (0 when there are none).
    pub miss_rate: f64,
    /// Share of non-threats (benign and false positives) suppressed (0 when there are none).
    pub fp_suppressed: f64,
    /// Share of all rows suppressed.
    pub suppressed: f64,
}

/// Applies `s` to scored, labelled rows (`groups` per row when the suppressor is per group).
pub fn evaluate(
    s: &Suppressor,
    scores: &[f64],
    threat: &[bool],
    groups: Option<&[String]>,
) -> SuppressionReport {
    let (mut tp, mut tp_sup, mut other, mut other_sup) = (0usize, 0usize, 0usize, 0usize);
    for (i, (&score, &t)) in scores.iter().zip(threat).enumerate() {
        let g = groups.and_then(|g| g.get(i)).map(String::as_str);
        let sup = s.suppress(score, g);
        if t {
            tp += 1;
            tp_sup += usize::from(sup);
        } else {
            other += 1;
            other_sup += usize::from(sup);
        }
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    SuppressionReport {
        alpha: s.alpha(),
        miss_rate: share(tp_sup, tp),
        fp_suppressed: share(other_sup, other),
        suppressed: share(tp_sup + other_sup, tp + other),
    }
}

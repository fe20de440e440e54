//! Population stability index.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// PSI of one feature between a reference and a current sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Psi {
    /// Feature name.
    pub feature: String,
    /// `Σ (cur − ref) · ln(cur / ref)` over the bins.
    pub value: f64,
}

impl Psi {
    /// The usual reading: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major shift.
    pub fn is_major(&self) -> bool {
        self.value > 0.25
    }
}

/// Population stability index between `reference` and `current`, with bins at the
/// reference's deciles (ties merged, so a constant feature has one bin and PSI 0). Empty bins
/// get a floor of `1e-4` so the logarithm is finite.
///
/// ```
/// use ndarray::array;
/// use vigil_feedback::drift::psi;
/// let r = array![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
/// assert!(psi(r.view(), r.view()) < 1e-9);
/// let shifted = r.mapv(|x| x + 5.0);
/// assert!(psi(r.view(), shifted.view()) > 0.25);
/// ```
pub fn psi(reference: ArrayView1<'_, f64>, current: ArrayView1<'_, f64>) -> f64 {
    let mut sorted: Vec<f64> = reference.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() || current.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    // Upper edges at deciles; a value v falls in the first bin whose edge is >= v.
    let mut edges: Vec<f64> = (1..10)
        .filter_map(|q| sorted.get(q * sorted.len() / 10).copied())
        .collect();
    edges.dedup();
    let nb = edges.len() + 1;
    let bin = |v: f64| edges.iter().position(|e| v < *e).unwrap_or(nb - 1);
    let hist = |xs: &mut dyn Iterator<Item = f64>| {
        let mut h = vec![0.0_f64; nb];
        let mut n = 0.0;
        for v in xs.filter(|v| !v.is_nan()) {
            if let Some(slot) = h.get_mut(bin(v)) {
                *slot += 1.0;
            }
            n += 1.0;
        }
        if n > 0.0 {
            h.iter_mut().for_each(|c| *c /= n);
        }
        h
    };
    let r = hist(&mut sorted.iter().copied());
    let c = hist(&mut current.iter().copied());
    r.iter()
        .zip(&c)
        .map(|(&a, &b)| {
            let (a, b) = (a.max(1e-4), b.max(1e-4));
            (b - a) * (b / a).ln()
        })
        .sum()
}

/// PSI of every column, largest first.
pub fn psi_columns(
    names: &[String],
    reference: ArrayView2<'_, f64>,
    current: ArrayView2<'_, f64>,
) -> Vec<Psi> {
    let mut out: Vec<Psi> = names
        .iter()
        .enumerate()
        .filter(|(j, _)| *j < reference.ncols() && *j < current.ncols())
        .map(|(j, name)| Psi {
            feature: name.clone(),
            value: psi(reference.column(j), current.column(j)),
        })
        .collect();
    out.sort_by(|a, b| b.value.total_cmp(&a.value));
    out
}

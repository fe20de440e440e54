//! Deterministic quantile binning of features into `u8` bins.
//!
//! Every comparison the model makes is on the feature value rounded to `f32`: a row goes left
//! at a split when `x as f32 <= threshold`. Binning uses the same rule, so a tree trained on
//! bins and the same tree walked on raw values agree exactly. Bin 0 holds missing values
//! (NaN); value bins are `1..=n`.

use ndarray::ArrayView2;

/// Bin edges of one feature: value bin `b` (1-based) holds `edges[b-2] < x <= edges[b-1]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureBins {
    /// Ascending upper edges; the last bin is unbounded above.
    pub(crate) edges: Vec<f32>,
}

impl FeatureBins {
    /// Number of bins including the missing bin 0.
    #[cfg(test)]
    pub(crate) fn n_bins(&self) -> usize {
        self.edges.len() + 2
    }

    /// The bin of a value.
    #[inline]
    pub(crate) fn bin(&self, x: f64) -> u8 {
        let x = x as f32;
        if x.is_nan() {
            return 0;
        }
        // At most 254 edges, so the bin fits a u8.
        (1 + self.edges.partition_point(|&e| e < x)) as u8
    }

    /// The threshold of a split "bin ≤ b".
    pub(crate) fn threshold(&self, b: u8) -> f32 {
        self.edges
            .get(usize::from(b).saturating_sub(1))
            .copied()
            .unwrap_or(f32::INFINITY)
    }
}

/// Edges from a column's values: quantiles of the distinct values, each edge halfway between
/// two neighbouring distinct values.
pub(crate) fn fit_feature(values: impl Iterator<Item = f64>, max_bins: usize) -> FeatureBins {
    let mut v: Vec<f32> = values.map(|x| x as f32).filter(|x| !x.is_nan()).collect();
    v.sort_by(f32::total_cmp);
    // Distinct values with their counts (-0.0 and 0.0 are one value).
    let mut distinct: Vec<(f32, usize)> = Vec::new();
    for x in v {
        match distinct.last_mut() {
            Some((d, c)) if *d == x => *c += 1,
            _ => distinct.push((x, 1)),
        }
    }
    let mut edges = Vec::new();
    let total: usize = distinct.iter().map(|d| d.1).sum();
    if distinct.len() <= max_bins {
        for w in distinct.windows(2) {
            edges.push(midpoint(w[0].0, w[1].0));
        }
    } else {
        // Greedy quantiles: close a bin once it holds its share of the remaining rows.
        let mut remaining = total;
        let mut bins_left = max_bins;
        let mut in_bin = 0usize;
        for (i, w) in distinct.windows(2).enumerate() {
            in_bin += w[0].1;
            let distinct_left = distinct.len() - i - 1;
            let target = remaining.div_ceil(bins_left.max(1));
            if bins_left > 1 && (in_bin >= target || distinct_left < bins_left) {
                edges.push(midpoint(w[0].0, w[1].0));
                remaining -= in_bin;
                in_bin = 0;
                bins_left -= 1;
            }
        }
    }
    FeatureBins { edges }
}

/// A value in `[a, b)` as close to the middle as `f32` allows.
fn midpoint(a: f32, b: f32) -> f32 {
    let m = ((f64::from(a) + f64::from(b)) * 0.5) as f32;
    if m >= b || m.is_nan() { a } else { m.max(a) }
}

/// Bin edges of every feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BinMapper {
    pub(crate) features: Vec<FeatureBins>,
}

impl BinMapper {
    /// Fits edges on a matrix's columns.
    pub(crate) fn fit(x: ArrayView2<'_, f64>, max_bins: usize) -> Self {
        let features = x
            .columns()
            .into_iter()
            .map(|c| fit_feature(c.iter().copied(), max_bins))
            .collect();
        Self { features }
    }

    /// Row-major bins of a matrix (`rows × features` bytes).
    pub(crate) fn transform(&self, x: ArrayView2<'_, f64>) -> Vec<u8> {
        let nf = self.features.len();
        let mut out = vec![0u8; x.nrows() * nf];
        for (row, dst) in x.rows().into_iter().zip(out.chunks_exact_mut(nf.max(1))) {
            for ((v, fb), d) in row.iter().zip(&self.features).zip(dst.iter_mut()) {
                *d = fb.bin(*v);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_agree_with_thresholds() {
        let vals: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64 * 0.37).collect();
        let fb = fit_feature(vals.iter().copied(), 16);
        assert!(fb.n_bins() <= 18);
        for &x in &vals {
            let b = fb.bin(x);
            for s in 1..fb.n_bins() as u8 - 1 {
                assert_eq!(b <= s, (x as f32) <= fb.threshold(s));
            }
        }
        assert_eq!(fb.bin(f64::NAN), 0);
    }

    #[test]
    fn few_values_get_own_bins() {
        let fb = fit_feature([1.0, 2.0, 2.0, 3.0].into_iter(), 255);
        assert_eq!(fb.edges.len(), 2);
        assert_eq!(fb.bin(1.0), 1);
        assert_eq!(fb.bin(2.0), 2);
        assert_eq!(fb.bin(3.0), 3);
        assert_eq!(fb.bin(100.0), 3);
    }
}

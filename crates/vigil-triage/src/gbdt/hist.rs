//! Gradient histograms: per feature, per bin, the sums of gradient, hessian and rows.

/// Sums of a node or of a run of bins: gradient, hessian, rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Bin {
    pub(crate) g: f64,
    pub(crate) h: f64,
    pub(crate) n: f64,
}

impl Bin {
    #[inline]
    pub(crate) fn add(&mut self, o: &Bin) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }
    #[inline]
    pub(crate) fn sub(&self, o: &Bin) -> Bin {
        Bin {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
        }
    }
}

/// One histogram bin: gradient and hessian sums (16 bytes; counts are estimated).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Gh {
    pub(crate) g: f64,
    pub(crate) h: f64,
}

impl Gh {
    /// The bin as sums with its row count estimated from its hessian
    /// (`factor = node.n / node.h`).
    #[inline]
    pub(crate) fn with_count(&self, factor: f64) -> Bin {
        Bin {
            g: self.g,
            h: self.h,
            n: self.h * factor,
        }
    }
}

/// One feature's histogram: 256 bins, so a `u8` bin indexes it without a bounds check.
pub(crate) type FeatureHist = [Gh; 256];

/// A node's histogram: one [`FeatureHist`] per feature.
pub(crate) type Hist = Vec<FeatureHist>;

/// A fresh zeroed histogram.
pub(crate) fn zeroed(n_features: usize) -> Hist {
    vec![[Gh::default(); 256]; n_features]
}

/// Adds rows `idx` into `hist`, whose features are `first..first + hist.len()` of the
/// row-major `bins` (`n_features` bytes per row). Each bin sums its rows in `idx` order, so the
/// result does not depend on how features are shared between threads.
#[inline]
pub(crate) fn build_into(
    hist: &mut [FeatureHist],
    first: usize,
    bins: &[u8],
    n_features: usize,
    idx: &[u32],
    grad: &[f64],
    hess: &[f64],
) {
    for h in hist.iter_mut() {
        *h = [Gh::default(); 256];
    }
    let width = hist.len();
    for &i in idx {
        let i = i as usize;
        let (Some(&g), Some(&h)) = (grad.get(i), hess.get(i)) else {
            continue;
        };
        let start = i * n_features + first;
        let Some(row) = bins.get(start..start + width) else {
            continue;
        };
        // Counts are not summed (LightGBM's trick): split finding estimates them from the
        // hessian, which saves a third of the memory traffic of this, the hottest loop.
        for (fh, &b) in hist.iter_mut().zip(row) {
            let e = &mut fh[usize::from(b)];
            e.g += g;
            e.h += h;
        }
    }
}

/// Builds a node's histogram, over features in parallel when the `parallel` feature is on and
/// the node is large enough to pay for it. Either way the sums are identical bit for bit.
pub(crate) fn build(
    hist: &mut Hist,
    bins: &[u8],
    n_features: usize,
    idx: &[u32],
    grad: &[f64],
    hess: &[f64],
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        if threads > 1 && idx.len() >= 2048 && n_features >= 2 {
            let chunk = n_features.div_ceil(threads);
            hist.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(c, h)| build_into(h, c * chunk, bins, n_features, idx, grad, hess));
            return;
        }
    }
    build_into(hist, 0, bins, n_features, idx, grad, hess);
}

/// `parent -= child`, leaving the sibling's histogram in `parent`.
pub(crate) fn subtract(parent: &mut Hist, child: &Hist) {
    for (p, c) in parent.iter_mut().zip(child) {
        for (pb, cb) in p.iter_mut().zip(c) {
            pb.g -= cb.g;
            pb.h -= cb.h;
        }
    }
}

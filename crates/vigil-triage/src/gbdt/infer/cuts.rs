//! The model's thresholds per feature, and the coding of a block of rows against them.

use ndarray::ArrayView2;

use super::{BLOCK, STEP, SUB};
use crate::gbdt::tree::Tree;

/// One coded feature of a block: per row, its code `c` stored as `c ^ 0x80` so that a signed
/// byte comparison (the only one SSE2 has) orders codes.
pub(crate) type Column = [i8; BLOCK];

/// Per feature, the distinct thresholds the model's splits use, ascending.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cuts {
    per_feature: Vec<Vec<f32>>,
    /// The same cuts, each repeated in four lanes (what the coding loop compares against).
    broadcast: Vec<Vec<[f32; 4]>>,
}

impl Cuts {
    /// The cuts of `trees`; `None` when some feature has more than 255 distinct thresholds
    /// (codes would not fit a byte) or a threshold is NaN (no order).
    pub(crate) fn new(trees: &[Tree], n_features: usize) -> Option<Self> {
        let mut per_feature = vec![Vec::new(); n_features];
        for n in trees.iter().flat_map(|t| &t.nodes).filter(|n| !n.is_leaf()) {
            if n.threshold.is_nan() {
                return None;
            }
            per_feature.get_mut(n.feature as usize)?.push(n.threshold);
        }
        for cuts in &mut per_feature {
            cuts.sort_by(f32::total_cmp);
            // -0.0 and 0.0 compare alike, so they are one cut.
            cuts.dedup_by(|a, b| a == b);
            if cuts.len() > 255 {
                return None;
            }
        }
        let broadcast = per_feature
            .iter()
            .map(|c| c.iter().map(|&t| [t; 4]).collect())
            .collect();
        Some(Self {
            per_feature,
            broadcast,
        })
    }

    /// Features the cuts cover (the model's width).
    pub(crate) fn n_features(&self) -> usize {
        self.per_feature.len()
    }

    /// Total cuts over all features: the comparisons coding one row costs.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.per_feature.iter().map(Vec::len).sum()
    }

    /// The biased code `j ^ 0x80` of split "`x > thr` on `feature`", where `thr` is the
    /// feature's cut `j`: the split goes right exactly when the row's stored code is greater.
    pub(crate) fn split_code(&self, feature: u32, thr: f32) -> Option<i8> {
        self.rank(feature, thr).map(|j| bias(usize::from(j)))
    }

    /// The rank `j` of `thr` among `feature`'s cuts: "`x > thr`" is "`x` exceeds more than
    /// `j` cuts".
    pub(crate) fn rank(&self, feature: u32, thr: f32) -> Option<u8> {
        let cuts = self.per_feature.get(feature as usize)?;
        let j = cuts.partition_point(|&c| c < thr);
        (cuts.get(j) == Some(&thr)).then_some(u8::try_from(j).ok())?
    }

    /// Feature `f`'s cuts, ascending (none past the model's width).
    pub(crate) fn of(&self, f: usize) -> &[f32] {
        self.per_feature.get(f).map_or(&[], Vec::as_slice)
    }

    /// Codes rows `start..start + rows` of `x` (`rows ≤ BLOCK`, `x` as wide as the model)
    /// into `cols` (one column per feature; unused features are left alone) and flags in
    /// `nan` the rows with a NaN in a used feature (their codes are wrong: NaN exceeds no cut,
    /// while the trees send it its learned default way). Rows past `rows` hold stale codes.
    #[inline(never)]
    pub(crate) fn code_block(
        &self,
        x: ArrayView2<'_, f64>,
        start: usize,
        rows: usize,
        f32s: &mut [[f32; SUB]],
        cols: &mut [Column],
        nan: &mut [bool; BLOCK],
    ) {
        let (nan_subs, _) = nan.as_chunks_mut::<SUB>();
        for (s, nan_sub) in nan_subs.iter_mut().enumerate() {
            let lo = s * SUB;
            if lo >= rows {
                break;
            }
            // The rows to f32, column-major: the model compares in f32.
            let n = (rows - lo).min(SUB);
            let nf = f32s.len();
            let whole = x
                .as_slice()
                .and_then(|all| all.get((start + lo) * nf..(start + lo + SUB) * nf));
            if let (Some(block), true) = (whole, n == SUB) {
                transpose_sub(block, f32s);
                continue_coding(self, s, f32s, cols, nan_sub);
                continue;
            }
            for r in 0..n {
                let row = x.row(start + lo + r);
                match row.as_slice() {
                    Some(sl) => {
                        for (c, v) in f32s.iter_mut().zip(sl) {
                            c[r] = *v as f32;
                        }
                    }
                    None => {
                        for (c, v) in f32s.iter_mut().zip(row.iter()) {
                            c[r] = *v as f32;
                        }
                    }
                }
            }
            continue_coding(self, s, f32s, cols, nan_sub);
        }
    }
}

/// Codes sub-block `s` of the block from its `f32` columns.
#[inline(always)]
fn continue_coding(
    cuts: &Cuts,
    s: usize,
    f32s: &[[f32; SUB]],
    cols: &mut [Column],
    nan_sub: &mut [bool; SUB],
) {
    let mut bad = [0u8; SUB];
    for ((cuts, src), dst) in cuts.broadcast.iter().zip(f32s).zip(cols) {
        if cuts.is_empty() {
            continue;
        }
        let Some(dst) = dst.as_chunks_mut::<SUB>().0.get_mut(s) else {
            continue;
        };
        code_sub(cuts, src, dst, &mut bad);
    }
    for (f, b) in nan_sub.iter_mut().zip(&bad) {
        *f = *b != 0;
    }
}

/// `SUB` contiguous rows (`block`, row-major, `f32s.len()` wide) to `f32` columns, four rows
/// by four features at a time (pairwise conversions and a 4×4 shuffle instead of one scalar
/// conversion and store per value).
fn transpose_sub(block: &[f64], f32s: &mut [[f32; SUB]]) {
    let nf = f32s.len();
    if nf == 0 {
        return;
    }
    let quads = nf / 4;
    for (r4, rows) in block.chunks_exact(4 * nf).enumerate() {
        let r0 = r4 * 4;
        let (a, rest) = rows.split_at(nf);
        let (b, rest) = rest.split_at(nf);
        let (c, d) = rest.split_at(nf);
        let (a4, _) = a.as_chunks::<4>();
        let (b4, _) = b.as_chunks::<4>();
        let (c4, _) = c.as_chunks::<4>();
        let (d4, _) = d.as_chunks::<4>();
        let (cols4, tail) = f32s.split_at_mut(quads * 4);
        for ((((va, vb), vc), vd), cq) in a4
            .iter()
            .zip(b4)
            .zip(c4)
            .zip(d4)
            .zip(cols4.as_chunks_mut::<4>().0)
        {
            for (j, col) in cq.iter_mut().enumerate() {
                if let Some(dst) = col.get_mut(r0..r0 + 4) {
                    dst[0] = va[j] as f32;
                    dst[1] = vb[j] as f32;
                    dst[2] = vc[j] as f32;
                    dst[3] = vd[j] as f32;
                }
            }
        }
        for (k, col) in tail.iter_mut().enumerate() {
            let f = quads * 4 + k;
            for (r, row) in [a, b, c, d].iter().enumerate() {
                if let (Some(dst), Some(v)) = (col.get_mut(r0 + r), row.get(f)) {
                    *dst = *v as f32;
                }
            }
        }
    }
}

/// The biased byte of code `j`.
#[inline]
fn bias(j: usize) -> i8 {
    ((j as u8) ^ 0x80) as i8
}

/// Codes one feature of a sub-block: per row, how many cuts the value exceeds, and marks NaN
/// rows in `bad`.
#[inline]
fn code_sub(cuts: &[[f32; 4]], src: &[f32; SUB], dst: &mut [i8; SUB], bad: &mut [u8; SUB]) {
    let (src, _) = src.as_chunks::<STEP>();
    let (dst, _) = dst.as_chunks_mut::<STEP>();
    let (bad, _) = bad.as_chunks_mut::<STEP>();
    for ((xs, d), b) in src.iter().zip(dst).zip(bad) {
        let cnt = count16(cuts, xs);
        for ((d, c), (b, x)) in d.iter_mut().zip(&cnt).zip(b.iter_mut().zip(xs)) {
            *d = bias(*c as usize);
            *b |= u8::from(x.is_nan());
        }
    }
}

/// How many of `cuts` each of 16 values exceeds: the 16 counts stay in four SSE2 registers
/// while the cuts stream past (one compare and one subtract per four values and cut).
#[inline(never)]
fn count16(cuts: &[[f32; 4]], xs: &[f32; STEP]) -> [u32; STEP] {
    let mut x = [[0f32; 4]; STEP / 4];
    for (d, s) in x.iter_mut().zip(xs.as_chunks::<4>().0) {
        *d = *s;
    }
    let mut cnt = [[0u32; 4]; STEP / 4];
    let (pairs, rest) = cuts.as_chunks::<2>();
    for t8 in pairs {
        // Four lanes at a time on pre-broadcast cuts. `black_box` keeps the compiler from
        // vectorising across cuts instead (16 accumulators, which spill); it emits nothing.
        let [ta, tb] = *std::hint::black_box(t8);
        for (c, x) in cnt.iter_mut().zip(&x) {
            *c = add4(add4(*c, gt4(*x, ta)), gt4(*x, tb));
        }
    }
    for t4 in rest {
        for (c, x) in cnt.iter_mut().zip(&x) {
            *c = add4(*c, gt4(*x, *t4));
        }
    }
    let mut out = [0u32; STEP];
    for (o, c) in out.as_chunks_mut::<4>().0.iter_mut().zip(&cnt) {
        *o = *c;
    }
    out
}

#[inline(always)]
fn gt4(x: [f32; 4], t: [f32; 4]) -> [u32; 4] {
    [
        u32::from(x[0] > t[0]),
        u32::from(x[1] > t[1]),
        u32::from(x[2] > t[2]),
        u32::from(x[3] > t[3]),
    ]
}

#[inline(always)]
fn add4(a: [u32; 4], b: [u32; 4]) -> [u32; 4] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

//! The ensemble compiled for inference.
//!
//! When every tree is at most [`DENSE_DEPTH`] deep, each tree becomes a complete binary tree of
//! depth `D` (the deepest tree's depth) stored in heap order: 2^D − 1 packed `(threshold f32,
//! feature u32)` internal nodes and 2^D leaf values, all trees in one contiguous array. A
//! leaf that ends early is padded with always-left nodes (`+∞` thresholds) and its value
//! copied to every leaf slot below it. A walk is then `D` branch-free steps
//! `i = 2i + 1 + (x > t)`, with no child pointers to load. Rows are scored in blocks, several
//! rows walked in lock-step so their independent loads overlap.
//!
//! Deeper trees fall back to a flat node array with explicit children; when every tree has
//! at most 32 leaves, batches take the branch-free QuickScorer kernel instead
//! ([`super::infer::quick`]: per tree, one comparison and one mask AND per node over a
//! column-major block of rows). Rows holding NaN take
//! the node walk (the padding trick needs NaN-free rows). Every path sums the same leaf values
//! in the same tree order, so all agree with the reference walk bit for bit.
//!
//! Symmetric (oblivious) trees of depth ≤ 8 have their own paths (see [`super::infer`]): a
//! batch is coded once per block against the model's own thresholds (one byte per feature
//! and row), then every tree level is one byte comparison over 16 rows and leaves are
//! gathered eight trees at a time; a single row goes four trees per float comparison. Models
//! outside those limits (a feature with more than 255 distinct thresholds, deeper trees,
//! rows wider than 64 for the single-row path) use the float layouts below.
//!
//! Dense trees on rows of at most 64 features are also laid out for the AVX-512 stage walk
//! ([`super::infer::staged`]: 16 nodes per permute and compare), which batches and single
//! rows take where the CPU has AVX-512 (checked at run time); elsewhere the dense walk below.

use ndarray::{Array2, ArrayView2};

use super::infer::BLOCK as QBLOCK;
use super::infer::cuts::Cuts;
use super::infer::oblivious::QuantOblivious;
use super::infer::quick::QuickTrees;
use super::infer::single::{self, SingleOblivious};
use super::infer::staged::{self, Staged};
use super::tree::Tree;

/// Deepest tree the dense layout takes.
pub const DENSE_DEPTH: usize = 8;
const SLOTS: usize = 1 << DENSE_DEPTH;
/// Row stride of the dense walk's block when rows are at most this wide.
const WIDE: usize = 64;
/// Rows walked in lock-step (16 measured fastest for the dense walk: 8 leaves too little
/// work in flight, 32 spills).
const LANES: usize = 16;
/// Rows per block (their `f32` copies stay in L1).
const BLOCK: usize = 64;

/// A packed internal node: go right when `x > thr`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Packed {
    thr: f32,
    feat: u32,
}

/// A tree of the flat (sparse) layout: node `i` is internal when `left[i] >= 0`; a negative
/// child `-(j + 1)` is leaf `j`.
#[derive(Debug, Clone, PartialEq)]
struct FlatTree {
    nodes: Vec<FlatNode>,
    leaves: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct FlatNode {
    thr: f32,
    feat: u32,
    default_left: bool,
    left: i32,
    right: i32,
}

#[derive(Debug, Clone, PartialEq)]
enum Layout {
    /// Oblivious trees: per tree, one `(feature, threshold)` per level and `2^depth` leaves; a
    /// row's leaf index is its comparison bits, root first. Scored on a column-major block,
    /// one level of one tree for all the block's rows at a time (a loop the compiler
    /// vectorises).
    Oblivious {
        /// Per tree: first split in `splits`, depth, first leaf in `leaves`.
        trees: Vec<(usize, usize, usize)>,
        splits: Vec<Packed>,
        leaves: Vec<f64>,
        /// The same trees on quantised features (see [`super::infer`]), when every tree is at most
        /// 8 deep and every feature has at most 255 distinct thresholds: the batch path.
        quant: Option<Box<QuantOblivious>>,
        /// The same trees four at a time for single rows, when rows are at most
        /// [`single::WIDTH`] wide and trees at most 8 deep.
        single: Option<Box<SingleOblivious>>,
    },
    /// Complete trees of depth `depth`, `SLOTS` nodes and leaves per tree.
    Dense {
        depth: usize,
        nodes: Vec<[Packed; SLOTS]>,
        leaves: Vec<[f64; SLOTS]>,
        /// The same trees for the AVX-512 stage walk (see [`super::infer::staged`]), when rows
        /// are at most [`staged::WIDTH`] wide; used where the CPU has AVX-512.
        staged: Option<Box<Staged>>,
    },
    /// Explicit children.
    Flat {
        trees: Vec<FlatTree>,
        /// The same trees as QuickScorer masks (see [`super::infer::quick`]), when every
        /// tree has at most [`super::infer::quick::MAX_LEAVES`] leaves: the batch path.
        quick: Option<Box<QuickTrees>>,
    },
}

/// A trained ensemble compiled into a flat, cache-friendly layout (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledGbdt {
    layout: Layout,
    /// The node trees, for rows with missing values.
    reference: Vec<Tree>,
    base: Vec<f64>,
    n_features: usize,
}

impl CompiledGbdt {
    pub(crate) fn new(trees: &[Tree], base: &[f64], n_features: usize) -> Self {
        let depth = trees.iter().map(Tree::depth).max().unwrap_or(0);
        let oblivious: Option<Vec<(Vec<Packed>, Vec<f64>)>> =
            trees.iter().map(oblivious_levels).collect();
        let layout = if let Some(ob) = oblivious {
            let levels: Vec<Vec<(u32, f32)>> = ob
                .iter()
                .map(|(s, _)| s.iter().map(|p| (p.feat, p.thr)).collect())
                .collect();
            let views = || levels.iter().zip(&ob).map(|(s, (_, l))| (&s[..], &l[..]));
            let quant = Cuts::new(trees, n_features)
                .and_then(|cuts| QuantOblivious::new(views(), cuts))
                .map(Box::new);
            let single = (n_features <= single::WIDTH)
                .then(|| SingleOblivious::new(views()))
                .flatten()
                .map(Box::new);
            let mut meta = Vec::with_capacity(ob.len());
            let (mut splits, mut leaves) = (Vec::new(), Vec::new());
            for (s, l) in ob {
                meta.push((splits.len(), s.len(), leaves.len()));
                splits.extend(s);
                leaves.extend(l);
            }
            Layout::Oblivious {
                trees: meta,
                splits,
                leaves,
                quant,
                single,
            }
        } else if depth <= DENSE_DEPTH {
            let mut nodes = Vec::with_capacity(trees.len());
            let mut leaves = Vec::with_capacity(trees.len());
            for t in trees {
                let mut n = [Packed {
                    thr: f32::INFINITY,
                    feat: 0,
                }; SLOTS];
                let mut l = [0.0; SLOTS];
                fill_dense(t, 0, 0, 0, depth, &mut n, &mut l);
                nodes.push(n);
                leaves.push(l);
            }
            let staged = if n_features <= staged::WIDTH {
                let heaps: Vec<Vec<(u32, f32)>> = nodes
                    .iter()
                    .map(|n| {
                        n[..(1 << depth) - 1]
                            .iter()
                            .map(|p| (p.feat, p.thr))
                            .collect()
                    })
                    .collect();
                Staged::new(
                    heaps
                        .iter()
                        .zip(&leaves)
                        .map(|(n, l)| (&n[..], &l[..1 << depth])),
                    depth,
                    Cuts::new(trees, n_features).as_ref(),
                )
                .map(Box::new)
            } else {
                None
            };
            Layout::Dense {
                depth,
                nodes,
                leaves,
                staged,
            }
        } else {
            Layout::Flat {
                trees: trees.iter().map(flatten).collect(),
                quick: QuickTrees::new(trees, n_features).map(Box::new),
            }
        };
        Self {
            layout,
            reference: trees.to_vec(),
            base: base.to_vec(),
            n_features,
        }
    }

    /// Trees per round (columns of the raw scores).
    pub fn groups(&self) -> usize {
        self.base.len().max(1)
    }

    /// Which layout is in use: `"oblivious"`, `"dense"` or `"flat"`.
    pub fn layout_name(&self) -> &'static str {
        match self.layout {
            Layout::Oblivious { .. } => "oblivious",
            Layout::Dense { .. } => "dense",
            Layout::Flat { .. } => "flat",
        }
    }

    /// True when batches of symmetric trees go through the quantised layout.
    #[cfg(test)]
    pub(crate) fn is_quantised(&self) -> bool {
        matches!(self.layout, Layout::Oblivious { quant: Some(_), .. })
    }

    /// True when general trees have the AVX-512 stage layout (used where the CPU has it).
    #[cfg(test)]
    pub(crate) fn is_staged(&self) -> bool {
        matches!(
            self.layout,
            Layout::Dense {
                staged: Some(_),
                ..
            }
        )
    }

    /// The same model without the AVX-512 stage layout: the portable dense walk, which tests
    /// check too on machines that have AVX-512.
    #[cfg(test)]
    pub(crate) fn without_staged(mut self) -> Self {
        if let Layout::Dense { staged, .. } = &mut self.layout {
            *staged = None;
        }
        self
    }

    /// True when batches of general trees take the stage walk on coded rows.
    #[cfg(test)]
    pub(crate) fn is_coded(&self) -> bool {
        match &self.layout {
            Layout::Dense {
                staged: Some(s), ..
            } => s.is_coded(),
            _ => false,
        }
    }

    /// The same model with the stage walk on floats only (rows not coded), which tests check
    /// too.
    #[cfg(test)]
    pub(crate) fn without_words(mut self) -> Self {
        if let Layout::Dense {
            staged: Some(s), ..
        } = &mut self.layout
        {
            s.drop_words();
        }
        self
    }

    /// True when batches of flat trees take the QuickScorer kernel.
    #[cfg(test)]
    pub(crate) fn is_quick(&self) -> bool {
        matches!(self.layout, Layout::Flat { quick: Some(_), .. })
    }

    /// The same model without the QuickScorer layout: the flat walk, which tests check too.
    #[cfg(test)]
    pub(crate) fn without_quick(mut self) -> Self {
        if let Layout::Flat { quick, .. } = &mut self.layout {
            *quick = None;
        }
        self
    }

    /// True when single rows of symmetric trees go four trees at a time.
    #[cfg(test)]
    pub(crate) fn has_single_layout(&self) -> bool {
        matches!(
            self.layout,
            Layout::Oblivious {
                single: Some(_),
                ..
            }
        )
    }

    /// Raw scores, one row per input row, [`Self::groups`] columns. The caller checks the
    /// width; a narrower row reads missing values.
    pub fn predict_raw(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let g = self.groups();
        let mut out = vec![0.0; x.nrows() * g];
        self.predict_raw_into(x, &mut out);
        Array2::from_shape_vec((x.nrows(), g), out).unwrap_or_else(|_| Array2::zeros((0, g)))
    }

    /// Raw scores into `out` (`rows × groups`, row-major). Rows beyond what `out` holds are
    /// skipped; a matrix of another width than the model's reads missing values for absent
    /// columns (the caller normally checks the width).
    pub fn predict_raw_into(&self, x: ArrayView2<'_, f64>, out: &mut [f64]) {
        let g = self.groups();
        let nf = self.n_features.max(1);
        let n = x.nrows().min(out.len() / g);
        if let Layout::Dense {
            staged: Some(s), ..
        } = &self.layout
            && x.ncols() == self.n_features
            && Staged::usable()
        {
            self.staged_batch(s, x, &mut out[..n * g]);
            return;
        }
        // Single rows (the per-alert path) should not pay an allocation.
        let mut on_stack = [0f32; 64];
        let mut on_heap = Vec::new();
        let row32: &mut [f32] = match on_stack.get_mut(..nf) {
            Some(s) => s,
            None => {
                on_heap.resize(nf, 0.0);
                &mut on_heap
            }
        };
        if x.ncols() != self.n_features || n < LANES {
            for (r, acc) in out.chunks_exact_mut(g).enumerate().take(n) {
                self.score_row(x.row(r), row32, acc);
            }
            return;
        }
        if let Layout::Oblivious { quant: Some(q), .. } = &self.layout {
            self.quant_batch(q, x, &mut out[..n * g]);
            return;
        }

        // Dense trees on rows at most 64 wide read a block of rows 64 floats apart, indexed
        // with masks instead of bounds checks.
        let wide64 = matches!(self.layout, Layout::Dense { .. }) && nf <= WIDE;
        let nf = if wide64 { WIDE } else { nf };
        let mut buf = vec![0f32; BLOCK * nf];
        let mut nan = [false; BLOCK];
        let column_major = matches!(
            self.layout,
            Layout::Oblivious { .. } | Layout::Flat { quick: Some(_), .. }
        );
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let rows = end - start;
            let Some(acc) = out.get_mut(start * g..end * g) else {
                return;
            };
            if rows < LANES {
                for (r, a) in acc.chunks_exact_mut(g).enumerate() {
                    self.score_row(x.row(start + r), row32, a);
                }
                return;
            }
            // Copy the block to f32 (the model compares in f32), row-major or column-major as
            // the layout wants, and flag rows with NaN.
            for (r, flag) in nan.iter_mut().enumerate().take(rows) {
                let row = x.row(start + r);
                *flag = if column_major {
                    let (cols, _) = buf.as_chunks_mut::<BLOCK>();
                    copy_column_major(row, cols, r)
                } else {
                    copy_row_major(row, buf.get_mut(r * nf..(r + 1) * nf).unwrap_or(&mut []))
                };
            }
            for a in acc.chunks_exact_mut(g) {
                a.copy_from_slice(&self.base);
            }
            match &self.layout {
                Layout::Oblivious {
                    trees,
                    splits,
                    leaves,
                    ..
                } => oblivious_block(&buf, rows, trees, splits, leaves, g, acc),
                Layout::Dense {
                    depth,
                    nodes,
                    leaves,
                    ..
                } => match buf.as_chunks::<WIDE>().0.first_chunk::<BLOCK>() {
                    Some(block) if wide64 => {
                        dense_block64(block, rows, *depth, nodes, leaves, g, acc);
                    }
                    _ => dense_block(&buf[..rows * nf], nf, *depth, nodes, leaves, g, acc),
                },
                Layout::Flat { quick: Some(q), .. } => {
                    q.score_block(buf.as_chunks::<BLOCK>().0, rows, g, acc)
                }
                Layout::Flat { trees, .. } => flat_block(&buf[..rows * nf], nf, trees, g, acc),
            }
            // Rows with NaN: redo them on the node trees.
            for (r, a) in acc.chunks_exact_mut(g).enumerate() {
                if nan.get(r).copied().unwrap_or(false) {
                    self.reference_row(x.row(start + r), a);
                }
            }
            start = end;
        }
    }

    /// The batch path of quantised symmetric trees: blocks of [`QBLOCK`] rows; rows with NaN
    /// redone on the node trees.
    fn quant_batch(&self, q: &QuantOblivious, x: ArrayView2<'_, f64>, out: &mut [f64]) {
        let g = self.groups();
        let mut scratch = q.scratch(g);
        for (b, acc) in out.chunks_mut(QBLOCK * g).enumerate() {
            let start = b * QBLOCK;
            let rows = acc.len() / g;
            let nan = q.score_block(x, start, rows, &self.base, &mut scratch, acc);
            for (r, a) in acc.chunks_exact_mut(g).enumerate() {
                if nan.get(r).copied().unwrap_or(false) {
                    self.reference_row(x.row(start + r), a);
                }
            }
        }
    }

    /// The path of the AVX-512 stage walk (batches and single rows), blocks of 1,024 rows
    /// (the kernel's buffers set up once per block); rows with NaN redone on the node trees.
    fn staged_batch(&self, s: &Staged, x: ArrayView2<'_, f64>, out: &mut [f64]) {
        let g = self.groups();
        for a in out.chunks_exact_mut(g) {
            a.copy_from_slice(&self.base);
        }
        if let (Some(acc), true) = (out.get_mut(..g), x.nrows() == 1) {
            let mut nan = false;
            s.score(x, acc, std::slice::from_mut(&mut nan));
            if nan {
                self.reference_row(x.row(0), acc);
            }
            return;
        }
        const ROWS: usize = 1024;
        let mut nan = [false; ROWS];
        for (b, acc) in out.chunks_mut(ROWS * g).enumerate() {
            let start = b * ROWS;
            let rows = acc.len() / g;
            let block = x.slice(ndarray::s![start..start + rows, ..]);
            s.score(block, acc, &mut nan);
            for (r, a) in acc.chunks_exact_mut(g).enumerate() {
                if nan.get(r).copied().unwrap_or(false) {
                    self.reference_row(x.row(start + r), a);
                }
            }
        }
    }

    /// One row's raw scores into `acc` (`groups` values) without blocking: the single-alert
    /// path.
    fn score_row(&self, row: ndarray::ArrayView1<'_, f64>, row32: &mut [f32], acc: &mut [f64]) {
        let mut has_nan = row.len() != self.n_features;
        for (d, v) in row32.iter_mut().zip(row.iter()) {
            *d = *v as f32;
            has_nan |= d.is_nan();
        }
        if has_nan {
            self.reference_row(row, acc);
            return;
        }
        acc.copy_from_slice(&self.base);
        if let Layout::Oblivious {
            single: Some(s), ..
        } = &self.layout
        {
            let mut x = [0f32; single::WIDTH];
            x.iter_mut().zip(&*row32).for_each(|(d, v)| *d = *v);
            s.score(&x, acc);
            return;
        }
        let g = acc.len().max(1);
        let x = |f: u32| row32.get(f as usize).copied().unwrap_or(0.0);
        match &self.layout {
            Layout::Oblivious {
                trees,
                splits,
                leaves,
                ..
            } => {
                for (t, &(s0, depth, l0)) in trees.iter().enumerate() {
                    let mut i = 0usize;
                    for p in splits.get(s0..s0 + depth).unwrap_or(&[]) {
                        i = (i << 1) | usize::from(x(p.feat) > p.thr);
                    }
                    if let (Some(a), Some(v)) = (acc.get_mut(t % g), leaves.get(l0 + i)) {
                        *a += *v;
                    }
                }
            }
            Layout::Dense {
                depth,
                nodes,
                leaves,
                ..
            } if row32.len() <= WIDE => {
                // Eight trees walked in lock-step (their node loads overlap), on a copy of
                // the row indexed with masks; leaves added in tree order.
                let mut x64 = [0f32; WIDE];
                x64.iter_mut().zip(&*row32).for_each(|(d, v)| *d = *v);
                let first_leaf = (1usize << depth) - 1;
                for (c, (tn, tl)) in nodes.chunks(8).zip(leaves.chunks(8)).enumerate() {
                    let mut ix = [0usize; 8];
                    for _ in 0..*depth {
                        for (i, tn) in ix.iter_mut().zip(tn) {
                            let p = tn[*i & (SLOTS - 1)];
                            *i =
                                2 * *i + 1 + usize::from(x64[p.feat as usize & (WIDE - 1)] > p.thr);
                        }
                    }
                    for (k, (i, tl)) in ix.iter().zip(tl).enumerate() {
                        if let Some(a) = acc.get_mut((8 * c + k) % g) {
                            *a += tl[(i - first_leaf) & (SLOTS - 1)];
                        }
                    }
                }
            }
            Layout::Dense {
                depth,
                nodes,
                leaves,
                ..
            } => {
                let first_leaf = (1usize << depth) - 1;
                for (t, (tn, tl)) in nodes.iter().zip(leaves).enumerate() {
                    let mut i = 0usize;
                    for _ in 0..*depth {
                        let p = tn[i & (SLOTS - 1)];
                        i = 2 * i + 1 + usize::from(x(p.feat) > p.thr);
                    }
                    if let Some(a) = acc.get_mut(t % g) {
                        *a += tl[(i - first_leaf) & (SLOTS - 1)];
                    }
                }
            }
            Layout::Flat { trees, .. } => {
                for (t, tree) in trees.iter().enumerate() {
                    let mut i: i32 = 0;
                    while let Some(n) = usize::try_from(i).ok().and_then(|i| tree.nodes.get(i)) {
                        i = if x(n.feat) > n.thr { n.right } else { n.left };
                    }
                    let leaf = usize::try_from(-(i + 1)).unwrap_or(usize::MAX);
                    if let (Some(a), Some(v)) = (acc.get_mut(t % g), tree.leaves.get(leaf)) {
                        *a += *v;
                    }
                }
            }
        }
    }

    /// One row on the node trees (handles NaN and short rows).
    fn reference_row(&self, row: ndarray::ArrayView1<'_, f64>, acc: &mut [f64]) {
        let row64: Vec<f64> = (0..self.n_features)
            .map(|j| row.get(j).copied().unwrap_or(f64::NAN))
            .collect();
        acc.copy_from_slice(&self.base);
        let g = acc.len().max(1);
        for (t, tree) in self.reference.iter().enumerate() {
            if let Some(v) = acc.get_mut(t % g) {
                *v += tree.predict(&row64);
            }
        }
    }
}

/// Writes one row as `f32` into slot `r` of every column; true when it holds a NaN.
#[inline]
fn copy_column_major(
    row: ndarray::ArrayView1<'_, f64>,
    cols: &mut [[f32; BLOCK]],
    r: usize,
) -> bool {
    let mut has_nan = false;
    let r = r & (BLOCK - 1);
    match row.as_slice() {
        Some(sl) => {
            for (c, v) in cols.iter_mut().zip(sl) {
                let v = *v as f32;
                has_nan |= v.is_nan();
                c[r] = v;
            }
        }
        None => {
            for (c, v) in cols.iter_mut().zip(row.iter()) {
                let v = *v as f32;
                has_nan |= v.is_nan();
                c[r] = v;
            }
        }
    }
    has_nan
}

/// Writes one row as `f32` into `dst`; true when it holds a NaN.
#[inline]
fn copy_row_major(row: ndarray::ArrayView1<'_, f64>, dst: &mut [f32]) -> bool {
    let mut has_nan = false;
    for (d, v) in dst.iter_mut().zip(row.iter()) {
        *d = *v as f32;
        has_nan |= d.is_nan();
    }
    has_nan
}

/// The levels of an oblivious tree (every node of a level internal with one shared split, or
/// every one a leaf) and its leaves in bit order; `None` for any other tree.
fn oblivious_levels(t: &Tree) -> Option<(Vec<Packed>, Vec<f64>)> {
    let mut level = vec![t.nodes.first()?];
    let mut splits = Vec::new();
    loop {
        let first = level.first()?;
        if first.is_leaf() {
            if level.iter().all(|n| n.is_leaf()) {
                return Some((splits, level.iter().map(|n| n.value).collect()));
            }
            return None;
        }
        let same = level.iter().all(|n| {
            !n.is_leaf()
                && n.feature == first.feature
                && n.threshold.to_bits() == first.threshold.to_bits()
        });
        if !same || splits.len() >= 16 {
            return None;
        }
        splits.push(Packed {
            thr: first.threshold,
            feat: first.feature,
        });
        let mut next = Vec::with_capacity(level.len() * 2);
        for n in level {
            next.push(t.nodes.get(n.left as usize)?);
            next.push(t.nodes.get(n.right as usize)?);
        }
        level = next;
    }
}

/// Scores a column-major block (`BLOCK` rows per column, `rows` of them real) on oblivious
/// trees.
fn oblivious_block(
    cols: &[f32],
    rows: usize,
    trees: &[(usize, usize, usize)],
    splits: &[Packed],
    leaves: &[f64],
    g: usize,
    acc: &mut [f64],
) {
    let (cols, _) = cols.as_chunks::<BLOCK>();
    let rows = rows.min(BLOCK);
    let leaves_of = |&(_, depth, l0): &(usize, usize, usize)| {
        leaves.get(l0..l0 + (1 << depth)).unwrap_or(&[0.0])
    };
    let mut t = 0;
    if g == 1 {
        // Two trees per pass over the accumulators: half the loads and stores of them, and
        // the same additions in the same order.
        while let (Some(ta), Some(tb)) = (trees.get(t), trees.get(t + 1)) {
            let ia = leaf_bits(cols, splits, ta);
            let ib = leaf_bits(cols, splits, tb);
            let (la, lb) = (leaves_of(ta), leaves_of(tb));
            let (ma, mb) = (la.len() - 1, lb.len() - 1);
            for ((a, i), j) in acc.iter_mut().zip(&ia[..rows]).zip(&ib[..rows]) {
                *a = (*a + la[*i as usize & ma]) + lb[*j as usize & mb];
            }
            t += 2;
        }
    }
    for (t, tree) in trees.iter().enumerate().skip(t) {
        let k = t % g;
        let idx = leaf_bits(cols, splits, tree);
        let tl = leaves_of(tree);
        let mask = tl.len() - 1;
        for (a, i) in acc.iter_mut().skip(k).step_by(g).zip(&idx[..rows]) {
            *a += tl[*i as usize & mask];
        }
    }
}

/// Each block row's comparison bits for one oblivious tree, root first: its leaf index.
#[inline]
fn leaf_bits(
    cols: &[[f32; BLOCK]],
    splits: &[Packed],
    &(s0, depth, _): &(usize, usize, usize),
) -> [u32; BLOCK] {
    let mut idx = [0u32; BLOCK];
    for p in splits.get(s0..s0 + depth).unwrap_or(&[]) {
        let Some(col) = cols.get(p.feat as usize) else {
            continue;
        };
        let thr = p.thr;
        for (i, x) in idx.iter_mut().zip(col) {
            *i = (*i << 1) | u32::from(*x > thr);
        }
    }
    idx
}

/// Writes the subtree at tree node `i` into heap slot `slot` at `level`.
fn fill_dense(
    t: &Tree,
    i: usize,
    slot: usize,
    level: usize,
    depth: usize,
    n: &mut [Packed; SLOTS],
    l: &mut [f64; SLOTS],
) {
    let Some(node) = t.nodes.get(i) else { return };
    if level == depth || node.is_leaf() {
        // Leaf slots below heap slot `slot`: a contiguous range at the bottom level.
        let below = depth - level;
        let first = ((slot + 1) << below) - 1 - ((1 << depth) - 1);
        for v in l.iter_mut().skip(first).take(1 << below) {
            *v = node.value;
        }
        return;
    }
    if let Some(p) = n.get_mut(slot) {
        *p = Packed {
            thr: node.threshold,
            feat: node.feature,
        };
    }
    fill_dense(t, node.left as usize, 2 * slot + 1, level + 1, depth, n, l);
    fill_dense(t, node.right as usize, 2 * slot + 2, level + 1, depth, n, l);
}

fn flatten(t: &Tree) -> FlatTree {
    let mut nodes = Vec::new();
    let mut leaves = Vec::new();
    // Map tree node → flat index (internal) or leaf index.
    let mut map = vec![0i32; t.nodes.len()];
    for (i, n) in t.nodes.iter().enumerate() {
        if n.is_leaf() {
            map[i] = -(leaves.len() as i32) - 1;
            leaves.push(n.value);
        } else {
            map[i] = nodes.len() as i32;
            nodes.push(FlatNode {
                thr: n.threshold,
                feat: n.feature,
                default_left: n.default_left,
                left: 0,
                right: 0,
            });
        }
    }
    for (i, n) in t.nodes.iter().enumerate() {
        if let Some(f) = usize::try_from(map[i]).ok().and_then(|k| nodes.get_mut(k)) {
            f.left = map.get(n.left as usize).copied().unwrap_or(-1);
            f.right = map.get(n.right as usize).copied().unwrap_or(-1);
        }
    }
    if nodes.is_empty() {
        // A lone leaf: one always-left node so every walk starts at an internal node.
        nodes.push(FlatNode {
            thr: f32::INFINITY,
            feat: 0,
            default_left: true,
            left: -1,
            right: -1,
        });
    }
    FlatTree { nodes, leaves }
}

/// Scores a block of NaN-free rows on dense trees.
fn dense_block(
    rows: &[f32],
    nf: usize,
    depth: usize,
    nodes: &[[Packed; SLOTS]],
    leaves: &[[f64; SLOTS]],
    g: usize,
    acc: &mut [f64],
) {
    let n_rows = rows.len() / nf.max(1);
    dense_walk(n_rows, depth, nodes, leaves, g, acc, |r, f| {
        rows.get(r * nf + f as usize).copied().unwrap_or(0.0)
    });
}

/// [`dense_block`] on rows stored [`WIDE`] floats apart (rows at most that wide): feature
/// and row indices are masked, so the walk has no bounds checks.
fn dense_block64(
    rows: &[[f32; WIDE]; BLOCK],
    n_rows: usize,
    depth: usize,
    nodes: &[[Packed; SLOTS]],
    leaves: &[[f64; SLOTS]],
    g: usize,
    acc: &mut [f64],
) {
    dense_walk(n_rows.min(BLOCK), depth, nodes, leaves, g, acc, |r, f| {
        rows[r & (BLOCK - 1)][f as usize & (WIDE - 1)]
    });
}

/// The dense walk of `n_rows` rows whose feature `f` of row `r` is `x(r, f)`: [`LANES`] rows
/// in lock-step per tree, the rest one at a time. Generic over `x` so that each caller's
/// indexing is inlined into the loop.
#[inline(always)]
fn dense_walk(
    n_rows: usize,
    depth: usize,
    nodes: &[[Packed; SLOTS]],
    leaves: &[[f64; SLOTS]],
    g: usize,
    acc: &mut [f64],
    x: impl Fn(usize, u32) -> f32,
) {
    let first_leaf = (1usize << depth) - 1;
    for (t, (tn, tl)) in nodes.iter().zip(leaves).enumerate() {
        let k = t % g;
        let mut r0 = 0;
        while r0 + LANES <= n_rows {
            let mut ix = [0usize; LANES];
            for _ in 0..depth {
                for (lane, i) in ix.iter_mut().enumerate() {
                    let p = tn[*i & (SLOTS - 1)];
                    *i = 2 * *i + 1 + usize::from(x(r0 + lane, p.feat) > p.thr);
                }
            }
            for (lane, i) in ix.iter().enumerate() {
                if let Some(a) = acc.get_mut((r0 + lane) * g + k) {
                    *a += tl[(i - first_leaf) & (SLOTS - 1)];
                }
            }
            r0 += LANES;
        }
        for r in r0..n_rows {
            let mut i = 0usize;
            for _ in 0..depth {
                let p = tn[i & (SLOTS - 1)];
                i = 2 * i + 1 + usize::from(x(r, p.feat) > p.thr);
            }
            if let Some(a) = acc.get_mut(r * g + k) {
                *a += tl[(i - first_leaf) & (SLOTS - 1)];
            }
        }
    }
}

/// Scores a block of NaN-free rows on flat trees.
fn flat_block(rows: &[f32], nf: usize, trees: &[FlatTree], g: usize, acc: &mut [f64]) {
    let n_rows = rows.len() / nf.max(1);
    for (t, tree) in trees.iter().enumerate() {
        let k = t % g;
        for r in 0..n_rows {
            let mut i: i32 = 0;
            while let Some(n) = usize::try_from(i).ok().and_then(|i| tree.nodes.get(i)) {
                let x = rows.get(r * nf + n.feat as usize).copied().unwrap_or(0.0);
                i = if x > n.thr { n.right } else { n.left };
            }
            let leaf = usize::try_from(-(i + 1)).unwrap_or(usize::MAX);
            if let (Some(a), Some(v)) = (acc.get_mut(r * g + k), tree.leaves.get(leaf)) {
                *a += *v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::CompiledGbdt;
    use crate::gbdt::tree::{Node, Tree};

    /// An unbalanced tree: root on `f0`, its right child on `f1`, leaves elsewhere.
    fn tree(f0: u32, f1: u32, t0: f32, t1: f32, v: [f64; 3]) -> Tree {
        let mut root = Node::leaf(0.0, 3.0);
        (root.feature, root.threshold, root.left, root.right) = (f0, t0, 1, 2);
        let mut right = Node::leaf(0.0, 2.0);
        (right.feature, right.threshold, right.left, right.right) = (f1, t1, 3, 4);
        Tree {
            nodes: vec![
                root,
                Node::leaf(v[0], 1.0),
                right,
                Node::leaf(v[1], 1.0),
                Node::leaf(v[2], 1.0),
            ],
        }
    }

    #[test]
    fn dense_walks_match_the_node_walk_on_narrow_and_wide_rows() {
        // 6 features take the masked 64-wide block; 70 the general one.
        for nf in [6usize, 70] {
            let trees: Vec<Tree> = (0..7u32)
                .map(|t| {
                    let f0 = (t * 11) % nf as u32;
                    let f1 = (t * 29 + 5) % nf as u32;
                    tree(f0, f1, 0.1 * t as f32 - 0.3, 0.5, [t as f64, -1.5, 0.25])
                })
                .collect();
            let c = CompiledGbdt::new(&trees, &[0.5], nf);
            assert_eq!(c.layout_name(), "dense");
            let x = Array2::from_shape_fn((203, nf), |(r, j)| {
                if (r + j) % 37 == 0 {
                    f64::NAN
                } else {
                    ((r * 7 + j * 13) % 23) as f64 / 11.0 - 1.0
                }
            });
            let got = c.predict_raw(x.view());
            for (r, row) in x.rows().into_iter().enumerate() {
                let row: Vec<f64> = row.to_vec();
                let want = trees.iter().fold(0.5, |a, t| a + t.predict(&row));
                assert_eq!(got[[r, 0]].to_bits(), want.to_bits(), "nf {nf} row {r}");
                // The single-row walk (eight trees in lock-step when rows are narrow).
                let one = c.predict_raw(x.slice(ndarray::s![r..r + 1, ..]));
                assert_eq!(
                    one[[0, 0]].to_bits(),
                    want.to_bits(),
                    "nf {nf} row {r} alone"
                );
            }
        }
    }
}

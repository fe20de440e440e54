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
//! Deeper trees fall back to a flat node array with explicit children. Rows holding NaN take
//! the node walk (the padding trick needs NaN-free rows). Every path sums the same leaf values
//! in the same tree order, so all agree with the reference walk bit for bit.

use ndarray::{Array2, ArrayView2};

use super::tree::Tree;

/// Deepest tree the dense layout takes.
pub const DENSE_DEPTH: usize = 8;
const SLOTS: usize = 1 << DENSE_DEPTH;
/// Rows walked in lock-step.
const LANES: usize = 8;
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
    /// Complete trees of depth `depth`, `SLOTS` nodes and leaves per tree.
    Dense {
        depth: usize,
        nodes: Vec<[Packed; SLOTS]>,
        leaves: Vec<[f64; SLOTS]>,
    },
    /// Explicit children.
    Flat(Vec<FlatTree>),
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
        let layout = if depth <= DENSE_DEPTH {
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
            Layout::Dense {
                depth,
                nodes,
                leaves,
            }
        } else {
            Layout::Flat(trees.iter().map(flatten).collect())
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

    /// True when the dense complete-tree layout is in use.
    pub fn is_dense(&self) -> bool {
        matches!(self.layout, Layout::Dense { .. })
    }

    /// Raw scores, one row per input row, [`Self::groups`] columns. The caller checks the
    /// width; a narrower row reads missing values.
    pub fn predict_raw(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let g = self.groups();
        let mut out = vec![0.0; x.nrows() * g];
        self.predict_raw_into(x, &mut out);
        Array2::from_shape_vec((x.nrows(), g), out).unwrap_or_else(|_| Array2::zeros((0, g)))
    }

    /// Raw scores into `out` (`rows × groups`, row-major).
    pub fn predict_raw_into(&self, x: ArrayView2<'_, f64>, out: &mut [f64]) {
        let g = self.groups();
        let nf = self.n_features;
        let mut buf = vec![0f32; BLOCK * nf.max(1)];
        let mut nan = [false; BLOCK];
        let mut row64 = Vec::with_capacity(nf);
        let n = x.nrows();
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let rows = end - start;
            // Copy the block to f32 (the model compares in f32) and flag rows with NaN.
            for r in 0..rows {
                let mut has_nan = false;
                let dst = &mut buf[r * nf..(r + 1) * nf];
                for (j, d) in dst.iter_mut().enumerate() {
                    let v = x.get([start + r, j]).copied().unwrap_or(f64::NAN) as f32;
                    has_nan |= v.is_nan();
                    *d = v;
                }
                nan[r] = has_nan;
            }
            let acc = &mut out[start * g..end * g];
            for (a, b) in acc.chunks_exact_mut(g).zip(std::iter::repeat(&self.base)) {
                a.copy_from_slice(b);
            }
            match &self.layout {
                Layout::Dense {
                    depth,
                    nodes,
                    leaves,
                } => dense_block(&buf[..rows * nf], nf, *depth, nodes, leaves, g, acc),
                Layout::Flat(trees) => flat_block(&buf[..rows * nf], nf, trees, g, acc),
            }
            // Rows with NaN: redo them on the node trees.
            for r in (0..rows).filter(|&r| nan[r]) {
                row64.clear();
                row64.extend((0..nf).map(|j| x.get([start + r, j]).copied().unwrap_or(f64::NAN)));
                let a = &mut acc[r * g..(r + 1) * g];
                a.copy_from_slice(&self.base);
                for (t, tree) in self.reference.iter().enumerate() {
                    if let Some(v) = a.get_mut(t % g) {
                        *v += tree.predict(&row64);
                    }
                }
            }
            start = end;
        }
    }
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
    let first_leaf = (1usize << depth) - 1;
    for (t, (tn, tl)) in nodes.iter().zip(leaves).enumerate() {
        let k = t % g;
        let mut r0 = 0;
        while r0 + LANES <= n_rows {
            let mut ix = [0usize; LANES];
            for _ in 0..depth {
                for (lane, i) in ix.iter_mut().enumerate() {
                    let p = tn[*i & (SLOTS - 1)];
                    let x = rows
                        .get((r0 + lane) * nf + p.feat as usize)
                        .copied()
                        .unwrap_or(0.0);
                    *i = 2 * *i + 1 + usize::from(x > p.thr);
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
                let x = rows.get(r * nf + p.feat as usize).copied().unwrap_or(0.0);
                i = 2 * i + 1 + usize::from(x > p.thr);
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

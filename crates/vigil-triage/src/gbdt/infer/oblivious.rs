//! Symmetric (oblivious) trees scored on coded blocks.
//!
//! A symmetric tree of depth `D` asks the same question of every node of a level, so a row's
//! leaf is the `D` answers read as a binary number, root first. On a coded block each level
//! is one byte comparison per row: sixteen rows per SSE2 compare, the leaf index held in a
//! register across the levels. Leaf values are then gathered for a group of trees at once,
//! so the group's leaf tables (2 KiB each) stay in L1 while every row of the block reads
//! them, and each row's sum is read and written once per group. Sums run in tree order in
//! `f64`, as the node walk adds them, so scores agree bit for bit.

use super::cuts::{Column, Cuts};
use super::{BLOCK, STEP, SUB};

/// Deepest symmetric tree this layout takes (its leaf index fits a byte).
pub(crate) const MAX_DEPTH: usize = 8;
const LEAVES: usize = 1 << MAX_DEPTH;
/// Trees whose leaves are gathered in one pass over the block: 8 × 2 KiB of leaf tables.
const GROUP: usize = 8;

/// Read for features a model cannot have (never reached: construction checks the width).
static NO_COLUMN: Column = [0; BLOCK];

/// One symmetric tree: its depth and, per level root first, the feature and biased code of
/// its split.
#[derive(Debug, Clone, PartialEq)]
struct Levels {
    depth: usize,
    splits: [(u32, i8); MAX_DEPTH],
}

/// Symmetric trees of depth ≤ [`MAX_DEPTH`] over quantised features (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QuantOblivious {
    cuts: Cuts,
    trees: Vec<Levels>,
    /// Per tree, its `2^depth` leaf values in bit order (the rest zero, never read).
    leaves: Vec<[f64; LEAVES]>,
}

/// Buffers of one scoring call, reused across its blocks.
#[derive(Debug)]
pub(crate) struct Scratch {
    f32s: Vec<[f32; SUB]>,
    cols: Vec<Column>,
    nan: [bool; BLOCK],
    idx: Vec<[u8; BLOCK]>,
    acc: Vec<f64>,
}

impl QuantOblivious {
    /// The layout of trees given as (levels `(feature, threshold)` root first, leaves in bit
    /// order); `None` when a tree is deeper than [`MAX_DEPTH`], its leaf count is not
    /// `2^depth`, or a split is not among `cuts`.
    pub(crate) fn new<'a>(
        trees: impl IntoIterator<Item = (&'a [(u32, f32)], &'a [f64])>,
        cuts: Cuts,
    ) -> Option<Self> {
        let (mut levels, mut leaves) = (Vec::new(), Vec::new());
        for (splits, values) in trees {
            if splits.len() > MAX_DEPTH || values.len() != 1 << splits.len() {
                return None;
            }
            let mut l = Levels {
                depth: splits.len(),
                splits: [(0, 0); MAX_DEPTH],
            };
            for (d, &(f, thr)) in l.splits.iter_mut().zip(splits) {
                if f as usize >= cuts.n_features() {
                    return None;
                }
                *d = (f, cuts.split_code(f, thr)?);
            }
            let mut v = [0.0; LEAVES];
            v.iter_mut().zip(values).for_each(|(d, s)| *d = *s);
            levels.push(l);
            leaves.push(v);
        }
        Some(Self {
            cuts,
            trees: levels,
            leaves,
        })
    }

    /// Buffers for scoring with `groups` trees per round.
    pub(crate) fn scratch(&self, groups: usize) -> Scratch {
        Scratch {
            f32s: vec![[0.0; SUB]; self.cuts.n_features()],
            cols: vec![[0; BLOCK]; self.cuts.n_features()],
            nan: [false; BLOCK],
            idx: vec![[0; BLOCK]; GROUP],
            acc: vec![0.0; BLOCK * groups.max(1)],
        }
    }

    /// Raw scores of rows `start..start + rows` (`rows ≤ BLOCK`) of `x` (as wide as the
    /// model) into `out` (`rows × base.len()`, row-major), starting from `base`; returns the
    /// flags of rows holding NaN in a used feature, whose scores the caller must redo on the
    /// node trees.
    // Out of line, with `Cuts::code_block`, as the compiler had placed them: once the general
    // trees' stage walk grew the caller, they were inlined and the symmetric-tree batch
    // measured 5–7% slower.
    #[inline(never)]
    pub(crate) fn score_block<'s>(
        &self,
        x: ndarray::ArrayView2<'_, f64>,
        start: usize,
        rows: usize,
        base: &[f64],
        s: &'s mut Scratch,
        out: &mut [f64],
    ) -> &'s [bool; BLOCK] {
        let rows = rows.min(BLOCK);
        self.cuts
            .code_block(x, start, rows, &mut s.f32s, &mut s.cols, &mut s.nan);
        let g = base.len().max(1);
        if g == 1 {
            let Some(acc) = s.acc.first_chunk_mut::<BLOCK>() else {
                return &s.nan;
            };
            acc.fill(base.first().copied().unwrap_or(0.0));
            let mut trees = self.trees.chunks_exact(GROUP);
            let mut leaves = self.leaves.chunks_exact(GROUP);
            for (group, lv) in trees.by_ref().zip(leaves.by_ref()) {
                for (t, idx) in group.iter().zip(&mut s.idx) {
                    leaf_indices(t, &s.cols, idx);
                }
                gather::<GROUP>(&s.idx, lv, acc);
            }
            for (t, lv) in trees.remainder().iter().zip(leaves.remainder()) {
                if let Some(idx) = s.idx.first_mut() {
                    leaf_indices(t, &s.cols, idx);
                }
                gather::<1>(&s.idx, std::slice::from_ref(lv), acc);
            }
            out.iter_mut().zip(&acc[..rows]).for_each(|(d, a)| *d = *a);
        } else {
            // Softmax: tree t adds to group t % g, one tree at a time.
            let Some(acc) = s.acc.get_mut(..rows * g) else {
                return &s.nan;
            };
            for a in acc.chunks_exact_mut(g) {
                a.copy_from_slice(base);
            }
            for (t, (tree, lv)) in self.trees.iter().zip(&self.leaves).enumerate() {
                let Some(idx) = s.idx.first_mut() else { break };
                leaf_indices(tree, &s.cols, idx);
                for (a, i) in acc.iter_mut().skip(t % g).step_by(g).zip(idx.iter()) {
                    *a += lv[usize::from(*i)];
                }
            }
            out.iter_mut().zip(acc.iter()).for_each(|(d, a)| *d = *a);
        }
        &s.nan
    }
}

/// Every block row's leaf index in tree `t`.
#[inline]
fn leaf_indices(t: &Levels, cols: &[Column], out: &mut [u8; BLOCK]) {
    match t.depth {
        0 => out.fill(0),
        1 => leaf_indices_d::<1>(&t.splits, cols, out),
        2 => leaf_indices_d::<2>(&t.splits, cols, out),
        3 => leaf_indices_d::<3>(&t.splits, cols, out),
        4 => leaf_indices_d::<4>(&t.splits, cols, out),
        5 => leaf_indices_d::<5>(&t.splits, cols, out),
        6 => leaf_indices_d::<6>(&t.splits, cols, out),
        7 => leaf_indices_d::<7>(&t.splits, cols, out),
        _ => leaf_indices_d::<8>(&t.splits, cols, out),
    }
}

/// [`leaf_indices`] for depth `D`: per 16 rows, the index stays in one register while each
/// level shifts it and ORs in a byte comparison.
#[inline]
fn leaf_indices_d<const D: usize>(
    splits: &[(u32, i8); MAX_DEPTH],
    cols: &[Column],
    out: &mut [u8; BLOCK],
) {
    let mut col: [&Column; D] = [&NO_COLUMN; D];
    let mut thr = [0i8; D];
    for ((c, t), &(f, code)) in col.iter_mut().zip(&mut thr).zip(splits) {
        *c = cols.get(f as usize).unwrap_or(&NO_COLUMN);
        *t = code;
    }
    let (out, _) = out.as_chunks_mut::<STEP>();
    for (ci, o) in out.iter_mut().enumerate() {
        let lo = ci * STEP;
        let mut idx = [0u8; STEP];
        for (c, &t) in col.iter().zip(&thr) {
            let Some(xs) = c.get(lo..lo + STEP) else {
                continue;
            };
            for (i, x) in idx.iter_mut().zip(xs) {
                *i = (*i << 1) | u8::from(*x > t);
            }
        }
        *o = idx;
    }
}

/// Adds `K` trees' leaves to every block row, in tree order.
#[inline]
fn gather<const K: usize>(idx: &[[u8; BLOCK]], leaves: &[[f64; LEAVES]], acc: &mut [f64; BLOCK]) {
    let (Some(idx), Some(leaves)) = (idx.first_chunk::<K>(), leaves.first_chunk::<K>()) else {
        return;
    };
    for (r, a) in acc.iter_mut().enumerate() {
        let mut v = *a;
        for (l, i) in leaves.iter().zip(idx) {
            v += l[usize::from(i[r & (BLOCK - 1)])];
        }
        *a = v;
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use proptest::prelude::*;

    use crate::gbdt::compiled::CompiledGbdt;
    use crate::gbdt::infer::cuts::Cuts;
    use crate::gbdt::infer::testkit::{GRID, inputs, scores_like_the_node_walk};
    use crate::gbdt::tree::{Node, Tree};

    /// A symmetric tree: level `l` splits on `levels[l]` everywhere; leaves in bit order.
    fn symmetric(levels: &[(u32, f32, bool)], leaves: &[f64]) -> Tree {
        let mut nodes = Vec::new();
        let mut frontier = vec![0usize];
        nodes.push(Node::leaf(0.0, 1.0));
        for &(feature, threshold, default_left) in levels {
            let mut next = Vec::new();
            for &i in &frontier {
                let (l, r) = (nodes.len(), nodes.len() + 1);
                nodes.push(Node::leaf(0.0, 1.0));
                nodes.push(Node::leaf(0.0, 1.0));
                let n = &mut nodes[i];
                (n.feature, n.threshold, n.default_left) = (feature, threshold, default_left);
                (n.left, n.right) = (l as u32, r as u32);
                next.extend([l, r]);
            }
            frontier = next;
        }
        for (&i, &v) in frontier.iter().zip(leaves) {
            nodes[i].value = v;
        }
        Tree { nodes }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The quantised batch path scores like the node walk, bit for bit: thresholds
        /// shared by several trees, values on thresholds, NaN, partial blocks.
        #[test]
        fn quantised_symmetric_trees_score_like_the_node_walk(
            nf in 1usize..10,
            depths in proptest::collection::vec(0usize..=8, 1..20),
            splits in proptest::collection::vec((0u32..6, 0usize..9, any::<bool>()), 8),
            leaf_seed in any::<u64>(),
            rows in 8usize..600,
            cells in proptest::collection::vec(any::<u8>(), 64),
            groups in 1usize..4,
            column_major in any::<bool>(),
        ) {
            let mut rng = vigil_core::SplitMix64::new(leaf_seed);
            let trees: Vec<Tree> = depths
                .iter()
                .enumerate()
                .map(|(t, &d)| {
                    let levels: Vec<(u32, f32, bool)> = (0..d)
                        .map(|l| {
                            let (f, g, dl) = splits[(l + t) % splits.len()];
                            (f % nf as u32, GRID[g], dl)
                        })
                        .collect();
                    let leaves: Vec<f64> = (0..1usize << d).map(|_| rng.normal()).collect();
                    symmetric(&levels, &leaves)
                })
                .collect();
            let base: Vec<f64> = (0..groups).map(|k| 0.25 * k as f64 - 0.1).collect();
            let c = CompiledGbdt::new(&trees, &base, nf);
            prop_assert!(c.is_quantised());
            prop_assert!(c.has_single_layout());
            // Row-major input takes the 4×4 conversion, column-major the row-by-row one; a
            // few rows also alone (the single-row layout, four trees at a time).
            let x = inputs(&cells, rows, nf, column_major);
            scores_like_the_node_walk(&c, &trees, &base, &x, 97)?;
        }
    }

    #[test]
    fn codes_order_like_the_float_comparisons() {
        // Codes: how many cuts a value exceeds; split j goes right exactly when code > j.
        let cuts = [-1.5f32, -0.0, 0.25, 3.0];
        for x in [
            -2.0f32,
            -1.5,
            -1.0,
            0.0,
            0.1,
            0.25,
            0.3,
            3.0,
            9.0,
            f32::INFINITY,
        ] {
            let code = cuts.iter().filter(|&&c| x > c).count();
            for (j, &c) in cuts.iter().enumerate() {
                let biased = ((code as u8) ^ 0x80) as i8;
                let split = ((j as u8) ^ 0x80) as i8;
                assert_eq!(x > c, biased > split, "x {x} cut {c}");
            }
        }
    }

    #[test]
    fn too_many_thresholds_fall_back_to_the_float_layout() {
        // 300 distinct thresholds on one feature: codes would not fit a byte.
        let trees: Vec<Tree> = (0..300)
            .map(|i| symmetric(&[(0, i as f32 * 0.01, true)], &[-1.0, 1.0]))
            .collect();
        assert!(Cuts::new(&trees, 1).is_none());
        let c = CompiledGbdt::new(&trees, &[0.0], 1);
        assert!(!c.is_quantised());
        assert!(c.has_single_layout());
        assert_eq!(c.layout_name(), "oblivious");
        let x = Array2::from_shape_fn((100, 1), |(r, _)| r as f64 * 0.03 - 0.2);
        let got = c.predict_raw(x.view());
        for (r, row) in x.rows().into_iter().enumerate() {
            let want: f64 = trees.iter().map(|t| t.predict(&[row[0]])).sum();
            assert_eq!(got[[r, 0]].to_bits(), want.to_bits());
        }
        // -0.0 and 0.0 are one cut.
        let two = [
            symmetric(&[(0, -0.0, true)], &[1.0, 2.0]),
            symmetric(&[(0, 0.0, true)], &[1.0, 2.0]),
        ];
        assert_eq!(Cuts::new(&two, 1).map(|c| c.len()), Some(1));
    }
}

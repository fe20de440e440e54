//! QuickScorer (Lucchese et al., SIGIR 2015) for small general trees: a block of rows scored
//! without a single data-dependent branch.
//!
//! A tree's leaves are numbered left to right (at most [`MAX_LEAVES`], one bit each). A
//! row's exit leaf is the leftmost leaf left standing once every node the row leaves to the
//! right (`x > t`) has struck out the leaves of its left subtree: the exit leaf lies in no
//! struck subtree (a node off its path is not its ancestor, a node on it that goes right has
//! it on the right), and any leaf left of it lies in the left subtree of the node where the
//! two paths part, which sent the row right. So per tree, each node is one comparison and one
//! AND of its mask over a column of the block's rows, then each row's lowest set bit picks
//! its leaf.
//!
//! Where the CPU has AVX-512 (detected at run time; `pulp` holds the `unsafe` of calling the
//! `#[target_feature]` code), a block of 64 rows has its live-leaf masks in four 16-lane
//! vectors: a node is one compare and one masked AND per 16 rows, the lowest set bits
//! come from `lzcnt`, the leaves from permutes of the tree's 32 padded leaf values, and
//! they are added eight rows per vector to the block's per-group sums (each row's sum still
//! in tree order). Elsewhere, or for more than four groups, a portable loop the compiler
//! vectorises does the same.
//!
//! The comparisons are the node walk's `x as f32 > t` and each row's leaves are added in tree
//! order in `f64`, so scores are bit-identical to the walk. Rows holding NaN are the caller's
//! (the node walk knows the learned default directions); they come out wrong here.

use super::super::tree::Tree;

/// Most leaves per tree (one bit each of a `u32` mask).
pub(crate) const MAX_LEAVES: usize = 32;

/// One internal node: when `x[feat] > thr`, the leaves outside `mask` are out.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    thr: f32,
    feat: u32,
    mask: u32,
}

/// Trees of at most [`MAX_LEAVES`] leaves as QuickScorer masks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QuickTrees {
    /// Per tree: first node, node count, first leaf.
    trees: Vec<(usize, usize, usize)>,
    nodes: Vec<Node>,
    /// Every tree's leaves, left to right.
    leaves: Vec<f64>,
    /// The same per tree, padded to [`MAX_LEAVES`] (four vectors for the AVX-512 lookup).
    padded: Vec<[f64; MAX_LEAVES]>,
}

impl QuickTrees {
    /// The layout of `trees`; `None` when one has more than [`MAX_LEAVES`] leaves, is
    /// malformed, or splits on a feature at or beyond `n_features`.
    pub(crate) fn new(trees: &[Tree], n_features: usize) -> Option<Self> {
        let mut q = Self {
            trees: Vec::with_capacity(trees.len()),
            nodes: Vec::new(),
            leaves: Vec::new(),
            padded: Vec::with_capacity(trees.len()),
        };
        for t in trees {
            if t.nodes.iter().filter(|n| n.is_leaf()).count() > MAX_LEAVES {
                return None;
            }
            let (n0, l0) = (q.nodes.len(), q.leaves.len());
            q.visit(t, 0, l0, n_features, 0)?;
            if q.leaves.len() == l0 {
                return None;
            }
            q.trees.push((n0, q.nodes.len() - n0, l0));
            let mut p = [0.0; MAX_LEAVES];
            p.iter_mut()
                .zip(q.leaves.get(l0..).unwrap_or(&[]))
                .for_each(|(d, v)| *d = *v);
            q.padded.push(p);
        }
        Some(q)
    }

    /// Appends the subtree at node `i` in order (left subtree, node, right subtree); `l0` is
    /// the tree's first leaf.
    fn visit(&mut self, t: &Tree, i: usize, l0: usize, nf: usize, depth: usize) -> Option<()> {
        let n = t.nodes.get(i)?;
        if n.is_leaf() {
            self.leaves.push(n.value);
            return Some(());
        }
        // A tree of at most MAX_LEAVES leaves is at most that deep; deeper means a cycle.
        if depth >= MAX_LEAVES || n.feature as usize >= nf {
            return None;
        }
        let lo = self.leaves.len() - l0;
        self.visit(t, n.left as usize, l0, nf, depth + 1)?;
        let hi = self.leaves.len() - l0;
        let left = ((1u64 << hi) - (1u64 << lo)) as u32;
        self.nodes.push(Node {
            thr: n.threshold,
            feat: n.feature,
            mask: !left,
        });
        self.visit(t, n.right as usize, l0, nf, depth + 1)
    }

    /// Adds every tree's leaf to `acc` (`rows × g`, tree `t` to column `t % g`), in tree
    /// order, for the first `rows` rows of the column-major block `cols` (column `f` holds
    /// feature `f` of each row).
    pub(crate) fn score_block<const B: usize>(
        &self,
        cols: &[[f32; B]],
        rows: usize,
        g: usize,
        acc: &mut [f64],
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = pulp::x86::V4::try_new() {
            v4.vectorize(Block {
                v4,
                q: self,
                cols,
                rows,
                g,
                acc,
            });
            return;
        }
        block(self, cols, rows, g, acc);
    }
}

/// [`block`] as a `pulp` task, compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
struct Block<'a, const B: usize> {
    v4: pulp::x86::V4,
    q: &'a QuickTrees,
    cols: &'a [[f32; B]],
    rows: usize,
    g: usize,
    acc: &'a mut [f64],
}

#[cfg(target_arch = "x86_64")]
impl<const B: usize> pulp::NullaryFnOnce for Block<'_, B> {
    type Output = ();
    #[inline(always)]
    fn call(self) {
        use core::arch::x86_64::{__m512, __m512d, _CMP_GT_OQ};
        use pulp::bytemuck::cast;

        let Block {
            v4,
            q,
            cols,
            rows,
            g,
            acc,
        } = self;
        // The explicit kernel takes blocks of 64 rows and up to four groups; anything else
        // the portable one (compiled for AVX-512 all the same).
        let Some(cols64) = cols_of::<B>(cols) else {
            return block(q, cols, rows, g, acc);
        };
        if g > GROUPS || g == 0 {
            return block(q, cols, rows, g, acc);
        }
        let (f, cd) = (v4.avx512f, v4.avx512cd);
        let rows = rows.min(ROWS);
        // Per group, the block's running sums, row after row (the rows' `acc` values to
        // start with), so that sixteen rows' leaves are one vector addition.
        let mut sums = [[0f64; ROWS]; GROUPS];
        for (r, a) in acc.chunks_exact(g).take(rows).enumerate() {
            for (s, v) in sums.iter_mut().zip(a) {
                s[r] = *v;
            }
        }
        let zero = [0f32; ROWS];
        let ones = f._mm512_set1_epi32(-1);
        let (l31, idx16) = (f._mm512_set1_epi32(31), f._mm512_set1_epi64(16));
        for (t, (&(n0, len, _), padded)) in q.trees.iter().zip(&q.padded).enumerate() {
            // Each node: one compare and one masked AND per 16 rows, the live leaves of
            // the block's rows in four vectors (LLVM keeps them on the stack, L1: holding
            // them in registers measured no faster).
            let mut live = [ones; ROWS / 16];
            for n in q.nodes.get(n0..n0 + len).unwrap_or(&[]) {
                let col = cols64.get(n.feat as usize).unwrap_or(&zero);
                let (thr, mask) = (f._mm512_set1_ps(n.thr), f._mm512_set1_epi32(n.mask as i32));
                for (l, x) in live.iter_mut().zip(col.as_chunks::<16>().0) {
                    let gt = f._mm512_cmp_ps_mask::<_CMP_GT_OQ>(cast::<_, __m512>(*x), thr);
                    *l = f._mm512_mask_and_epi32(*l, gt, *l, mask);
                }
            }
            let (lv, _) = padded.as_chunks::<8>();
            let lv: [__m512d; 4] = core::array::from_fn(|i| cast(lv[i]));
            let Some(sums) = sums.get_mut(t % g) else {
                continue;
            };
            let (sums, _) = sums.as_chunks_mut::<8>();
            for (l, s) in live.iter().zip(sums.as_chunks_mut::<2>().0) {
                // The lowest set bit's index: 31 − lzcnt(l & −l).
                let low = f._mm512_and_si512(*l, f._mm512_sub_epi32(f._mm512_setzero_si512(), *l));
                let tz = f._mm512_sub_epi32(l31, cd._mm512_lzcnt_epi32(low));
                let halves = [
                    f._mm512_castsi512_si256(tz),
                    f._mm512_extracti64x4_epi64::<1>(tz),
                ];
                for (h, s) in halves.into_iter().zip(s) {
                    let i = f._mm512_cvtepu32_epi64(h);
                    let lo = f._mm512_permutex2var_pd(lv[0], i, lv[1]);
                    let hi = f._mm512_permutex2var_pd(lv[2], i, lv[3]);
                    let v = f._mm512_mask_blend_pd(f._mm512_test_epi64_mask(i, idx16), lo, hi);
                    *s = cast(f._mm512_add_pd(cast(*s), v));
                }
            }
        }
        for (r, a) in acc.chunks_exact_mut(g).take(rows).enumerate() {
            for (v, s) in a.iter_mut().zip(&sums) {
                *v = s[r];
            }
        }
    }
}

/// Rows per block of the explicit AVX-512 kernel.
#[cfg(target_arch = "x86_64")]
const ROWS: usize = 64;
/// Most groups (trees per round) it takes.
#[cfg(target_arch = "x86_64")]
const GROUPS: usize = 4;

/// `cols` as columns of [`ROWS`] rows, when that is their length.
#[cfg(target_arch = "x86_64")]
fn cols_of<const B: usize>(cols: &[[f32; B]]) -> Option<&[[f32; ROWS]]> {
    let flat = cols.as_flattened();
    let (c, rest) = flat.as_chunks::<ROWS>();
    (B == ROWS && rest.is_empty()).then_some(c)
}

/// The kernel (see the module docs); inlined into each caller so that it is compiled for
/// that caller's target features.
#[inline(always)]
fn block<const B: usize>(
    q: &QuickTrees,
    cols: &[[f32; B]],
    rows: usize,
    g: usize,
    acc: &mut [f64],
) {
    let zero = [0f32; B];
    let g = g.max(1);
    let rows = rows.min(B);
    for (t, &(n0, len, l0)) in q.trees.iter().enumerate() {
        let mut live = [u32::MAX; B];
        for n in q.nodes.get(n0..n0 + len).unwrap_or(&[]) {
            let col = cols.get(n.feat as usize).unwrap_or(&zero);
            let (thr, mask) = (n.thr, n.mask);
            for (m, x) in live.iter_mut().zip(col) {
                // All ones when the row goes left (nothing struck), else the node's mask.
                *m &= mask | u32::from(*x > thr).wrapping_sub(1);
            }
        }
        let leaves = q.leaves.get(l0..).unwrap_or(&[]);
        for (a, m) in acc.iter_mut().skip(t % g).step_by(g).zip(&live[..rows]) {
            if let Some(v) = leaves.get(m.trailing_zeros() as usize) {
                *a += *v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use vigil_core::SplitMix64;

    use super::{MAX_LEAVES, QuickTrees, block};
    use crate::gbdt::compiled::CompiledGbdt;
    use crate::gbdt::infer::testkit::{GRID, inputs, scores_like_the_node_walk};
    use crate::gbdt::tree::{Node, Tree};

    /// A leaf-wise-like tree of `leaves` leaves: each split takes the newest leaf most of the
    /// time (long unbalanced chains, deeper than the dense layout takes), else any leaf.
    fn random_tree(rng: &mut SplitMix64, nf: usize, leaves: usize) -> Tree {
        let mut nodes = vec![Node::leaf(rng.normal(), 1.0)];
        let mut open = vec![0usize];
        while open.len() < leaves {
            let k = if rng.below(4) == 0 {
                rng.below(open.len() as u64) as usize
            } else {
                open.len() - 1 - rng.below(2.min(open.len() as u64)) as usize
            };
            let at = open.swap_remove(k);
            let (l, r) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::leaf(rng.normal(), 1.0));
            nodes.push(Node::leaf(rng.normal(), 1.0));
            let n = &mut nodes[at];
            n.feature = rng.below(nf as u64) as u32;
            n.threshold = GRID[rng.below(GRID.len() as u64) as usize];
            n.default_left = rng.below(2) == 0;
            (n.left, n.right) = (l as u32, r as u32);
            // Keep the newest leaf last, on either side.
            if rng.below(2) == 0 {
                open.extend([l, r]);
            } else {
                open.extend([r, l]);
            }
        }
        Tree { nodes }
    }

    /// A chain of `depth` splits, each on the next feature: deeper than the dense layout.
    fn chain(nf: usize, depth: usize) -> Tree {
        let mut nodes = Vec::new();
        for d in 0..depth {
            let mut n = Node::leaf(0.0, 1.0);
            n.feature = (d % nf) as u32;
            n.threshold = GRID[d % GRID.len()];
            // Alternate the side that goes on down.
            let (next, leaf) = (2 * d as u32 + 2, 2 * d as u32 + 1);
            (n.left, n.right) = if d % 2 == 0 {
                (leaf, next)
            } else {
                (next, leaf)
            };
            nodes.push(n);
            nodes.push(Node::leaf(d as f64 - 3.5, 1.0));
        }
        nodes.push(Node::leaf(7.25, 1.0));
        Tree { nodes }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Deep unbalanced trees (the flat layout) score like the node walk, bit for bit, in
        /// batches and one row at a time, through the QuickScorer kernel (AVX-512 where the
        /// CPU has it) and the flat walk alike, with NaN, ±0, ±∞ and values on thresholds,
        /// on rows narrower and wider than 64 features; trees with more leaves than a mask
        /// holds leave the model on the flat walk.
        #[test]
        fn deep_trees_score_like_the_node_walk(
            nf in 1usize..100,
            n_trees in 1usize..60,
            max_leaves in 1usize..=MAX_LEAVES + 1,
            seed in any::<u64>(),
            rows in 1usize..300,
            cells in proptest::collection::vec(any::<u8>(), 64),
            groups in 1usize..7,
            column_major in any::<bool>(),
        ) {
            let mut rng = SplitMix64::new(seed);
            let mut trees: Vec<Tree> = (0..n_trees)
                .map(|_| {
                    let leaves = 1 + rng.below(max_leaves as u64) as usize;
                    random_tree(&mut rng, nf, leaves)
                })
                .collect();
            trees.insert(rng.below(n_trees as u64) as usize, chain(nf, 9));
            let base: Vec<f64> = (0..groups).map(|k| 0.25 * k as f64 - 0.1).collect();
            let c = CompiledGbdt::new(&trees, &base, nf);
            prop_assert_eq!(c.layout_name(), "flat");
            let most = trees
                .iter()
                .map(|t| t.nodes.iter().filter(|n| n.is_leaf()).count())
                .max();
            prop_assert_eq!(c.is_quick(), most <= Some(MAX_LEAVES));
            let x = inputs(&cells, rows, nf, column_major);
            for c in [c.clone(), c.without_quick()] {
                scores_like_the_node_walk(&c, &trees, &base, &x, 17)?;
            }
        }

        /// The portable kernel (what runs without AVX-512) agrees with the dispatched one.
        #[test]
        fn the_portable_kernel_matches_the_dispatched_one(
            nf in 1usize..100,
            seed in any::<u64>(),
            rows in 0usize..=64,
            groups in 1usize..7,
        ) {
            let mut rng = SplitMix64::new(seed);
            let trees: Vec<Tree> = (0..40)
                .map(|_| {
                    let leaves = 1 + rng.below(MAX_LEAVES as u64) as usize;
                    random_tree(&mut rng, nf, leaves)
                })
                .collect();
            let q = QuickTrees::new(&trees, nf).unwrap();
            let cols: Vec<[f32; 64]> = (0..nf)
                .map(|_| std::array::from_fn(|_| GRID[rng.below(GRID.len() as u64) as usize]))
                .collect();
            let mut a = vec![0.5; rows * groups];
            let mut b = a.clone();
            q.score_block(&cols, rows, groups, &mut a);
            block(&q, &cols, rows, groups, &mut b);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&a), bits(&b));
        }
    }
}

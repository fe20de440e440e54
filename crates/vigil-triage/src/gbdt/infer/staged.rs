//! General (leaf-wise) trees of depth ≤ 8 walked with AVX-512 permutes, when the CPU has them.
//!
//! A row of at most 32 features sits in two 16-float registers, so one permute picks the
//! row's values for 16 tree nodes at once (each lane names its node's feature) and one
//! compare against 16 thresholds gives 16 nodes' directions as a mask (rows of up to 64
//! features: four registers, two permutes and a blend). A tree, padded to a
//! complete tree of 4 or 8 levels, is cut into stages of 4 levels (15 nodes): its top stage,
//! then the stage under the node the row reached there. Per block of rows and group of 16
//! trees, each step a pass over the block:
//!
//! 1. top stages: one permute and compare per tree, the 16 masks stored;
//! 2. the masks read back, one vector for the 16 trees, and every lane follows its path,
//!    `i = 2i + bit(i)` per level, all 16 trees at once (reading just-stored masks in the
//!    same pass would wait on the stores);
//! 3. and 4. the same for the second stages (each tree's stage picked by its top exit);
//! 5. the leaves added, each row's in tree order.
//!
//! Passes over the whole block keep the work in flight independent (one tree's stages and
//! leaf are one long dependency chain), and each pass's tables fit L1; a single row runs
//! each pass over eight groups instead. Eight dependent node loads per tree and row become
//! two permutes and two compares. The rows' conversion to `f32` is compiled for AVX-512 too.
//!
//! The trees are the dense layout's complete trees (shallower leaves padded with `+∞`
//! thresholds, which no NaN-free value exceeds), the comparisons the very `x as f32 > t` of
//! the node walk, and the leaves are added in tree order in `f64`: scores are bit-identical.
//! Rows with NaN are left to the caller (the node walk knows the learned default directions).
//!
//! Batches of a model with at most 255 distinct thresholds per feature take the same passes
//! on coded rows instead ([`super::rank16`], [`super::words`]): each value replaced by its
//! rank among the feature's thresholds, a row is one register of 32 words (two for rows of
//! up to 64 features) and a stage 16 node words, so two trees' stages are one permute and
//! one compare. While a block's top stages run, the next block's rows are prefetched
//! (coding them would otherwise wait on memory).
//!
//! `pulp` holds the `unsafe` of calling the `#[target_feature]` code after detecting the
//! CPU's features at run time; without AVX-512 the caller keeps its portable walk.

// Only the layout is built on other architectures (the walk needs x86-64's AVX-512).
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_imports))]

use ndarray::ArrayView2;

use super::cuts::Cuts;
use super::words::{self, Words};

/// Features this layout takes: indices below 64 (a row in four 16-float registers; in two
/// when every index is below 32).
pub(crate) const WIDTH: usize = 64;
/// Features a row of two registers holds.
const NARROW: usize = 32;
/// Deepest tree it takes.
pub(crate) const MAX_DEPTH: usize = 8;
/// Levels per stage, and nodes per stage (1-based, lane 0 unused).
const LEVELS: usize = 4;
const LANES: usize = 1 << LEVELS;
const LEAVES: usize = 1 << MAX_DEPTH;
/// Trees scored over a whole block of rows before the next ones, one per vector lane in the
/// top stage.
const GROUP: usize = 16;
/// Rows per pass of a stage.
const SUBBLOCK: usize = 128;

/// Nodes stored per tree: its top stage, then one stage under each of the top stage's 16
/// exits, then one stage of slack (so that any byte offset indexes in bounds).
const NODES: usize = (2 + LANES) * LANES;

/// One tree padded to 4 or 8 levels (padding nodes have `+∞` thresholds: always left), as
/// stages: complete 4-level trees in 1-based heap order (lane 0 unused), each lane's
/// threshold and feature. The top stage is at 0, the one under top exit `j` at `16 + 16 j`
/// (unused for trees padded to 4 levels): the walk carries the offset `16 j`, which also
/// starts the exit's leaves. Features are bytes (a quarter of the loads).
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
struct Tree {
    thr: [f32; NODES],
    feat: [u8; NODES],
    /// Leaves in path order (`16 j + k` for top exit `j`, second-stage exit `k`).
    leaves: [f64; LEAVES],
}

impl Tree {
    /// A tree every row leaves by its first leaf (padding).
    const EMPTY: Tree = Tree {
        thr: [f32::INFINITY; NODES],
        feat: [0; NODES],
        leaves: [0.0; LEAVES],
    };

    /// Fills the stage at `at` with the complete 4-level tree whose 1-based heap node `q` is
    /// `node(q)`.
    fn fill(&mut self, at: usize, node: impl Fn(usize) -> Option<(u32, f32)>) -> Option<()> {
        for q in 1..LANES {
            let (f, t) = node(q)?;
            *self.feat.get_mut(at + q)? = u8::try_from(f).ok()?;
            *self.thr.get_mut(at + q)? = t;
        }
        Some(())
    }
}

/// Complete trees of depth ≤ [`MAX_DEPTH`] splitting on features below [`WIDTH`], laid out
/// for the AVX-512 stage walk (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Staged {
    /// Two stages (trees deeper than 4) or one.
    two: bool,
    /// Some feature index is [`NARROW`] or more: rows take four registers.
    wide: bool,
    /// The trees, padded to whole groups.
    trees: Vec<Tree>,
    /// Trees before the padding.
    n_trees: usize,
    /// The same trees as node words for coded rows (see [`super::words`]), when the model is
    /// at most [`super::rank16::WIDTH`] wide and has at most 255 cuts per feature: the batch
    /// path.
    words: Option<Box<Words>>,
}

impl Staged {
    /// The layout of complete trees of depth `depth` given as (internal nodes in 0-based heap
    /// order, `2^depth − 1` of `(feature, threshold)`; leaves, `2^depth`). `None` when
    /// `depth` is 0 or above [`MAX_DEPTH`], a tree has the wrong size, a feature index
    /// reaches [`WIDTH`] or a threshold is NaN. `cuts` (the model's thresholds) give batches
    /// the coded walk.
    pub(crate) fn new<'a>(
        trees: impl IntoIterator<Item = (&'a [(u32, f32)], &'a [f64])>,
        depth: usize,
        cuts: Option<&Cuts>,
    ) -> Option<Self> {
        if depth == 0 || depth > MAX_DEPTH {
            return None;
        }
        // Padded depth.
        let padded = if depth <= LEVELS { LEVELS } else { 2 * LEVELS };
        let mut out = Vec::new();
        for (nodes, leaves) in trees {
            if nodes.len() != (1 << depth) - 1 || leaves.len() != 1 << depth {
                return None;
            }
            // Node `h` (1-based heap index of the padded tree).
            let node = |h: usize| -> Option<(u32, f32)> {
                if h.ilog2() as usize >= depth {
                    return Some((0, f32::INFINITY));
                }
                let &(f, t) = nodes.get(h.checked_sub(1)?)?;
                ((f as usize) < WIDTH && !t.is_nan()).then_some((f, t))
            };
            let mut tree = Tree::EMPTY;
            tree.fill(0, node)?;
            if padded > LEVELS {
                for j in 0..LANES {
                    // Node `q` (level `l`) of the stage under top exit `j` is the padded
                    // tree's node `(16 + j) · 2^l + (q − 2^l)`.
                    tree.fill(LANES * (1 + j), |q| {
                        let l = q.ilog2();
                        node((LANES + j) * (1 << l) + (q - (1 << l)))
                    })?;
                }
            }
            // A padded leaf's path ends in zeros past the real depth.
            for (i, v) in tree.leaves.iter_mut().enumerate().take(1 << padded) {
                *v = *leaves.get(i >> (padded - depth))?;
            }
            out.push(tree);
        }
        let n_trees = out.len();
        // Pad to whole groups with trees whose leaves are never added.
        while out.len() % GROUP != 0 {
            out.push(Tree::EMPTY);
        }
        let wide = out
            .iter()
            .any(|t| t.feat.iter().any(|&f| usize::from(f) >= NARROW));
        let words = cuts
            .and_then(|c| Words::new(out.iter().map(|t| (&t.feat[..], &t.thr[..])), c))
            .map(Box::new);
        Some(Self {
            two: padded > LEVELS,
            wide,
            trees: out,
            n_trees,
            words,
        })
    }

    /// True when batches take the walk on coded rows.
    #[cfg(test)]
    pub(crate) fn is_coded(&self) -> bool {
        self.words.is_some()
    }

    /// Leaves batches to the walk on floats.
    #[cfg(test)]
    pub(crate) fn drop_words(&mut self) {
        self.words = None;
    }

    /// True when this CPU runs the stage walk (it has AVX-512).
    pub(crate) fn usable() -> bool {
        #[cfg(target_arch = "x86_64")]
        if pulp::x86::V4::try_new().is_some() {
            return true;
        }
        false
    }

    /// Adds every tree's leaf to `acc` (tree `t` to column `t % g` of each row's `g`
    /// columns), in tree order, for every row of `x` (as wide as the model); flags in `nan`
    /// the rows holding a NaN (their sums are wrong: the caller redoes them). `false`
    /// without AVX-512 (nothing done).
    pub(crate) fn score(&self, x: ArrayView2<'_, f64>, acc: &mut [f64], nan: &mut [bool]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(v4) = pulp::x86::V4::try_new() {
            let g = (acc.len() / x.nrows().max(1)).max(1);
            let coded = self.words.is_some();
            macro_rules! run {
                ($two:literal, $rows:expr, $groups:literal, floats) => {
                    if self.wide {
                        run!($two, $rows, $groups, WIDTH, false)
                    } else {
                        run!($two, $rows, $groups, NARROW, false)
                    }
                };
                ($two:literal, $rows:expr, $groups:literal, any) => {
                    if coded && self.wide {
                        run!($two, $rows, $groups, WIDTH, true)
                    } else if coded {
                        run!($two, $rows, $groups, NARROW, true)
                    } else if self.wide {
                        run!($two, $rows, $groups, WIDTH, false)
                    } else {
                        run!($two, $rows, $groups, NARROW, false)
                    }
                };
                ($two:literal, $rows:expr, $groups:literal, $w:expr, $coded:literal) => {
                    v4.vectorize(Kernel::<$two, $rows, $groups, $w, $coded> {
                        v4,
                        staged: self,
                        x,
                        acc,
                        nan,
                        g,
                    })
                };
            }
            // One row: its passes over eight groups of trees at a time (the work in flight
            // independent), on floats (coding one row would cost what it saves); a batch:
            // each group's passes over blocks of rows (the group's tables stay in L1), on
            // coded rows when the layout has them.
            match (self.two, x.nrows() == 1) {
                (true, true) => run!(true, 1, 8, floats),
                (true, false) => run!(true, SUBBLOCK, 1, any),
                (false, true) => run!(false, 1, 8, floats),
                (false, false) => run!(false, SUBBLOCK, 1, any),
            }
            return true;
        }
        let _ = (x, acc, nan);
        false
    }
}

/// Rows `start..` of `x` into `buf` as `f32` (as many as `buf` holds, the first `W`
/// columns), each flagged in `nan` when those hold a NaN.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn convert<const W: usize>(
    x: ArrayView2<'_, f64>,
    start: usize,
    buf: &mut [[f32; W]],
    nan: &mut [bool],
) {
    let nf = x.ncols();
    let whole = x
        .as_slice()
        .and_then(|all| all.get(start * nf..(start + buf.len()) * nf));
    match whole {
        Some(src) if nf > 0 => {
            for ((dst, flag), src) in buf.iter_mut().zip(nan).zip(src.chunks_exact(nf)) {
                let mut bad = false;
                for (d, v) in dst.iter_mut().zip(src) {
                    *d = *v as f32;
                    bad |= d.is_nan();
                }
                *flag = bad;
            }
        }
        _ => {
            for (r, (dst, flag)) in buf.iter_mut().zip(nan).enumerate() {
                let mut bad = false;
                for (d, v) in dst.iter_mut().zip(x.row(start + r)) {
                    *d = *v as f32;
                    bad |= d.is_nan();
                }
                *flag = bad;
            }
        }
    }
}

/// The walk of a block of rows, compiled for AVX-512 inside pulp's dispatch. `TWO`: trees
/// of two stages; `ROWS`: rows per pass; `GROUPS`: groups of 16 trees per pass; `W`: values
/// per row (32 or 64); `CODED`: rows coded as words (the batch path of [`Words`], one group
/// per pass) instead of floats.
#[cfg(target_arch = "x86_64")]
struct Kernel<
    'a,
    'x,
    const TWO: bool,
    const ROWS: usize,
    const GROUPS: usize,
    const W: usize,
    const CODED: bool,
> {
    v4: pulp::x86::V4,
    staged: &'a Staged,
    x: ArrayView2<'x, f64>,
    acc: &'a mut [f64],
    nan: &'a mut [bool],
    g: usize,
}

#[cfg(target_arch = "x86_64")]
impl<const TWO: bool, const ROWS: usize, const GROUPS: usize, const W: usize, const CODED: bool>
    pulp::NullaryFnOnce for Kernel<'_, '_, TWO, ROWS, GROUPS, W, CODED>
{
    type Output = ();

    #[inline(always)]
    fn call(self) {
        use pulp::bytemuck::cast;

        let Kernel {
            v4,
            staged,
            x,
            acc,
            nan,
            g,
        } = self;
        // The coded passes count their live pairs for one group per pass.
        const { assert!(!CODED || GROUPS == 1) };
        let (f, bw) = (v4.avx512f, v4.avx512bw);
        // Per group of 16 trees and row: the top stages' exits, the second stages' masks,
        // the leaf indices.
        let mut top = [[[0u8; GROUP]; ROWS]; GROUPS];
        let mut masks = [[[0u16; GROUP]; ROWS]; GROUPS];
        let mut idx = [[[0u8; GROUP]; ROWS]; GROUPS];
        let mut buf = [[0f32; W]; ROWS];
        let mut coded = [[0u16; W]; ROWS];
        let groups = staged.trees.as_chunks::<GROUP>().0;
        let (pairs, seconds) = match staged.words.as_deref() {
            Some(w) if CODED => (
                w.tops.as_chunks::<{ GROUP / 2 }>().0,
                w.seconds.as_chunks::<GROUP>().0,
            ),
            _ => (&[][..], &[][..]),
        };
        for (b, (acc, nan)) in acc
            .chunks_mut(ROWS * g)
            .zip(nan.chunks_mut(ROWS))
            .enumerate()
        {
            let n = (acc.len() / g).min(nan.len());
            let rows = &mut buf[..n];
            if CODED {
                if let Some(w) = staged.words.as_deref() {
                    w.ranks.code_rows(v4, x, b * ROWS, &mut coded[..n], nan);
                }
            } else {
                convert(x, b * ROWS, rows, nan);
            }
            let rows = &*rows;
            let coded = &coded[..n];
            // Each stage is a pass of its own over the rows (and groups), and so is the
            // adding of the leaves: the work in flight is independent (a tree's two stages
            // and its leaf are one long dependency chain), and each pass's tables fit L1.
            for (c, groups) in groups.chunks(GROUPS).enumerate() {
                // Top stages, one tree at a time (two on coded rows); masks stored, read
                // back in a pass of their own.
                // Pairs holding a real tree in the group of a coded pass (one group): the
                // last group's padding trees are skipped (their masks stay stale, their
                // exits in range, their leaves are never added). Whole groups get their
                // own copy of the loops, fully unrolled.
                let live = staged
                    .n_trees
                    .saturating_sub(c * GROUP)
                    .min(GROUP)
                    .div_ceil(2);
                if CODED {
                    let pairs = pairs.get(c * GROUPS..).unwrap_or(&[]);
                    // The next block's rows asked for now, in the first four groups a cache
                    // line per row (two for rows of 64 `f64`, eight lines): coding them
                    // would otherwise wait on memory.
                    let ahead = (c < 4).then_some(x.as_slice()).flatten().map(|a| {
                        let next = ((b + 1) * ROWS * x.ncols()).wrapping_add(c * 8);
                        (a.as_ptr().wrapping_add(next), x.ncols())
                    });
                    for (pairs, masks) in pairs.iter().zip(&mut masks) {
                        if live == GROUP / 2 {
                            words::top_pass::<W>(v4, coded, pairs, GROUP / 2, masks, ahead);
                        } else {
                            words::top_pass::<W>(v4, coded, pairs, live, masks, ahead);
                        }
                    }
                } else {
                    for (chunk, masks) in groups.iter().zip(&mut masks) {
                        for (row, ms) in rows.iter().zip(masks) {
                            let r = row_regs::<W>(row);
                            for (m, t) in ms.iter_mut().zip(chunk) {
                                *m = mask::<W>(v4, r, t, 0);
                            }
                        }
                    }
                }
                for (masks, top) in masks.iter().zip(&mut top) {
                    if ROWS.is_multiple_of(2) {
                        // Two rows per vector (32 trees in 16-bit lanes).
                        let (ms2, _) = masks.as_chunks::<2>();
                        let (top2, _) = top.as_chunks_mut::<2>();
                        for (ms, top) in ms2.iter().zip(top2).take(n.div_ceil(2)) {
                            // Exit `16 + j` to offset `16 j`.
                            let j = walk16(v4, cast(*ms));
                            *top = cast(bw._mm512_cvtepi16_epi8(bw._mm512_slli_epi16::<4>(j)));
                        }
                    } else {
                        for (ms, top) in masks.iter().zip(top).take(n) {
                            let j = walk(v4, f._mm512_cvtepu16_epi32(cast(*ms)));
                            *top = cast(f._mm512_cvtepi32_epi8(f._mm512_slli_epi32::<4>(j)));
                        }
                    }
                }
                if TWO {
                    if CODED {
                        let seconds = seconds.get(c * GROUPS..).unwrap_or(&[]);
                        for ((trees, top), masks) in seconds.iter().zip(&top).zip(&mut masks) {
                            let top = &top[..];
                            if live == GROUP / 2 {
                                words::second_pass::<W>(v4, coded, top, trees, GROUP / 2, masks);
                            } else {
                                words::second_pass::<W>(v4, coded, top, trees, live, masks);
                            }
                        }
                    } else {
                        // Second stages, one tree at a time (each tree's stage depends on the
                        // row); the masks stored.
                        for ((chunk, top), masks) in groups.iter().zip(&top).zip(&mut masks) {
                            for ((row, top), ms) in rows.iter().zip(top).zip(masks) {
                                let r = row_regs::<W>(row);
                                // Eight offsets per load, taken apart by rotations (a load port
                                // is the scarce resource here, not the shifts).
                                let (words, _) = top.as_chunks::<8>();
                                let (ms8, _) = ms.as_chunks_mut::<8>();
                                let (trees8, _) = chunk.as_chunks::<8>();
                                for ((w, ms), trees) in words.iter().zip(ms8).zip(trees8) {
                                    let mut w = u64::from_le_bytes(*w);
                                    for (m, t) in ms.iter_mut().zip(trees) {
                                        *m = mask::<W>(v4, r, t, LANES + (w & 0xff) as usize);
                                        w = w.rotate_right(8);
                                    }
                                }
                            }
                        }
                    }
                    // The masks read back, sixteen trees per vector, in a pass of their own
                    // once their stores are done (a load of just-stored masks would wait for
                    // them).
                    for ((masks, top), idx) in masks.iter().zip(&top).zip(&mut idx) {
                        if ROWS.is_multiple_of(2) {
                            let (ms2, _) = masks.as_chunks::<2>();
                            let (top2, _) = top.as_chunks::<2>();
                            let (idx2, _) = idx.as_chunks_mut::<2>();
                            for ((ms, top), idx) in
                                ms2.iter().zip(top2).zip(idx2).take(n.div_ceil(2))
                            {
                                // Leaf `16 j + k` from offset `16 j` and exit `16 + k`.
                                let k = walk16(v4, cast(*ms));
                                let j = bw._mm512_cvtepu8_epi16(cast(*top));
                                *idx = cast(bw._mm512_cvtepi16_epi8(bw._mm512_add_epi16(j, k)));
                            }
                        } else {
                            for ((ms, top), idx) in masks.iter().zip(top).zip(idx).take(n) {
                                let k = walk(v4, f._mm512_cvtepu16_epi32(cast(*ms)));
                                let j = f._mm512_cvtepu8_epi32(cast(*top));
                                *idx = cast(f._mm512_cvtepi32_epi8(f._mm512_add_epi32(j, k)));
                            }
                        }
                    }
                } else {
                    for (idx, top) in idx.iter_mut().zip(&top) {
                        for (idx, top) in idx.iter_mut().zip(top).take(n) {
                            for (i, &j) in idx.iter_mut().zip(top) {
                                *i = j >> 4;
                            }
                        }
                    }
                }
                // The leaves, each row's in tree order.
                let first = c * GROUPS * GROUP;
                for (r, acc) in acc.chunks_exact_mut(g).enumerate().take(n) {
                    for (k, (chunk, idx)) in groups.iter().zip(&idx).enumerate() {
                        let Some(idx) = idx.get(r) else { continue };
                        let t0 = first + k * GROUP;
                        let len = staged.n_trees.saturating_sub(t0).min(GROUP);
                        if g == 1 {
                            if let Some(a) = acc.first_mut() {
                                let mut s = *a;
                                if len == GROUP {
                                    for (t, &i) in chunk.iter().zip(idx) {
                                        s += t.leaves[usize::from(i)];
                                    }
                                } else {
                                    for (t, &i) in chunk.iter().zip(idx).take(len) {
                                        s += t.leaves[usize::from(i)];
                                    }
                                }
                                *a = s;
                            }
                        } else {
                            for (k, (t, &i)) in chunk.iter().zip(idx).enumerate().take(len) {
                                if let Some(a) = acc.get_mut((t0 + k) % g) {
                                    *a += t.leaves[usize::from(i)];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A row's registers (the first two repeated when the row has only two).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn row_regs<const W: usize>(row: &[f32; W]) -> [core::arch::x86_64::__m512; 4] {
    let part = |k: usize| {
        let at = if W > NARROW {
            k * LANES
        } else {
            (k % 2) * LANES
        };
        pulp::bytemuck::cast(
            *row.get(at..)
                .and_then(|s| s.first_chunk::<LANES>())
                .unwrap_or(&[0.0; LANES]),
        )
    };
    [part(0), part(1), part(2), part(3)]
}

/// The stage at `at` of tree `t` on the row in `r`: bit `q` set when node `q` goes right.
/// (Functions, not closures, so that they are always inlined into the AVX-512 code.)
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mask<const W: usize>(
    v4: pulp::x86::V4,
    r: [core::arch::x86_64::__m512; 4],
    t: &Tree,
    at: usize,
) -> u16 {
    use core::arch::x86_64::{__m512, _CMP_GT_OQ};
    use pulp::bytemuck::cast;
    let f = v4.avx512f;
    let (Some(feat), Some(thr)) = (
        t.feat.get(at..).and_then(|s| s.first_chunk::<LANES>()),
        t.thr.get(at..).and_then(|s| s.first_chunk::<LANES>()),
    ) else {
        return 0;
    };
    let feat = f._mm512_cvtepu8_epi32(cast(*feat));
    let mut x = f._mm512_permutex2var_ps(r[0], feat, r[1]);
    if W > NARROW {
        // Features 32–63 from the other two registers, picked by index bit 5.
        let y = f._mm512_permutex2var_ps(r[2], feat, r[3]);
        let high = f._mm512_test_epi32_mask(feat, f._mm512_set1_epi32(NARROW as i32));
        x = f._mm512_mask_blend_ps(high, x, y);
    }
    f._mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, cast::<_, __m512>(*thr))
}

/// [`walk`] in 16-bit lanes: 32 trees (two rows' 16) per vector.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn walk16(v4: pulp::x86::V4, w: core::arch::x86_64::__m512i) -> core::arch::x86_64::__m512i {
    let (f, bw) = (v4.avx512f, v4.avx512bw);
    let one = f._mm512_set1_epi16(1);
    let mut i = one;
    for _ in 0..LEVELS {
        let bit = f._mm512_and_si512(bw._mm512_srlv_epi16(w, i), one);
        i = bw._mm512_add_epi16(bw._mm512_add_epi16(i, i), bit);
    }
    bw._mm512_sub_epi16(i, f._mm512_set1_epi16(LANES as i16))
}

/// Per lane, the exit from a 4-level stage whose node directions are the lane's bits,
/// minus 16 (`0..16`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn walk(v4: pulp::x86::V4, w: core::arch::x86_64::__m512i) -> core::arch::x86_64::__m512i {
    let f = v4.avx512f;
    let one = f._mm512_set1_epi32(1);
    let mut i = one;
    for _ in 0..LEVELS {
        let bit = f._mm512_and_si512(f._mm512_srlv_epi32(w, i), one);
        i = f._mm512_add_epi32(f._mm512_add_epi32(i, i), bit);
    }
    f._mm512_sub_epi32(i, f._mm512_set1_epi32(LANES as i32))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use vigil_core::SplitMix64;

    use crate::gbdt::compiled::CompiledGbdt;
    use crate::gbdt::infer::rank16;
    use crate::gbdt::infer::testkit::{GRID, inputs, scores_like_the_node_walk};
    use crate::gbdt::tree::{Node, Tree};

    /// A random general tree at most `depth` deep (leaves at any depth, splits anywhere).
    fn random_tree(rng: &mut SplitMix64, nf: usize, depth: usize) -> Tree {
        fn grow(rng: &mut SplitMix64, nodes: &mut Vec<Node>, at: usize, nf: usize, left: usize) {
            if left == 0 || rng.below(5) == 0 {
                nodes[at].value = rng.normal();
                return;
            }
            let (l, r) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::leaf(0.0, 1.0));
            nodes.push(Node::leaf(0.0, 1.0));
            let n = &mut nodes[at];
            n.feature = rng.below(nf as u64) as u32;
            n.threshold = GRID[rng.below(GRID.len() as u64) as usize];
            n.default_left = rng.below(2) == 0;
            (n.left, n.right) = (l as u32, r as u32);
            grow(rng, nodes, l, nf, left - 1);
            grow(rng, nodes, r, nf, left - 1);
        }
        let mut nodes = vec![Node::leaf(0.0, 1.0)];
        grow(rng, &mut nodes, 0, nf, depth);
        Tree { nodes }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// General trees score like the node walk, bit for bit, in batches of any size and
        /// one row at a time: the AVX-512 stage walk on coded rows (batches) and on floats
        /// (single rows, and batches in `without_words`), one or two registers per row, when
        /// the CPU has it, and the portable dense walk alike, with NaN, ±0, ±∞ and values on
        /// thresholds.
        #[test]
        fn general_trees_score_like_the_node_walk(
            nf in 1usize..80,
            n_trees in 1usize..160,
            depth in 0usize..=8,
            seed in any::<u64>(),
            rows in 1usize..300,
            cells in proptest::collection::vec(any::<u8>(), 64),
            groups in 1usize..4,
            column_major in any::<bool>(),
        ) {
            let mut rng = SplitMix64::new(seed);
            let trees: Vec<Tree> =
                (0..n_trees).map(|_| random_tree(&mut rng, nf, depth)).collect();
            let base: Vec<f64> = (0..groups).map(|k| 0.25 * k as f64 - 0.1).collect();
            let c = CompiledGbdt::new(&trees, &base, nf);
            let deepest = trees.iter().map(Tree::depth).max().unwrap_or(0);
            if c.layout_name() == "dense" {
                prop_assert_eq!(c.is_staged(), nf <= super::WIDTH && deepest > 0);
                prop_assert_eq!(c.is_coded(), nf <= rank16::WIDTH && deepest > 0);
            }
            let x = inputs(&cells, rows, nf, column_major);
            // The stage walk where the CPU has AVX-512 (on coded rows, and on floats), and
            // the portable walk everywhere.
            for c in [c.clone(), c.clone().without_words(), c.without_staged()] {
                scores_like_the_node_walk(&c, &trees, &base, &x, 13)?;
            }
        }
    }
}

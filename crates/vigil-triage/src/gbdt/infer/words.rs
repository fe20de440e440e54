//! The stage walk's nodes as 16-bit words on coded rows: two trees per permute.
//!
//! A row coded by [`super::rank16`] is 32 words `c << 8` per register (`c`: how many of the
//! feature's cuts the value exceeds). A node splitting on feature `f` at its cut of rank `j`
//! is the word `j << 8 | f`. One `vpermw` with the node words as indices (it reads only their
//! low 5 bits: the feature; `vpermt2w` on rows of two registers reads 6) fetches the row's
//! words for 32 nodes, and one unsigned compare
//! against the same node words gives their directions: `c << 8 > j << 8 | f` exactly when
//! `c > j`, since `f < 256`. So a stage of 16 nodes is 32 bytes (one load, where the float
//! stage needs a threshold and a feature load), and two trees' stages are one permute and
//! one compare: the top stages of consecutive trees stored side by side, the second stages
//! (each tree's own, picked by its top exit) joined by an insert. Padding nodes (`+∞`,
//! always left) have rank 255, which no code exceeds.
// Only the layout is built on other architectures (the walk needs x86-64's AVX-512).
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::cuts::Cuts;
use super::rank16::{self, Ranks};

/// Nodes per stage (1-based, lane 0 unused).
const LANES: usize = 16;

/// The top stages of two consecutive trees: one register.
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Pair(pub(crate) [u16; 2 * LANES]);

/// A tree's second stages, the one under top exit `j` at word `16 j`, then one stage of
/// slack (so that any byte offset reads in bounds, without a check).
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Seconds(pub(crate) [u16; SECOND]);

const SECOND: usize = (LANES + 1) * LANES;

/// Trees of the stage layout as node words, with the tables that code rows for them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Words {
    pub(crate) ranks: Ranks,
    /// Top stages, two trees per entry.
    pub(crate) tops: Vec<Pair>,
    /// Second stages, one entry per tree (unused for trees of one stage).
    pub(crate) seconds: Vec<Seconds>,
}

impl Words {
    /// The words of trees given, per tree, as `(feature, threshold)` of its 16 top-stage
    /// nodes and of its 16 × 16 second-stage nodes (as the float stage layout holds them);
    /// `None` when the model is wider than [`rank16::WIDTH`], the tree count is odd, or a
    /// threshold other than `+∞` is not among the cuts.
    pub(crate) fn new<'a>(
        trees: impl ExactSizeIterator<Item = (&'a [u8], &'a [f32])>,
        cuts: &Cuts,
    ) -> Option<Self> {
        let ranks = Ranks::new(cuts)?;
        let n = trees.len();
        if !n.is_multiple_of(2) {
            return None;
        }
        let word = |f: u8, t: f32| -> Option<u16> {
            if usize::from(f) >= rank16::WIDTH {
                return None;
            }
            let j = match cuts.rank(u32::from(f), t) {
                Some(j) => j,
                None if t == f32::INFINITY => u8::MAX,
                None => return None,
            };
            Some(u16::from(j) << 8 | u16::from(f))
        };
        let mut tops = vec![Pair([0; 2 * LANES]); n / 2];
        let mut seconds = Vec::with_capacity(n);
        for (i, (feat, thr)) in trees.enumerate() {
            let top = tops.get_mut(i / 2)?.0.get_mut(i % 2 * LANES..)?;
            for (q, w) in top.iter_mut().enumerate().take(LANES) {
                *w = word(*feat.get(q)?, *thr.get(q)?)?;
            }
            let mut s = Seconds([u16::MAX; SECOND]);
            for (q, w) in s.0.iter_mut().enumerate().take(LANES * LANES) {
                *w = word(*feat.get(LANES + q)?, *thr.get(LANES + q)?)?;
            }
            seconds.push(s);
        }
        Some(Self {
            ranks,
            tops,
            seconds,
        })
    }
}

/// The top stages of a pair of trees on the coded row `r` (`W` words: one register, or
/// two): bit `q` (tree one) and `16 + q` (tree two) set when node `q` goes right.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn pair_mask<const W: usize>(
    v4: pulp::x86::V4,
    r: [core::arch::x86_64::__m512i; 2],
    p: &Pair,
) -> u32 {
    compare::<W>(v4, r, pulp::bytemuck::cast(p.0))
}

/// Per lane, whether the row's word for the node's feature exceeds the node word.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn compare<const W: usize>(
    v4: pulp::x86::V4,
    r: [core::arch::x86_64::__m512i; 2],
    nodes: core::arch::x86_64::__m512i,
) -> u32 {
    let bw = v4.avx512bw;
    // Features 32–63 from the second register (index bit 5).
    let x = if W > rank16::NARROW {
        bw._mm512_permutex2var_epi16(r[0], nodes, r[1])
    } else {
        bw._mm512_permutexvar_epi16(nodes, r[0])
    };
    bw._mm512_cmpgt_epu16_mask(x, nodes)
}

/// The second stages of two trees on the coded row `r`, each given with the word its stage
/// starts at: bits as in [`pair_mask`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn second_pair_mask<const W: usize>(
    v4: pulp::x86::V4,
    r: [core::arch::x86_64::__m512i; 2],
    (a, i): (&Seconds, usize),
    (b, j): (&Seconds, usize),
) -> u32 {
    let f = v4.avx512f;
    let stage = |s: &Seconds, at: usize| {
        let w = s.0.get(at..).and_then(|s| s.first_chunk::<LANES>());
        pulp::bytemuck::cast(w.copied().unwrap_or([u16::MAX; LANES]))
    };
    let nodes = f._mm512_inserti64x4::<1>(f._mm512_castsi256_si512(stage(a, i)), stage(b, j));
    compare::<W>(v4, r, nodes)
}

/// A coded row's registers (the first repeated when the row has only one).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn regs<const W: usize>(row: &[u16; W]) -> [core::arch::x86_64::__m512i; 2] {
    let (regs, _) = row.as_chunks::<{ rank16::NARROW }>();
    let part = |k: usize| pulp::bytemuck::cast(*regs.get(k).or(regs.first()).unwrap_or(&[0; 32]));
    [part(0), part(1)]
}

/// The top stages of a group's first `live` pairs of trees (of 8) for every coded row in
/// `rows`, each row's 16 masks into `masks`. With `ahead` (a pointer and a row stride), each
/// row also asks for the cache line (two for rows of 64 features) that far ahead.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn top_pass<const W: usize>(
    v4: pulp::x86::V4,
    rows: &[[u16; W]],
    pairs: &[Pair; LANES / 2],
    live: usize,
    masks: &mut [[u16; LANES]],
    ahead: Option<(*const f64, usize)>,
) {
    use core::arch::x86_64::_MM_HINT_T0;
    let pairs = pairs.get(..live).unwrap_or(pairs);
    for (i, (row, ms)) in rows.iter().zip(masks).enumerate() {
        if let Some((p, stride)) = ahead {
            let at = p.wrapping_add(i * stride);
            v4.sse._mm_prefetch::<{ _MM_HINT_T0 }>(at.cast());
            if W > rank16::NARROW {
                v4.sse
                    ._mm_prefetch::<{ _MM_HINT_T0 }>(at.wrapping_add(32).cast());
            }
        }
        let r = regs::<W>(row);
        for (m, p) in ms.as_chunks_mut::<2>().0.iter_mut().zip(pairs) {
            let k = pair_mask::<W>(v4, r, p);
            *m = [k as u16, (k >> 16) as u16];
        }
    }
}

/// The second stages of a group's first `live` pairs of trees (of 8) for every coded row,
/// each tree's stage at the offset its top stage left in `top` (16 per row); masks into
/// `masks`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn second_pass<const W: usize>(
    v4: pulp::x86::V4,
    rows: &[[u16; W]],
    top: &[[u8; LANES]],
    trees: &[Seconds; LANES],
    live: usize,
    masks: &mut [[u16; LANES]],
) {
    let (quads, _) = trees.as_chunks::<8>();
    for ((row, top), ms) in rows.iter().zip(top).zip(masks) {
        let r = regs::<W>(row);
        // Eight offsets per load, taken apart by rotations (load ports are the scarce
        // resource, not the shifts).
        let (offs, _) = top.as_chunks::<8>();
        let (ms8, _) = ms.as_chunks_mut::<8>();
        for (q, ((w, ms), trees)) in offs.iter().zip(ms8).zip(quads).enumerate() {
            let mut w = u64::from_le_bytes(*w);
            let (ms2, _) = ms.as_chunks_mut::<2>();
            let (pairs, _) = trees.as_chunks::<2>();
            let n = live.saturating_sub(4 * q).min(4);
            for (m, [a, b]) in ms2.iter_mut().zip(pairs).take(n) {
                let (i, j) = ((w & 0xff) as usize, (w >> 8 & 0xff) as usize);
                let k = second_pair_mask::<W>(v4, r, (a, i), (b, j));
                *m = [k as u16, (k >> 16) as u16];
                w = w.rotate_right(16);
            }
        }
    }
}

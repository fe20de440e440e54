//! Symmetric trees for one row at a time (the per-alert path): four trees per SSE2 compare.
//!
//! A batch codes its rows first; one row would not repay that. Instead the trees are taken
//! four at a time: per level, the row's four split values are picked out and compared with
//! the four thresholds in one vector compare, and the four leaf indices advance together.
//! A tree shallower than its quad's deepest is padded with `+∞` thresholds (never exceeded),
//! which appends zero bits to its index; its leaf table is spread to match. Leaves are added
//! in tree order in `f64`, so scores equal the node walk's bit for bit.

/// Widest row this layout takes (feature indices are masked to it, so no bounds checks).
pub(crate) const WIDTH: usize = 64;
const MAX_DEPTH: usize = 8;
const LEAVES: usize = 1 << MAX_DEPTH;

/// Four consecutive trees: per level, their split features and thresholds.
#[derive(Debug, Clone, PartialEq)]
struct Quad {
    depth: usize,
    feat: [[u8; 4]; MAX_DEPTH],
    thr: [[f32; 4]; MAX_DEPTH],
}

/// Symmetric trees of depth ≤ 8 on rows at most [`WIDTH`] wide, laid out for one row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SingleOblivious {
    quads: Vec<Quad>,
    /// Per tree, leaf values indexed by the padded index (see the module docs).
    leaves: Vec<[f64; LEAVES]>,
}

impl SingleOblivious {
    /// The layout of trees given as (levels `(feature, threshold)` root first, leaves in bit
    /// order); `None` when a tree is deeper than 8, its leaf count is not `2^depth`, or a
    /// feature index reaches [`WIDTH`].
    pub(crate) fn new<'a>(
        trees: impl IntoIterator<Item = (&'a [(u32, f32)], &'a [f64])>,
    ) -> Option<Self> {
        let trees: Vec<_> = trees.into_iter().collect();
        let (mut quads, mut leaves) = (Vec::new(), Vec::new());
        for four in trees.chunks(4) {
            let depth = four.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
            if depth > MAX_DEPTH {
                return None;
            }
            let mut q = Quad {
                depth,
                feat: [[0; 4]; MAX_DEPTH],
                thr: [[f32::INFINITY; 4]; MAX_DEPTH],
            };
            for (k, (splits, values)) in four.iter().enumerate() {
                if values.len() != 1 << splits.len() {
                    return None;
                }
                for (l, &(f, t)) in splits.iter().enumerate() {
                    if f as usize >= WIDTH {
                        return None;
                    }
                    q.feat[l][k] = f as u8;
                    q.thr[l][k] = t;
                }
                // Padding levels append `depth - d` zero bits to the index.
                let pad = depth - splits.len();
                let mut spread = [0.0; LEAVES];
                for (i, v) in spread.iter_mut().enumerate().take(1 << depth) {
                    *v = values.get(i >> pad).copied().unwrap_or(0.0);
                }
                leaves.push(spread);
            }
            quads.push(q);
        }
        Some(Self { quads, leaves })
    }

    /// Adds every tree's leaf to `acc` (tree `t` to `acc[t % acc.len()]`), in tree order;
    /// `x` is the row in `f32`, NaN-free.
    pub(crate) fn score(&self, x: &[f32; WIDTH], acc: &mut [f64]) {
        let g = acc.len().max(1);
        for (q, (quad, leaves)) in self.quads.iter().zip(self.leaves.chunks(4)).enumerate() {
            let mut idx = [0usize; 4];
            for (f, t) in quad.feat.iter().zip(&quad.thr).take(quad.depth) {
                let v = [
                    x[usize::from(f[0]) & (WIDTH - 1)],
                    x[usize::from(f[1]) & (WIDTH - 1)],
                    x[usize::from(f[2]) & (WIDTH - 1)],
                    x[usize::from(f[3]) & (WIDTH - 1)],
                ];
                for ((i, v), t) in idx.iter_mut().zip(v).zip(t) {
                    *i = 2 * *i + usize::from(v > *t);
                }
            }
            for (k, (l, i)) in leaves.iter().zip(idx).enumerate() {
                if let Some(a) = acc.get_mut((4 * q + k) % g) {
                    *a += l[i & (LEAVES - 1)];
                }
            }
        }
    }
}

//! Growing one tree on histograms: best-first or level by level, with the subtraction trick
//! (only the smaller child's histogram is built; the larger one is parent − smaller).

use super::binning::BinMapper;
use super::hist::{self, Bin, Hist};
use super::params::{GbdtValidParams, Growth};
use super::tree::{MAX_TREE_DEPTH, Node, Tree};

/// The best split of a leaf.
#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    /// Rows with bin `1..=bin` go left.
    bin: u8,
    default_left: bool,
    left: Bin,
    right: Bin,
}

/// A leaf still open to splitting.
struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    hist: Option<Hist>,
    split: Option<Split>,
}

/// The inputs of one tree.
pub(crate) struct GrowInput<'a> {
    pub(crate) params: &'a GbdtValidParams,
    pub(crate) mapper: &'a BinMapper,
    /// Row-major bins, `n_features` bytes per row (histograms read whole rows).
    pub(crate) bins: &'a [u8],
    /// The same bins column-major, `n_rows` bytes per feature (partitions read one column).
    pub(crate) bins_by_feature: &'a [u8],
    /// Rows in the data.
    pub(crate) n_rows: usize,
    pub(crate) n_features: usize,
    pub(crate) grad: &'a [f64],
    pub(crate) hess: &'a [f64],
    /// Features this tree may split on.
    pub(crate) allowed: &'a [bool],
}

/// A grown tree, with the bin of each split (for walking binned rows) and, per leaf, the
/// range of `idx` holding its rows.
pub(crate) struct Grown {
    pub(crate) tree: Tree,
    pub(crate) split_bins: Vec<u8>,
    pub(crate) leaf_ranges: Vec<(usize, usize, usize)>,
}

/// Reusable buffers across trees.
#[derive(Default)]
pub(crate) struct Workspace {
    pool: Vec<Hist>,
    scratch: Vec<u32>,
}

impl Workspace {
    fn take(&mut self, n_features: usize) -> Hist {
        self.pool.pop().unwrap_or_else(|| hist::zeroed(n_features))
    }
    fn give(&mut self, h: Hist) {
        self.pool.push(h);
    }
}

fn leaf_weight(b: &Bin, lambda: f64) -> f64 {
    let d = b.h + lambda;
    if d > 0.0 { -b.g / d } else { 0.0 }
}

fn score(b: &Bin, lambda: f64) -> f64 {
    let d = b.h + lambda;
    if d > 0.0 { b.g * b.g / d } else { 0.0 }
}

/// The best split of a node with histogram `h` and sums `sum`, over allowed features.
fn best_split(inp: &GrowInput<'_>, h: &Hist, sum: &Bin) -> Option<Split> {
    let p = inp.params;
    let lambda = p.lambda;
    let min_n = p.min_data_in_leaf as f64;
    let parent = score(sum, lambda);
    let mut best: Option<Split> = None;
    let mut best_gain = p.min_split_gain.max(1e-12);
    for (f, (fh, fb)) in h.iter().zip(&inp.mapper.features).enumerate() {
        if !inp.allowed.get(f).copied().unwrap_or(false) {
            continue;
        }
        let edges = fb.edges.len();
        if edges == 0 {
            continue;
        }
        let factor = if sum.h > 0.0 { sum.n / sum.h } else { 0.0 };
        let miss = fh[0].with_count(factor);
        let directions: &[bool] = if miss.h > 0.0 {
            &[false, true]
        } else {
            &[false]
        };
        for &miss_left in directions {
            let mut left = if miss_left { miss } else { Bin::default() };
            for (s, b) in fh.iter().enumerate().take(edges + 1).skip(1) {
                left.add(&b.with_count(factor));
                if left.n < min_n || left.h < p.min_child_weight {
                    continue;
                }
                let right = sum.sub(&left);
                if right.n < min_n || right.h < p.min_child_weight {
                    // Right only shrinks from here on.
                    break;
                }
                let gain = score(&left, lambda) + score(&right, lambda) - parent;
                if gain > best_gain {
                    best_gain = gain;
                    // Without missing training values, send unseen NaN the way most rows went.
                    let default_left = if miss.h > 0.0 {
                        miss_left
                    } else {
                        left.n >= right.n
                    };
                    best = Some(Split {
                        gain,
                        feature: f,
                        bin: s as u8,
                        default_left,
                        left,
                        right,
                    });
                }
            }
        }
    }
    best
}

/// Gradient, hessian and row count summed over rows `idx`: the root's totals.
fn root_sum(inp: &GrowInput<'_>, idx: &[u32]) -> Bin {
    let mut sum = Bin::default();
    for &i in idx {
        let i = i as usize;
        sum.g += inp.grad.get(i).copied().unwrap_or(0.0);
        sum.h += inp.hess.get(i).copied().unwrap_or(0.0);
    }
    sum.n = idx.len() as f64;
    sum
}

/// Grows one tree on rows `idx` (reordered in place so each leaf's rows are contiguous).
pub(crate) fn grow(inp: &GrowInput<'_>, idx: &mut [u32], ws: &mut Workspace) -> Grown {
    if inp.params.growth == Growth::Oblivious {
        return grow_oblivious(inp, idx, ws);
    }
    let p = inp.params;
    let nf = inp.n_features;
    let sum = root_sum(inp, idx);
    let lr = p.learning_rate;
    let mut nodes = vec![Node::leaf(leaf_weight(&sum, p.lambda) * lr, sum.n)];
    let mut split_bins = vec![0u8];
    let mut h = ws.take(nf);
    hist::build(&mut h, inp.bins, nf, idx, inp.grad, inp.hess);
    // Unbounded leaf-wise growth still stops at the depth a saved tree may have, so every
    // trained model can be saved and loaded again (and TreeSHAP's recursion stays bounded).
    let max_depth = p.max_depth.unwrap_or(MAX_TREE_DEPTH).min(MAX_TREE_DEPTH);
    let can_split =
        |depth: usize, s: &Bin| depth < max_depth && s.n >= 2.0 * p.min_data_in_leaf as f64;
    let mut open = vec![Open {
        node: 0,
        start: 0,
        end: idx.len(),
        depth: 0,
        split: if can_split(0, &sum) {
            best_split(inp, &h, &sum)
        } else {
            None
        },
        hist: Some(h),
    }];
    let mut done: Vec<Open> = Vec::new();
    let mut leaves = 1usize;
    while leaves < p.max_leaves {
        // Pick the leaf to split: largest gain (best-first) or shallowest (level order); ties
        // go to the lowest node id so the result never depends on anything but the data.
        let mut pick: Option<usize> = None;
        for (k, o) in open.iter().enumerate() {
            let Some(s) = &o.split else { continue };
            let better = match pick.and_then(|j| open.get(j)) {
                None => true,
                Some(b) => {
                    let bs = b.split.map_or(f64::NEG_INFINITY, |x| x.gain);
                    match p.growth {
                        Growth::LeafWise => s.gain > bs || (s.gain == bs && o.node < b.node),
                        _ => o.depth < b.depth || (o.depth == b.depth && o.node < b.node),
                    }
                }
            };
            if better {
                pick = Some(k);
            }
        }
        let Some(k) = pick else { break };
        let leaf = open.swap_remove(k);
        let Some(mut split) = leaf.split else { break };
        let Some(mut parent_hist) = leaf.hist else {
            break;
        };

        let nl = partition(
            inp,
            &mut idx[leaf.start..leaf.end],
            &mut ws.scratch,
            split.feature,
            split.bin,
            split.default_left,
        );
        let mid = leaf.start + nl;
        // Exact row counts (the histograms only estimate them).
        split.left.n = nl as f64;
        split.right.n = (leaf.end - mid) as f64;

        let li = nodes.len();
        let ri = li + 1;
        let fb = &inp.mapper.features[split.feature];
        if let Some(n) = nodes.get_mut(leaf.node) {
            n.feature = split.feature as u32;
            n.threshold = fb.threshold(split.bin);
            n.default_left = split.default_left;
            n.left = li as u32;
            n.right = ri as u32;
            n.gain = split.gain;
        }
        if let Some(b) = split_bins.get_mut(leaf.node) {
            *b = split.bin;
        }
        nodes.push(Node::leaf(
            leaf_weight(&split.left, p.lambda) * lr,
            split.left.n,
        ));
        nodes.push(Node::leaf(
            leaf_weight(&split.right, p.lambda) * lr,
            split.right.n,
        ));
        split_bins.extend([0, 0]);
        leaves += 1;

        let depth = leaf.depth + 1;
        let left_ok = can_split(depth, &split.left);
        let right_ok = can_split(depth, &split.right);
        let (lh, rh) = if left_ok || right_ok {
            // Build the smaller child; the larger is parent − smaller.
            let left_smaller = nl <= (leaf.end - mid);
            let (s_start, s_end) = if left_smaller {
                (leaf.start, mid)
            } else {
                (mid, leaf.end)
            };
            let mut small = ws.take(nf);
            hist::build(
                &mut small,
                inp.bins,
                nf,
                &idx[s_start..s_end],
                inp.grad,
                inp.hess,
            );
            hist::subtract(&mut parent_hist, &small);
            if left_smaller {
                (small, parent_hist)
            } else {
                (parent_hist, small)
            }
        } else {
            ws.give(parent_hist);
            done.push(Open {
                node: li,
                start: leaf.start,
                end: mid,
                depth,
                hist: None,
                split: None,
            });
            done.push(Open {
                node: ri,
                start: mid,
                end: leaf.end,
                depth,
                hist: None,
                split: None,
            });
            continue;
        };
        for (node, start, end, s, h, ok) in [
            (li, leaf.start, mid, split.left, lh, left_ok),
            (ri, mid, leaf.end, split.right, rh, right_ok),
        ] {
            let best = if ok { best_split(inp, &h, &s) } else { None };
            let hist = if best.is_some() {
                Some(h)
            } else {
                ws.give(h);
                None
            };
            let o = Open {
                node,
                start,
                end,
                depth,
                hist,
                split: best,
            };
            if o.split.is_some() {
                open.push(o);
            } else {
                done.push(o);
            }
        }
    }
    for o in open.iter_mut() {
        if let Some(h) = o.hist.take() {
            ws.give(h);
        }
    }
    done.extend(open);
    let leaf_ranges = done.iter().map(|o| (o.node, o.start, o.end)).collect();
    Grown {
        tree: Tree { nodes },
        split_bins,
        leaf_ranges,
    }
}

/// Stable partition of `rows`: rows going left first, in their old order. Returns how many
/// went left.
fn partition(
    inp: &GrowInput<'_>,
    rows: &mut [u32],
    scratch: &mut Vec<u32>,
    feature: usize,
    bin: u8,
    default_left: bool,
) -> usize {
    scratch.clear();
    let col = inp
        .bins_by_feature
        .get(feature * inp.n_rows..(feature + 1) * inp.n_rows)
        .unwrap_or(&[]);
    let mut nl = 0usize;
    for r in 0..rows.len() {
        let i = rows[r];
        let b = col.get(i as usize).copied().unwrap_or(0);
        let go_left = if b == 0 { default_left } else { b <= bin };
        if go_left {
            rows[nl] = i;
            nl += 1;
        } else {
            scratch.push(i);
        }
    }
    rows[nl..].copy_from_slice(scratch);
    nl
}

/// A node of the level being split in an oblivious tree.
struct LevelNode {
    node: usize,
    start: usize,
    end: usize,
    sum: Bin,
    hist: Option<Hist>,
}

/// Grows an oblivious tree: each level takes the one (feature, bin, missing side) with the
/// largest total gain over the level's nodes; a node where the split breaks the child
/// limits adds no gain but is split all the same, so every leaf sits at the same depth.
fn grow_oblivious(inp: &GrowInput<'_>, idx: &mut [u32], ws: &mut Workspace) -> Grown {
    let p = inp.params;
    let nf = inp.n_features;
    let lr = p.learning_rate;
    let leaf_depth = usize::BITS as usize - 1 - p.max_leaves.leading_zeros() as usize;
    let depth = p.max_depth.unwrap_or(6).min(leaf_depth).min(16);
    let sum = root_sum(inp, idx);
    let mut nodes = vec![Node::leaf(leaf_weight(&sum, p.lambda) * lr, sum.n)];
    let mut split_bins = vec![0u8];
    let mut h = ws.take(nf);
    hist::build(&mut h, inp.bins, nf, idx, inp.grad, inp.hess);
    let mut level = vec![LevelNode {
        node: 0,
        start: 0,
        end: idx.len(),
        sum,
        hist: Some(h),
    }];
    let min_n = p.min_data_in_leaf as f64;
    let lambda = p.lambda;
    // Total gain per (bin, missing side), reused per feature.
    let mut total = vec![[0.0f64; 2]; 256];
    for d in 0..depth {
        let mut best: Option<(f64, usize, u8, bool)> = None;
        let mut best_gain = p.min_split_gain.max(1e-12);
        for (f, fb) in inp.mapper.features.iter().enumerate() {
            if !inp.allowed.get(f).copied().unwrap_or(false) || fb.edges.is_empty() {
                continue;
            }
            let edges = fb.edges.len();
            total.iter_mut().for_each(|t| *t = [0.0; 2]);
            let mut any_missing = false;
            for ln in &level {
                let Some(fh) = ln.hist.as_ref().and_then(|h| h.get(f)) else {
                    continue;
                };
                let parent = score(&ln.sum, lambda);
                let factor = if ln.sum.h > 0.0 {
                    ln.sum.n / ln.sum.h
                } else {
                    0.0
                };
                let miss = fh[0].with_count(factor);
                let has_missing = miss.h > 0.0;
                any_missing |= has_missing;
                let ok = |l: &Bin, r: &Bin| {
                    l.n >= min_n
                        && r.n >= min_n
                        && l.h >= p.min_child_weight
                        && r.h >= p.min_child_weight
                };
                // Missing right (dir 0) and, only when the node has missing values, missing
                // left (dir 1); without them both directions are the same split.
                let mut left = Bin::default();
                let mut left_m = miss;
                for (b, t) in fh
                    .iter()
                    .take(edges + 1)
                    .skip(1)
                    .zip(total.iter_mut().skip(1))
                {
                    let b = b.with_count(factor);
                    left.add(&b);
                    let right = ln.sum.sub(&left);
                    let g0 = if ok(&left, &right) {
                        score(&left, lambda) + score(&right, lambda) - parent
                    } else {
                        0.0
                    };
                    t[0] += g0;
                    if has_missing {
                        left_m.add(&b);
                        let right_m = ln.sum.sub(&left_m);
                        if ok(&left_m, &right_m) {
                            t[1] += score(&left_m, lambda) + score(&right_m, lambda) - parent;
                        }
                    } else {
                        t[1] += g0;
                    }
                }
            }
            for (s, t) in total.iter().enumerate().take(edges + 1).skip(1) {
                for (dir, &g) in t.iter().enumerate() {
                    if dir == 1 && !any_missing {
                        continue;
                    }
                    if g > best_gain {
                        best_gain = g;
                        best = Some((g, f, s as u8, dir == 1));
                    }
                }
            }
        }
        let Some((gain, f, bin, miss_left)) = best else {
            break;
        };
        let fb = &inp.mapper.features[f];
        let last = d + 1 == depth;
        let mut next = Vec::with_capacity(level.len() * 2);
        let per_node_gain = gain / level.len() as f64;
        for ln in level {
            let nl = partition(
                inp,
                &mut idx[ln.start..ln.end],
                &mut ws.scratch,
                f,
                bin,
                miss_left,
            );
            let mid = ln.start + nl;
            // The left child's sums from the node's histogram (the rows need no second pass).
            let mut left = Bin::default();
            if let Some(fh) = ln.hist.as_ref().and_then(|h| h.get(f)) {
                let first = usize::from(!miss_left);
                for b in fh.iter().take(usize::from(bin) + 1).skip(first) {
                    left.g += b.g;
                    left.h += b.h;
                }
            }
            left.n = nl as f64;
            let right = ln.sum.sub(&left);
            let li = nodes.len();
            let ri = li + 1;
            if let Some(n) = nodes.get_mut(ln.node) {
                n.feature = f as u32;
                n.threshold = fb.threshold(bin);
                n.default_left = miss_left;
                n.left = li as u32;
                n.right = ri as u32;
                n.gain = per_node_gain;
            }
            if let Some(b) = split_bins.get_mut(ln.node) {
                *b = bin;
            }
            nodes.push(Node::leaf(leaf_weight(&left, lambda) * lr, left.n));
            nodes.push(Node::leaf(leaf_weight(&right, lambda) * lr, right.n));
            split_bins.extend([0, 0]);
            let (lh, rh) = match ln.hist {
                Some(mut ph) if !last => {
                    let left_smaller = nl <= ln.end - mid;
                    let (a, b) = if left_smaller {
                        (ln.start, mid)
                    } else {
                        (mid, ln.end)
                    };
                    let mut small = ws.take(nf);
                    hist::build(&mut small, inp.bins, nf, &idx[a..b], inp.grad, inp.hess);
                    hist::subtract(&mut ph, &small);
                    if left_smaller {
                        (Some(small), Some(ph))
                    } else {
                        (Some(ph), Some(small))
                    }
                }
                Some(ph) => {
                    ws.give(ph);
                    (None, None)
                }
                None => (None, None),
            };
            next.push(LevelNode {
                node: li,
                start: ln.start,
                end: mid,
                sum: left,
                hist: lh,
            });
            next.push(LevelNode {
                node: ri,
                start: mid,
                end: ln.end,
                sum: right,
                hist: rh,
            });
        }
        level = next;
    }
    for ln in level.iter_mut() {
        if let Some(h) = ln.hist.take() {
            ws.give(h);
        }
    }
    let leaf_ranges = level.iter().map(|l| (l.node, l.start, l.end)).collect();
    Grown {
        tree: Tree { nodes },
        split_bins,
        leaf_ranges,
    }
}

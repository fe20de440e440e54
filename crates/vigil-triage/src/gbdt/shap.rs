//! Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): per-feature
//! contributions that add up, with the tree's expected value, to the tree's output.

use super::tree::Tree;

/// One element of the path of unique features from the root to the current node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathElem {
    /// Feature, or `usize::MAX` for the root's placeholder.
    feature: usize,
    /// Share of training rows that followed the path ("feature absent").
    zero: f64,
    /// 1 when the row itself follows the path ("feature present"), else 0.
    one: f64,
    /// Permutation weight.
    pweight: f64,
}

/// The tree's expected value: leaf values weighted by the rows that reached them.
pub(crate) fn expected_value(tree: &Tree) -> f64 {
    fn rec(tree: &Tree, i: usize, depth: usize) -> f64 {
        let Some(n) = tree.nodes.get(i) else {
            return 0.0;
        };
        if n.is_leaf() || depth > 4096 {
            return n.value;
        }
        let (Some(l), Some(r)) = (
            tree.nodes.get(n.left as usize),
            tree.nodes.get(n.right as usize),
        ) else {
            return n.value;
        };
        let c = l.cover + r.cover;
        if c <= 0.0 {
            return n.value;
        }
        (l.cover * rec(tree, n.left as usize, depth + 1)
            + r.cover * rec(tree, n.right as usize, depth + 1))
            / c
    }
    rec(tree, 0, 0)
}

/// Adds the contributions of `tree` for `row` into `phi`. `buf` is scratch space, reused
/// across calls: every node's path is a copy of its parent's pushed on top of it, so a whole
/// tree walks with no allocation once `buf` has grown to the deepest stack (at most the sum
/// of the path lengths along one root-to-leaf walk).
pub(crate) fn tree_shap(tree: &Tree, row: &[f64], phi: &mut [f64], buf: &mut Vec<PathElem>) {
    buf.clear();
    recurse(tree, row, phi, 0, buf, 0, 1.0, 1.0, usize::MAX);
}

/// Pushes a new element on the path `buf[s..]` and updates the permutation weights.
fn extend(buf: &mut Vec<PathElem>, s: usize, zero: f64, one: f64, feature: usize) {
    let d = buf.len() - s;
    buf.push(PathElem {
        feature,
        zero,
        one,
        pweight: if d == 0 { 1.0 } else { 0.0 },
    });
    let path = &mut buf[s..];
    let df = d as f64;
    // One division per call instead of two per element (only rounding differs).
    let (one, zero) = (one * recip(d + 1), zero * recip(d + 1));
    for i in (0..d).rev() {
        let w = path[i].pweight;
        path[i + 1].pweight += one * w * (i as f64 + 1.0);
        path[i].pweight = zero * w * (df - i as f64);
    }
}

/// Removes element `k` from the path `buf[s..]`, undoing its effect on the weights.
fn unwind(buf: &mut Vec<PathElem>, s: usize, k: usize) {
    let path = &mut buf[s..];
    let d = path.len() - 1;
    let df = d as f64;
    let (one, zero) = (path[k].one, path[k].zero);
    let mut next = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next * (df + 1.0) / ((i as f64 + 1.0) * one);
            next = tmp - path[i].pweight * zero * (df - i as f64) / (df + 1.0);
        } else {
            path[i].pweight = path[i].pweight * (df + 1.0) / (zero * (df - i as f64));
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
    buf.pop();
}

/// `1 / n` from a table for the path lengths trees have in practice.
fn recip(n: usize) -> f64 {
    const N: usize = 64;
    const TABLE: [f64; N] = {
        let mut t = [0.0; N];
        let mut i = 1;
        while i < N {
            t[i] = 1.0 / i as f64;
            i += 1;
        }
        t
    };
    match TABLE.get(n) {
        Some(&r) if n > 0 => r,
        _ => 1.0 / n as f64,
    }
}

/// The sum of the path's permutation weights with element `k` unwound (not removed).
///
/// This is where TreeSHAP spends its time (every leaf, every path element, every depth), so
/// its divisions are hoisted: `one` is 0 or 1 on this path-dependent walk (a row follows a
/// branch or not) and the remaining divisors are `d + 1`, `i + 1` and `zero`, each inverted
/// once, and the step-to-step chain is one multiply-subtract. The values equal the textbook
/// form up to rounding (contributions still sum to the raw score within 1e-9, proptest).
fn unwound_sum(path: &[PathElem], k: usize) -> f64 {
    let d = path.len() - 1;
    let df = d as f64;
    let (one, zero) = (path[k].one, path[k].zero);
    let mut total = 0.0;
    if one != 0.0 {
        let lift = (df + 1.0) / one;
        let drop = zero / (df + 1.0);
        let mut next = path[d].pweight;
        for i in (0..d).rev() {
            // `next` carries the only dependency from one step to the next: keep it to one
            // multiply and one subtract; the factors do not depend on it.
            let lift_i = lift * recip(i + 1);
            let tmp = next * lift_i;
            total += tmp;
            next = path[i].pweight - next * (lift_i * (drop * (df - i as f64)));
        }
    } else if zero != 0.0 {
        let scale = (df + 1.0) / zero;
        for i in (0..d).rev() {
            total += path[i].pweight * scale * recip(d - i);
        }
    }
    total
}

/// Visits `node`, whose parent's path is `buf[parent..]` (empty at the root). The node's own
/// path is pushed above it and popped before returning, so the parent's path is intact for
/// its other child.
#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f64],
    phi: &mut [f64],
    node: usize,
    buf: &mut Vec<PathElem>,
    parent: usize,
    zero: f64,
    one: f64,
    feature: usize,
) {
    let Some(n) = tree.nodes.get(node) else {
        return;
    };
    // A branch no training row and not this row reaches weighs nothing: every permutation
    // weight below it is 0, so skipping it is exact (and avoids 0/0 in unwinding).
    if zero == 0.0 && one == 0.0 {
        return;
    }
    let s = buf.len();
    buf.extend_from_within(parent..s);
    extend(buf, s, zero, one, feature);
    if n.is_leaf() {
        let path = &buf[s..];
        for k in 1..path.len() {
            let w = unwound_sum(path, k);
            let e = path[k];
            if let Some(p) = phi.get_mut(e.feature) {
                *p += w * (e.one - e.zero) * n.value;
            }
        }
        buf.truncate(s);
        return;
    }
    let x = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
    let hot = n.next(x) as usize;
    let cold = if hot == n.left as usize {
        n.right as usize
    } else {
        n.left as usize
    };
    let cover = |i: usize| tree.nodes.get(i).map_or(0.0, |c| c.cover);
    let w = n.cover;
    let (hot_zero, cold_zero) = if w > 0.0 {
        (cover(hot) / w, cover(cold) / w)
    } else {
        (0.0, 0.0)
    };
    let mut in_zero = 1.0;
    let mut in_one = 1.0;
    let f = n.feature as usize;
    if let Some(k) = buf[s..]
        .iter()
        .skip(1)
        .position(|e| e.feature == f)
        .map(|k| k + 1)
    {
        in_zero = buf[s + k].zero;
        in_one = buf[s + k].one;
        unwind(buf, s, k);
    }
    recurse(tree, row, phi, hot, buf, s, hot_zero * in_zero, in_one, f);
    recurse(tree, row, phi, cold, buf, s, cold_zero * in_zero, 0.0, f);
    buf.truncate(s);
}

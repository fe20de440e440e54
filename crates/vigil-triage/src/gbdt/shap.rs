//! Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): per-feature
//! contributions that add up, with the tree's expected value, to the tree's output.

use super::tree::Tree;

/// One element of the path of unique features from the root to the current node.
#[derive(Debug, Clone, Copy)]
struct PathElem {
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

/// Adds the contributions of `tree` for `row` into `phi`.
pub(crate) fn tree_shap(tree: &Tree, row: &[f64], phi: &mut [f64]) {
    let path = Vec::with_capacity(32);
    recurse(tree, row, phi, 0, path, 1.0, 1.0, usize::MAX);
}

fn extend(path: &mut Vec<PathElem>, zero: f64, one: f64, feature: usize) {
    let d = path.len();
    path.push(PathElem {
        feature,
        zero,
        one,
        pweight: if d == 0 { 1.0 } else { 0.0 },
    });
    let df = d as f64;
    for i in (0..d).rev() {
        let w = path[i].pweight;
        path[i + 1].pweight += one * w * (i as f64 + 1.0) / (df + 1.0);
        path[i].pweight = zero * w * (df - i as f64) / (df + 1.0);
    }
}

fn unwind(path: &mut Vec<PathElem>, k: usize) {
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
    path.pop();
}

fn unwound_sum(path: &[PathElem], k: usize) -> f64 {
    let d = path.len() - 1;
    let df = d as f64;
    let (one, zero) = (path[k].one, path[k].zero);
    let mut next = path[d].pweight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = next * (df + 1.0) / ((i as f64 + 1.0) * one);
            total += tmp;
            next = path[i].pweight - tmp * zero * (df - i as f64) / (df + 1.0);
        } else if zero != 0.0 {
            total += path[i].pweight / zero / ((df - i as f64) / (df + 1.0));
        }
    }
    total
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    row: &[f64],
    phi: &mut [f64],
    node: usize,
    mut path: Vec<PathElem>,
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
    extend(&mut path, zero, one, feature);
    if n.is_leaf() {
        for k in 1..path.len() {
            let w = unwound_sum(&path, k);
            let e = path[k];
            if let Some(p) = phi.get_mut(e.feature) {
                *p += w * (e.one - e.zero) * n.value;
            }
        }
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
    if let Some(k) = path
        .iter()
        .skip(1)
        .position(|e| e.feature == f)
        .map(|k| k + 1)
    {
        in_zero = path[k].zero;
        in_one = path[k].one;
        unwind(&mut path, k);
    }
    recurse(
        tree,
        row,
        phi,
        hot,
        path.clone(),
        hot_zero * in_zero,
        in_one,
        f,
    );
    recurse(tree, row, phi, cold, path, cold_zero * in_zero, 0.0, f);
}

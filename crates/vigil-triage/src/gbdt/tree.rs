//! One regression tree: a node array, walked on raw feature values.

/// A node of a [`Tree`]. Node 0 is the root; a node with `left == 0` is a leaf (no node points
/// back at the root, so 0 is free as "none").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Split feature (column index).
    pub(crate) feature: u32,
    /// A row goes left when `x as f32 <= threshold`.
    pub(crate) threshold: f32,
    /// Where a missing (NaN) value goes.
    pub(crate) default_left: bool,
    /// Left child, or 0 at a leaf.
    pub(crate) left: u32,
    /// Right child, or 0 at a leaf.
    pub(crate) right: u32,
    /// Leaf value (shrinkage applied); at an internal node, the value it would have had.
    pub(crate) value: f64,
    /// Training rows that reached the node (TreeSHAP weighs paths by it).
    pub(crate) cover: f64,
    /// Loss reduction of the split (0 at a leaf).
    pub(crate) gain: f64,
}

impl Node {
    /// A leaf.
    pub(crate) fn leaf(value: f64, cover: f64) -> Self {
        Self {
            feature: 0,
            threshold: 0.0,
            default_left: true,
            left: 0,
            right: 0,
            value,
            cover,
            gain: 0.0,
        }
    }

    /// True at a leaf.
    #[inline]
    pub(crate) fn is_leaf(&self) -> bool {
        self.left == 0
    }

    /// The child a value goes to.
    #[inline]
    pub(crate) fn next(&self, x: f64) -> u32 {
        let x = x as f32;
        let left = if x.is_nan() {
            self.default_left
        } else {
            x <= self.threshold
        };
        if left { self.left } else { self.right }
    }
}

/// Deepest tree a saved model may hold. TreeSHAP recurses once per level, and a 3 000-deep
/// chain overflows a 2 MiB thread stack in a debug build (an abort, not an error). Training
/// never grows past it: depth-wise growth stops at 64 levels, leaf-wise at `max_leaves` (31 by
/// default) and, with no `max_depth`, at this depth.
pub(crate) const MAX_TREE_DEPTH: usize = 1024;

/// A regression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
}

impl Tree {
    /// The leaf a row reaches (node index). A malformed tree (a child out of range) stops at
    /// the last valid node, never panics; loading checks the structure anyway.
    #[inline]
    pub(crate) fn leaf_index(&self, row: &[f64]) -> usize {
        let mut i = 0usize;
        while let Some(n) = self.nodes.get(i) {
            if n.is_leaf() {
                return i;
            }
            let x = row.get(n.feature as usize).copied().unwrap_or(f64::NAN);
            i = n.next(x) as usize;
        }
        0
    }

    /// The value a row gets.
    #[inline]
    pub(crate) fn predict(&self, row: &[f64]) -> f64 {
        self.nodes
            .get(self.leaf_index(row))
            .map_or(0.0, |n| n.value)
    }

    /// Depth of the deepest leaf (a lone root has depth 0).
    pub(crate) fn depth(&self) -> usize {
        let mut best = 0;
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, d)) = stack.pop() {
            let Some(n) = self.nodes.get(i) else { continue };
            if n.is_leaf() {
                best = best.max(d);
            } else {
                stack.push((n.left as usize, d + 1));
                stack.push((n.right as usize, d + 1));
            }
        }
        best
    }

    /// Checks the structure: every child index is in range and greater than its parent's
    /// (so walks terminate), every split feature is below `n_features`, the depth is at most
    /// [`MAX_TREE_DEPTH`] (so TreeSHAP's recursion fits a thread's stack), and every value,
    /// cover and gain is finite (training never writes anything else, and a NaN leaf would
    /// score every row reaching it NaN).
    pub(crate) fn validate(&self, n_features: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("tree without nodes".into());
        }
        // Each node has one parent, so walks and TreeSHAP stay linear in the tree's size.
        let mut has_parent = vec![false; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            for (field, v) in [("value", n.value), ("cover", n.cover), ("gain", n.gain)] {
                if !v.is_finite() {
                    return Err(format!("node {i}: {field} {v} is not finite"));
                }
            }
            if n.is_leaf() {
                if n.right != 0 {
                    return Err(format!("node {i}: leaf with a right child"));
                }
                continue;
            }
            for c in [n.left, n.right] {
                let c = c as usize;
                match has_parent.get_mut(c) {
                    Some(seen) if c > i && !*seen => *seen = true,
                    _ => return Err(format!("node {i}: child {c} out of order, range or shared")),
                }
            }
            if n.feature as usize >= n_features {
                return Err(format!("node {i}: feature {} out of range", n.feature));
            }
        }
        let depth = self.depth();
        if depth > MAX_TREE_DEPTH {
            return Err(format!(
                "depth {depth} exceeds the {MAX_TREE_DEPTH} levels a saved tree may have"
            ));
        }
        Ok(())
    }
}

//! The interpretable baseline: a linfa-trees [`DecisionTree`] with class probabilities from
//! leaf frequencies.
//!
//! linfa-trees predicts a leaf's majority class only. To get probabilities, the fitted tree
//! is copied into a flat node list and the training rows are routed through it again (with
//! the `feature <= threshold` rule linfa-trees fits with), counting classes at every node.
//! A leaf's probabilities are its counts smoothed towards the training class rates
//! (`(n_c + m · prior_c) / (n + m)`), so a leaf of three rows never says 0 or 1.
//! Explanations follow the path from the root: each split adds to its feature the change in
//! the threat log-odds from parent to child, so `base + Σ contributions = raw` exactly,
//! where `base` is the root's log-odds and `raw` the leaf's (Saabas attribution).
//!
//! Determinism: linfa-trees 0.8 sums its f32 class frequencies in `HashMap` order, so two
//! fits on the same data can pick different splits among exactly tied candidates (for
//! example two columns that partition the rows identically). The leaf probabilities and
//! importances here are computed in a fixed order; the tree's shape is linfa-trees'. The
//! native GBDT is the bit-for-bit reproducible model.
//!
//! ```
//! use ndarray::array;
//! use vigil_core::{FeatureSchema, Fit, LabeledData, Scorer};
//! use vigil_triage::tree::TreeParams;
//!
//! # fn main() -> Result<(), vigil_triage::error::TriageError> {
//! let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
//! let y = array![1, 1, 1, 0, 0, 0];
//! let data = LabeledData::new(x, y, 2, FeatureSchema::new(["f"]))?;
//! let tree = TreeParams::default().min_leaf(1).fit(&data)?;
//! let p = tree.predict_proba(array![[0.5], [4.5]].view())?;
//! assert!(p[[0, 0]] < 0.5 && p[[1, 0]] > 0.5);
//! # Ok(())
//! # }
//! ```

use linfa::DatasetBase;
use linfa::prelude::Fit as LinfaFit;
use linfa_trees::{DecisionTree, SplitQuality, TreeNode};
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};
use vigil_core::{CoreError, Explanation, FeatureSchema, Fit, LabeledData, ParamGuard, Scorer};

use crate::error::{TriageError, require_width};

/// Hyperparameters of the decision tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    max_depth: Option<usize>,
    min_leaf: usize,
    smoothing: f64,
    entropy: bool,
}

impl Default for TreeParams {
    /// Depth 8, at least 20 rows per leaf, smoothing 2, Gini impurity.
    fn default() -> Self {
        Self {
            max_depth: Some(8),
            min_leaf: 20,
            smoothing: 2.0,
            entropy: false,
        }
    }
}

impl TreeParams {
    /// Maximum depth (`None`: unlimited).
    pub fn max_depth(mut self, v: Option<usize>) -> Self {
        self.max_depth = v;
        self
    }

    /// Minimum number of training rows in a leaf.
    pub fn min_leaf(mut self, v: usize) -> Self {
        self.min_leaf = v;
        self
    }

    /// Pseudo-count pulling leaf frequencies towards the training class rates.
    pub fn smoothing(mut self, v: f64) -> Self {
        self.smoothing = v;
        self
    }

    /// Entropy instead of Gini impurity.
    pub fn entropy(mut self, v: bool) -> Self {
        self.entropy = v;
        self
    }
}

impl ParamGuard for TreeParams {
    type Checked = TreeParams;
    type Error = TriageError;

    fn check_ref(&self) -> Result<&TreeParams, TriageError> {
        if self.min_leaf == 0 {
            return Err(TriageError::InvalidParameter {
                name: "min_leaf",
                reason: "must be at least 1".into(),
            });
        }
        if self.max_depth == Some(0) {
            return Err(TriageError::InvalidParameter {
                name: "max_depth",
                reason: "must be at least 1".into(),
            });
        }
        crate::error::require_non_negative("smoothing", self.smoothing)?;
        Ok(self)
    }

    fn check(self) -> Result<TreeParams, TriageError> {
        self.check_ref()?;
        Ok(self)
    }
}

/// Deepest tree a saved pipeline may hold (as for the GBDT's trees).
const MAX_TREE_DEPTH: usize = 1024;

/// One node of the flat tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    /// Split feature and threshold (`x <= threshold` goes left); `None` for a leaf.
    split: Option<(usize, f64)>,
    left: Option<usize>,
    right: Option<usize>,
    /// Smoothed class probabilities of the training rows reaching this node.
    proba: Vec<f64>,
}

/// A fitted decision tree (from [`TreeParams`]). Class 0 is the threat class.
///
/// Deserialising checks the structure: a saved tree whose children
/// loop back or whose probabilities have the wrong length is refused, never walked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SavedTree")]
pub struct TreeModel {
    schema: FeatureSchema,
    n_classes: usize,
    nodes: Vec<Node>,
    /// Weighted Gini decrease per feature, normalised to sum to 1.
    importance: Vec<f64>,
}

/// A [`TreeModel`] as read, before its structure is checked.
#[derive(Deserialize)]
struct SavedTree {
    schema: FeatureSchema,
    n_classes: usize,
    nodes: Vec<Node>,
    importance: Vec<f64>,
}

impl TryFrom<SavedTree> for TreeModel {
    type Error = String;

    fn try_from(t: SavedTree) -> Result<Self, String> {
        let m = TreeModel {
            schema: t.schema,
            n_classes: t.n_classes,
            nodes: t.nodes,
            importance: t.importance,
        };
        m.validate()?;
        Ok(m)
    }
}

impl TreeModel {
    /// Checks the structure of a tree read from outside: at least one node; every child index
    /// in range, after its parent and with one parent (so every walk ends); split features in
    /// the schema; at least two classes and, at each node, one finite probability in
    /// `[0, 1]` per class; one importance per feature. The message names the node or field.
    fn validate(&self) -> Result<(), String> {
        let k = self.n_classes;
        if k < 2 {
            return Err(format!("n_classes {k}: expected at least 2"));
        }
        if self.nodes.is_empty() {
            return Err("tree without nodes".into());
        }
        let nf = self.schema.len();
        if self.importance.len() != nf {
            return Err(format!(
                "importance has {} entries, expected one per feature ({nf})",
                self.importance.len()
            ));
        }
        let mut has_parent = vec![false; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if n.proba.len() != k {
                return Err(format!(
                    "node {i}: {} class probabilities, expected {k}",
                    n.proba.len()
                ));
            }
            if n.proba.iter().any(|p| !(0.0..=1.0).contains(p)) {
                return Err(format!("node {i}: a probability outside [0, 1]"));
            }
            match n.split {
                None if n.left.is_some() || n.right.is_some() => {
                    return Err(format!("node {i}: leaf with a child"));
                }
                Some((f, _)) if f >= nf => {
                    return Err(format!("node {i}: split feature {f} out of range (< {nf})"));
                }
                _ => {}
            }
            for c in [n.left, n.right].into_iter().flatten() {
                match has_parent.get_mut(c) {
                    Some(seen) if c > i && !*seen => *seen = true,
                    _ => return Err(format!("node {i}: child {c} out of order, range or shared")),
                }
            }
        }
        // Children come after their parent, so one forward pass gives every node's depth;
        // `depth` recurses, so a saved tree is held to what a stack bears.
        let mut depth = vec![0usize; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            let d = depth.get(i).copied().unwrap_or(0);
            if d > MAX_TREE_DEPTH {
                return Err(format!(
                    "node {i}: depth {d} exceeds the {MAX_TREE_DEPTH} levels a saved tree may have"
                ));
            }
            for c in [n.left, n.right].into_iter().flatten() {
                if let Some(x) = depth.get_mut(c) {
                    *x = d + 1;
                }
            }
        }
        Ok(())
    }
}

impl Fit<LabeledData> for TreeParams {
    type Fitted = TreeModel;
    type Error = TriageError;

    fn fit(&self, data: &LabeledData) -> Result<TreeModel, TriageError> {
        self.check_ref()?;
        if data.is_empty() {
            return Err(TriageError::InsufficientData {
                reason: "no training rows".into(),
            });
        }
        let k = data.n_classes;
        let dataset = DatasetBase::new(data.features.clone(), data.targets.clone());
        let quality = if self.entropy {
            SplitQuality::Entropy
        } else {
            SplitQuality::Gini
        };
        let fitted = DecisionTree::params()
            .split_quality(quality)
            .max_depth(self.max_depth)
            .min_weight_leaf(self.min_leaf as f32)
            .min_weight_split((2 * self.min_leaf) as f32)
            .fit(&dataset)
            .map_err(|e| {
                TriageError::Core(CoreError::Component {
                    component: "linfa-trees".into(),
                    reason: e.to_string(),
                })
            })?;
        let mut nodes = Vec::new();
        flatten(fitted.root_node(), &mut nodes);
        // Count classes per node by routing every training row from the root.
        let mut counts = vec![vec![0.0_f64; k]; nodes.len()];
        let weights = data.weights.as_ref();
        for (i, (row, &t)) in data
            .features
            .rows()
            .into_iter()
            .zip(&data.targets)
            .enumerate()
        {
            let w = weights.and_then(|w| w.get(i)).copied().unwrap_or(1.0);
            let mut at = Some(0);
            while let Some(n) = at {
                if let Some(c) = counts.get_mut(n).and_then(|c| c.get_mut(t)) {
                    *c += w;
                }
                at = nodes.get(n).and_then(|node| next(node, row));
            }
        }
        let total: Vec<f64> = counts.first().cloned().unwrap_or_else(|| vec![1.0; k]);
        let sum_total: f64 = total.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let prior: Vec<f64> = total.iter().map(|c| c / sum_total).collect();
        let m = self.smoothing;
        for (node, c) in nodes.iter_mut().zip(&counts) {
            let n: f64 = c.iter().sum();
            node.proba = c
                .iter()
                .zip(&prior)
                .map(|(ci, pi)| {
                    if n + m > 0.0 {
                        (ci + m * pi) / (n + m)
                    } else {
                        *pi
                    }
                })
                .collect();
        }
        // Importance from our own f64 counts: linfa-trees sums its f32 class frequencies in
        // HashMap order, so its impurity figures differ in the last bits from run to run.
        let gini = |c: &[f64]| {
            let n: f64 = c.iter().sum();
            if n > 0.0 {
                n * (1.0 - c.iter().map(|x| (x / n).powi(2)).sum::<f64>())
            } else {
                0.0
            }
        };
        let mut importance = vec![0.0; data.schema.len()];
        for (i, node) in nodes.iter().enumerate() {
            let Some((f, _)) = node.split else { continue };
            let child = |c: Option<usize>| c.and_then(|c| counts.get(c)).map_or(0.0, |c| gini(c));
            let parent = counts.get(i).map_or(0.0, |c| gini(c));
            if let Some(v) = importance.get_mut(f) {
                *v += (parent - child(node.left) - child(node.right)).max(0.0);
            }
        }
        let total: f64 = importance.iter().sum();
        if total > 0.0 {
            importance.iter_mut().for_each(|v| *v /= total);
        }
        Ok(TreeModel {
            schema: data.schema.clone(),
            n_classes: k,
            nodes,
            importance,
        })
    }
}

/// Appends `node` and its subtree in pre-order; returns its index.
fn flatten(node: &TreeNode<f64, usize>, out: &mut Vec<Node>) -> usize {
    let at = out.len();
    out.push(Node {
        split: None,
        left: None,
        right: None,
        proba: Vec::new(),
    });
    if !node.is_leaf() {
        let (feature, threshold, _) = node.split();
        let children = node.children();
        let left = children
            .first()
            .and_then(|c| c.as_deref())
            .map(|c| flatten(c, out));
        let right = children
            .get(1)
            .and_then(|c| c.as_deref())
            .map(|c| flatten(c, out));
        if let Some(n) = out.get_mut(at) {
            n.split = Some((feature, threshold));
            n.left = left;
            n.right = right;
        }
    }
    at
}

/// The child a row goes to, or `None` at a leaf (or where the child is absent).
fn next(node: &Node, row: ArrayView1<'_, f64>) -> Option<usize> {
    let (f, t) = node.split?;
    let v = row.get(f).copied().unwrap_or(f64::NAN);
    // NaN compares false, so it goes right, like linfa-trees.
    if v <= t { node.left } else { node.right }
}

fn log_odds(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

impl TreeModel {
    /// The path of node indices a row takes, root first.
    fn path(&self, row: ArrayView1<'_, f64>) -> Vec<usize> {
        let mut path = Vec::new();
        let mut at = Some(0);
        while let Some(n) = at {
            path.push(n);
            at = self.nodes.get(n).and_then(|node| next(node, row));
        }
        path
    }

    /// The schema it was fitted on.
    pub fn schema_ref(&self) -> &FeatureSchema {
        &self.schema
    }

    /// Share of the total weighted Gini decrease of each feature's splits, in schema order.
    pub fn feature_importance(&self) -> &[f64] {
        &self.importance
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// Depth (edges on the longest root-to-leaf path).
    pub fn depth(&self) -> usize {
        fn d(nodes: &[Node], i: usize) -> usize {
            match nodes.get(i) {
                Some(n) => {
                    let l = n.left.map_or(0, |c| 1 + d(nodes, c));
                    let r = n.right.map_or(0, |c| 1 + d(nodes, c));
                    l.max(r)
                }
                None => 0,
            }
        }
        d(&self.nodes, 0)
    }
}

impl Scorer for TreeModel {
    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        require_width(self.schema.len(), x.ncols())?;
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            let leaf = self.path(row).last().copied().unwrap_or(0);
            if let Some(node) = self.nodes.get(leaf) {
                o.iter_mut().zip(&node.proba).for_each(|(d, s)| *d = *s);
            }
        }
        Ok(out)
    }

    fn explain(&self, row: ArrayView1<'_, f64>) -> Option<Explanation> {
        if row.len() != self.schema.len() {
            return None;
        }
        let path = self.path(row);
        let threat = |i: usize| self.nodes.get(i).and_then(|n| n.proba.first()).copied();
        let base = log_odds(threat(0)?);
        let mut phi = vec![0.0; self.schema.len()];
        for w in path.windows(2) {
            let [parent, child] = *w else {
                continue;
            };
            let (f, _) = self.nodes.get(parent)?.split?;
            if let Some(p) = phi.get_mut(f) {
                *p += log_odds(threat(child)?) - log_odds(threat(parent)?);
            }
        }
        let raw = log_odds(threat(*path.last()?)?);
        Some(Explanation::from_features(
            base,
            raw,
            self.schema.names(),
            &phi,
        ))
    }
}

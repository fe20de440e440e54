//! Half-Space Trees: the streaming multivariate detector for numeric vectors.
//!
//! Why Half-Space Trees (Tan, Ting & Liu, IJCAI 2011) rather than Random Cut Forest or a
//! streaming isolation forest: the trees are built once from random half-space splits of the
//! feature ranges and never restructured, so learning is a counter increment along the path
//! a vector already walks to be scored — constant time and memory per event, no allocation,
//! and no rebuild pauses (RCF must delete and insert points in its trees; a streaming
//! isolation forest must re-grow trees as its sample turns over). Mass counts add, so two
//! shards with the same seed merge exactly. Like isolation forests they isolate anomalies
//! by how little mass surrounds them, and they are scale-free once each feature is mapped to
//! `[0, 1]` — here after a signed-log transform, since security features (bytes, counts,
//! durations) are heavy-tailed and a uniform split of a raw range would spend every split on
//! the tail.

use serde::{Deserialize, Serialize};
use vigil_core::{Fit, ParamGuard, SplitMix64};

use crate::BaselineError;
use crate::error::finite;
use crate::params::Transform;

/// Unchecked hyperparameters of [`HalfSpaceTrees`].
///
/// ```
/// use vigil_baseline::HstParams;
/// use vigil_core::{Fit, ParamGuard};
/// let data: Vec<Vec<f64>> = (0..500).map(|i| vec![(i % 10) as f64, (i % 7) as f64]).collect();
/// let mut model = HstParams::default().trees(20).depth(8).check()?.fit(&data)?;
/// let normal = model.score(&[3.0, 4.0])?;
/// let odd = model.score(&[1e6, -50.0])?;
/// assert!(odd > normal);
/// model.observe(&[3.0, 2.0])?;
/// # Ok::<(), vigil_baseline::BaselineError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HstParams(HstConfig);

/// Checked hyperparameters of [`HalfSpaceTrees`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HstConfig {
    trees: usize,
    depth: usize,
    window: usize,
    size_limit: f64,
    transform: Transform,
    seed: u64,
}

impl Default for HstParams {
    fn default() -> Self {
        Self(HstConfig {
            trees: 50,
            depth: 10,
            window: 1024,
            size_limit: 0.05,
            transform: Transform::SignedLog,
            seed: vigil_core::SeededState::DEFAULT_SEED,
        })
    }
}

impl HstParams {
    /// Number of trees.
    pub fn trees(mut self, v: usize) -> Self {
        self.0.trees = v;
        self
    }
    /// Depth of each tree (nodes per tree: `2^(depth+1) − 1`).
    pub fn depth(mut self, v: usize) -> Self {
        self.0.depth = v;
        self
    }
    /// Vectors per window: the reference mass is the previous window's.
    pub fn window(mut self, v: usize) -> Self {
        self.0.window = v;
        self
    }
    /// Stop descending where the reference mass is below this share of a window.
    pub fn size_limit(mut self, v: f64) -> Self {
        self.0.size_limit = v;
        self
    }
    /// Transform applied to each component before range scaling.
    pub fn transform(mut self, v: Transform) -> Self {
        self.0.transform = v;
        self
    }
    /// Seed of the random splits.
    pub fn seed(mut self, v: u64) -> Self {
        self.0.seed = v;
        self
    }
}

impl ParamGuard for HstParams {
    type Checked = HstConfig;
    type Error = BaselineError;

    fn check_ref(&self) -> Result<&HstConfig, BaselineError> {
        let c = &self.0;
        let bad = |name: &'static str, reason: String| {
            Err(BaselineError::InvalidParameter { name, reason })
        };
        if !(1..=1024).contains(&c.trees) {
            return bad("trees", format!("must be in 1..=1024, got {}", c.trees));
        }
        if !(1..=20).contains(&c.depth) {
            return bad("depth", format!("must be in 1..=20, got {}", c.depth));
        }
        if c.window < 1 {
            return bad("window", "must be ≥ 1".into());
        }
        if !(c.size_limit.is_finite() && (0.0..1.0).contains(&c.size_limit)) {
            return bad(
                "size_limit",
                format!("must be in [0, 1), got {}", c.size_limit),
            );
        }
        Ok(c)
    }

    fn check(self) -> Result<HstConfig, BaselineError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// One node of a complete binary tree, children of `i` at `2i+1` and `2i+2`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
struct Node {
    dim: u32,
    split: f32,
    reference: f32,
    latest: f32,
}

/// A fitted Half-Space Trees model: score, learn, merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HalfSpaceTrees {
    config: HstConfig,
    /// Per-feature `(min, 1/(max−min))` of the transformed fit data.
    scale: Vec<(f64, f64)>,
    nodes: Vec<Node>,
    nodes_per_tree: usize,
    in_window: usize,
    buf: Vec<f64>,
}

impl<D: AsRef<[f64]>> Fit<[D]> for HstConfig {
    type Fitted = HalfSpaceTrees;
    type Error = BaselineError;

    /// Builds the trees, sets feature ranges from `data`, and uses all of `data` as the
    /// first reference mass (scaled to one window).
    fn fit(&self, data: &[D]) -> Result<HalfSpaceTrees, BaselineError> {
        let first = data.first().ok_or_else(|| BaselineError::NotEnoughData {
            reason: "no vectors to fit".into(),
        })?;
        let width = first.as_ref().len();
        if width == 0 {
            return Err(BaselineError::NotEnoughData {
                reason: "vectors have no components".into(),
            });
        }
        let tr = self.transform;
        let mut lo = vec![f64::INFINITY; width];
        let mut hi = vec![f64::NEG_INFINITY; width];
        for row in data {
            let row = row.as_ref();
            check_row(row, width)?;
            for ((l, h), x) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                let v = tr.apply(*x);
                *l = l.min(v);
                *h = h.max(v);
            }
        }
        let scale = lo
            .iter()
            .zip(hi.iter())
            .map(|(l, h)| (*l, if h > l { 1.0 / (h - l) } else { 0.0 }))
            .collect();
        let nodes_per_tree = (1usize << (self.depth + 1)) - 1;
        let mut nodes = vec![Node::default(); nodes_per_tree * self.trees];
        let mut rng = SplitMix64::new(self.seed);
        for tree in nodes.chunks_mut(nodes_per_tree) {
            // Random work space per dimension around s ∈ [0,1]: [s − r, s + r], r = 2·max(s, 1−s).
            let mut wlo = Vec::with_capacity(width);
            let mut whi = Vec::with_capacity(width);
            for _ in 0..width {
                let s = rng.next_f64();
                let r = 2.0 * s.max(1.0 - s);
                wlo.push(s - r);
                whi.push(s + r);
            }
            build(tree, 0, &mut wlo, &mut whi, &mut rng);
        }
        let mut model = HalfSpaceTrees {
            config: self.clone(),
            scale,
            nodes,
            nodes_per_tree,
            in_window: 0,
            buf: vec![0.0; width],
        };
        // Reference mass from the whole fit set, scaled to one window.
        for row in data {
            model.normalise(row.as_ref())?;
            model.walk_learn();
        }
        let k = self.window as f32 / data.len() as f32;
        for n in model.nodes.iter_mut() {
            n.reference = n.latest * k;
            n.latest = 0.0;
        }
        Ok(model)
    }
}

fn check_row(row: &[f64], width: usize) -> Result<(), BaselineError> {
    if row.len() != width {
        return Err(BaselineError::Width {
            expected: width,
            found: row.len(),
        });
    }
    for (i, x) in row.iter().enumerate() {
        if !x.is_finite() {
            return finite(&format!("x[{i}]"), *x).map(|_| ());
        }
    }
    Ok(())
}

/// Fills a complete subtree: each node splits a random dimension at the middle of its work
/// space, and each child inherits the halved space.
fn build(tree: &mut [Node], i: usize, lo: &mut [f64], hi: &mut [f64], rng: &mut SplitMix64) {
    if i >= tree.len() {
        return;
    }
    let q = rng.below(lo.len() as u64) as usize;
    let (l, h) = (
        lo.get(q).copied().unwrap_or(0.0),
        hi.get(q).copied().unwrap_or(1.0),
    );
    let mid = 0.5 * (l + h);
    if let Some(n) = tree.get_mut(i) {
        *n = Node {
            dim: q as u32,
            split: mid as f32,
            reference: 0.0,
            latest: 0.0,
        };
    }
    if let Some(x) = hi.get_mut(q) {
        *x = mid;
    }
    build(tree, 2 * i + 1, lo, hi, rng);
    if let Some(x) = hi.get_mut(q) {
        *x = h;
    }
    if let Some(x) = lo.get_mut(q) {
        *x = mid;
    }
    build(tree, 2 * i + 2, lo, hi, rng);
    if let Some(x) = lo.get_mut(q) {
        *x = l;
    }
}

impl HalfSpaceTrees {
    /// Vector width.
    pub fn width(&self) -> usize {
        self.scale.len()
    }

    /// Bytes of state held.
    pub fn memory_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.scale.capacity() * 16
            + self.buf.capacity() * 8
            + std::mem::size_of::<Self>()
    }

    fn normalise(&mut self, x: &[f64]) -> Result<(), BaselineError> {
        check_row(x, self.scale.len())?;
        let tr = self.config.transform;
        for ((b, (lo, inv)), v) in self.buf.iter_mut().zip(self.scale.iter()).zip(x) {
            *b = (tr.apply(*v) - lo) * inv;
        }
        Ok(())
    }

    /// Mass score of the normalised vector in `buf`: Σ over trees of the reference mass of
    /// the terminal node times 2^depth (high = dense = normal).
    fn walk_score(&self) -> f64 {
        let limit = (self.config.size_limit * self.config.window as f64) as f32;
        let depth = self.config.depth;
        let mut total = 0.0f64;
        for tree in self.nodes.chunks(self.nodes_per_tree) {
            let mut i = 0usize;
            let mut k = 0usize;
            while let Some(n) = tree.get(i) {
                if k == depth || n.reference < limit {
                    total += f64::from(n.reference) * (1u64 << k) as f64;
                    break;
                }
                let v = self.buf.get(n.dim as usize).copied().unwrap_or(0.0);
                i = if v < f64::from(n.split) {
                    2 * i + 1
                } else {
                    2 * i + 2
                };
                k += 1;
            }
        }
        total
    }

    fn walk_learn(&mut self) {
        let nodes_per_tree = self.nodes_per_tree;
        let buf = &self.buf;
        for tree in self.nodes.chunks_mut(nodes_per_tree) {
            let mut i = 0usize;
            while let Some(n) = tree.get_mut(i) {
                n.latest += 1.0;
                let v = buf.get(n.dim as usize).copied().unwrap_or(0.0);
                i = if v < f64::from(n.split) {
                    2 * i + 1
                } else {
                    2 * i + 2
                };
            }
        }
    }

    fn anomaly(&self, mass: f64) -> f64 {
        // Surprisal-like: bits of mass missing against a fully dense path.
        let full = self.config.window as f64
            * (1u64 << self.config.depth) as f64
            * self.config.trees as f64;
        ((full + 1.0) / (mass + 1.0)).log2()
    }

    /// Anomaly score of `x` (higher = more anomalous; 0 = as dense as possible), without
    /// learning.
    pub fn score(&mut self, x: &[f64]) -> Result<f64, BaselineError> {
        self.normalise(x)?;
        Ok(self.anomaly(self.walk_score()))
    }

    /// Learns `x` without scoring it.
    pub fn learn(&mut self, x: &[f64]) -> Result<(), BaselineError> {
        self.normalise(x)?;
        self.learn_normalised();
        Ok(())
    }

    fn learn_normalised(&mut self) {
        self.walk_learn();
        self.in_window += 1;
        if self.in_window >= self.config.window {
            for n in self.nodes.iter_mut() {
                n.reference = n.latest;
                n.latest = 0.0;
            }
            self.in_window = 0;
        }
    }

    /// Scores `x`, then learns it: the streaming step, in one walk down each tree (the
    /// path that scores is the path that learns).
    pub fn observe(&mut self, x: &[f64]) -> Result<f64, BaselineError> {
        self.normalise(x)?;
        let limit = (self.config.size_limit * self.config.window as f64) as f32;
        let depth = self.config.depth;
        let nodes_per_tree = self.nodes_per_tree;
        let buf = &self.buf;
        let mut mass = 0.0f64;
        for tree in self.nodes.chunks_mut(nodes_per_tree) {
            let (mut i, mut k, mut scored) = (0usize, 0usize, false);
            while let Some(n) = tree.get_mut(i) {
                if !scored && (k == depth || n.reference < limit) {
                    mass += f64::from(n.reference) * (1u64 << k) as f64;
                    scored = true;
                }
                n.latest += 1.0;
                let v = buf.get(n.dim as usize).copied().unwrap_or(0.0);
                i = if v < f64::from(n.split) {
                    2 * i + 1
                } else {
                    2 * i + 2
                };
                k += 1;
            }
        }
        self.in_window += 1;
        if self.in_window >= self.config.window {
            for n in self.nodes.iter_mut() {
                n.reference = n.latest;
                n.latest = 0.0;
            }
            self.in_window = 0;
        }
        Ok(self.anomaly(mass))
    }

    /// Merges a model fitted with the same parameters, seed and feature ranges: masses add.
    pub fn merge(&mut self, other: &HalfSpaceTrees) -> Result<(), BaselineError> {
        if self.config != other.config
            || self.scale != other.scale
            || self.nodes.len() != other.nodes.len()
        {
            return Err(BaselineError::Incompatible {
                reason: "different parameters, seed or feature ranges".into(),
            });
        }
        for (a, b) in self.nodes.iter_mut().zip(other.nodes.iter()) {
            a.reference += b.reference;
            a.latest += b.latest;
        }
        self.in_window += other.in_window;
        Ok(())
    }
}

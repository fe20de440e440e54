//! The fitted ensemble: raw scores, probabilities, explanations, importance.

use ndarray::{Array2, ArrayView1, ArrayView2};
use vigil_core::{CoreError, Explanation, FeatureSchema, Scorer};

use super::compiled::CompiledGbdt;
use super::shap;
use super::train::{Loss, sigmoid, softmax};
use super::tree::Tree;
use crate::error::require_width;

/// A fitted gradient-boosted tree ensemble (from [`super::GbdtParams`]).
///
/// Raw scores are log-odds of the threat class (class 0) for a binary model and per-class
/// logits for a softmax model. Scoring goes through the compiled layout
/// ([`Gbdt::compile`]), which gives the same numbers bit for bit as walking the trees.
#[derive(Debug, Clone)]
pub struct Gbdt {
    pub(crate) schema: FeatureSchema,
    pub(crate) loss: Loss,
    pub(crate) n_classes: usize,
    /// Starting raw score per group.
    pub(crate) base: Vec<f64>,
    /// Round-major: tree `r * groups + k` is round `r`'s tree for group `k`.
    pub(crate) trees: Vec<Tree>,
    compiled: CompiledGbdt,
    /// Per group, the base plus every tree's expected value: TreeSHAP's `base`, the same for
    /// every row, so summed once here rather than on every explanation.
    shap_base: Vec<f64>,
}

impl PartialEq for Gbdt {
    fn eq(&self, o: &Self) -> bool {
        self.schema == o.schema
            && self.loss == o.loss
            && self.n_classes == o.n_classes
            && self.base == o.base
            && self.trees == o.trees
    }
}

/// How [`Gbdt::feature_importance`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Importance {
    /// Total loss reduction of the feature's splits.
    #[default]
    Gain,
    /// Number of splits on the feature.
    Splits,
}

impl Gbdt {
    pub(crate) fn from_parts(
        schema: FeatureSchema,
        loss: Loss,
        n_classes: usize,
        base: Vec<f64>,
        trees: Vec<Tree>,
    ) -> Self {
        let compiled = CompiledGbdt::new(&trees, &base, schema.len());
        let g = loss.groups().max(1);
        let shap_base = (0..g)
            .map(|k| {
                let mut b = base.get(k).copied().unwrap_or(0.0);
                for tree in trees.iter().skip(k).step_by(g) {
                    b += shap::expected_value(tree);
                }
                b
            })
            .collect();
        Self {
            schema,
            loss,
            n_classes,
            base,
            trees,
            compiled,
            shap_base,
        }
    }

    /// Raw scores per row: one column (threat log-odds) for a binary model, one per class for
    /// a softmax model.
    pub fn predict_raw(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        require_width(self.schema.len(), x.ncols())?;
        Ok(self.compiled.predict_raw(x))
    }

    /// Raw scores by walking the node trees one row at a time (the reference the compiled
    /// layout is tested against).
    pub fn predict_raw_reference(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        require_width(self.schema.len(), x.ncols())?;
        let g = self.groups();
        let mut out = Array2::zeros((x.nrows(), g));
        let mut buf = Vec::with_capacity(x.ncols());
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            buf.clear();
            buf.extend(row.iter().copied());
            let raw = self.raw_row(&buf);
            for (d, s) in o.iter_mut().zip(&raw) {
                *d = *s;
            }
        }
        Ok(out)
    }

    fn raw_row(&self, row: &[f64]) -> Vec<f64> {
        let g = self.groups();
        let mut raw = self.base.clone();
        for (t, tree) in self.trees.iter().enumerate() {
            if let Some(r) = raw.get_mut(t % g) {
                *r += tree.predict(row);
            }
        }
        raw
    }

    /// The compiled flat layout used for scoring (cheap to clone out for a hot loop).
    pub fn compile(&self) -> CompiledGbdt {
        self.compiled.clone()
    }

    /// The compiled layout, borrowed.
    pub fn compiled(&self) -> &CompiledGbdt {
        &self.compiled
    }

    /// Number of trees (rounds × trees per round).
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Trees per round: 1 for a binary model, the class count for softmax.
    pub fn groups(&self) -> usize {
        self.loss.groups()
    }

    /// Depth of the deepest tree.
    pub fn max_depth(&self) -> usize {
        self.trees.iter().map(Tree::depth).max().unwrap_or(0)
    }

    /// Per-feature importance, in schema order.
    pub fn feature_importance(&self, kind: Importance) -> Vec<f64> {
        let mut out = vec![0.0; self.schema.len()];
        for n in self.trees.iter().flat_map(|t| &t.nodes) {
            if n.is_leaf() {
                continue;
            }
            if let Some(o) = out.get_mut(n.feature as usize) {
                *o += match kind {
                    Importance::Splits => 1.0,
                    _ => n.gain,
                };
            }
        }
        out
    }

    /// TreeSHAP contributions (exact, path-dependent) of each feature to group `k`'s raw
    /// score for one row, in schema order, and the base value: `base + Σ = raw` up to float
    /// rounding.
    pub fn contributions(
        &self,
        row: ArrayView1<'_, f64>,
        k: usize,
    ) -> Result<(f64, Vec<f64>), CoreError> {
        require_width(self.schema.len(), row.len())?;
        let g = self.groups();
        if k >= g {
            return Err(CoreError::InvalidParameter {
                name: "k",
                reason: format!("group {k} is not below {g}"),
            });
        }
        let row: Vec<f64> = row.iter().copied().collect();
        let mut phi = vec![0.0; row.len()];
        let base = self.shap_base.get(k).copied().unwrap_or(0.0);
        let mut buf = Vec::new();
        for tree in self.trees.iter().skip(k).step_by(g) {
            shap::tree_shap(tree, &row, &mut phi, &mut buf);
        }
        Ok((base, phi))
    }

    /// Probabilities from raw scores (one row of `groups` values).
    pub(crate) fn proba_from_raw(&self, raw: &[f64], out: &mut [f64]) {
        match self.loss {
            Loss::Binary => {
                let p = sigmoid(raw.first().copied().unwrap_or(0.0));
                if let [a, b, ..] = out {
                    *a = p;
                    *b = 1.0 - p;
                }
            }
            Loss::Softmax(_) => softmax(raw, out),
        }
    }
}

impl Scorer for Gbdt {
    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        let raw = self.predict_raw(x)?;
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        let mut r = vec![0.0; self.groups()];
        let mut p = vec![0.0; self.n_classes];
        for (rr, mut o) in raw.rows().into_iter().zip(out.rows_mut()) {
            r.iter_mut().zip(rr.iter()).for_each(|(d, s)| *d = *s);
            self.proba_from_raw(&r, &mut p);
            o.iter_mut().zip(&p).for_each(|(d, s)| *d = *s);
        }
        Ok(out)
    }

    fn explain(&self, row: ArrayView1<'_, f64>) -> Option<Explanation> {
        let (base, phi) = self.contributions(row, 0).ok()?;
        let raw = self
            .predict_raw(row.insert_axis(ndarray::Axis(0)))
            .ok()?
            .get([0, 0])
            .copied()?;
        Some(Explanation::from_features(
            base,
            raw,
            self.schema.names(),
            &phi,
        ))
    }
}

//! The model behind a pipeline: the native GBDT or the linfa-trees baseline.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};
use vigil_core::{CoreError, Explanation, FeatureSchema, Fit, LabeledData, Scorer};

use crate::error::TriageError;
use crate::gbdt::{Gbdt, GbdtParams, Importance};
use crate::tree::{TreeModel, TreeParams};

/// Which model a pipeline fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Vigil's native histogram gradient-boosted trees.
    #[default]
    Gbdt,
    /// The linfa-trees decision tree.
    Tree,
}

impl std::str::FromStr for ModelKind {
    type Err = TriageError;
    fn from_str(s: &str) -> Result<Self, TriageError> {
        match s {
            "gbdt" => Ok(Self::Gbdt),
            "tree" => Ok(Self::Tree),
            _ => Err(TriageError::InvalidParameter {
                name: "model",
                reason: format!("expected gbdt or tree, found {s:?}"),
            }),
        }
    }
}

/// Hyperparameters of either model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Which model.
    pub kind: ModelKind,
    /// GBDT hyperparameters (used when `kind` is `Gbdt`).
    pub gbdt: GbdtParams,
    /// Tree hyperparameters (used when `kind` is `Tree`).
    pub tree: TreeParams,
}

impl ModelParams {
    /// Defaults for a model kind, tuned for GUIDE-sized data (thousands of rows): a slow,
    /// shallow, subsampled ensemble, or a depth-8 tree.
    pub fn new(kind: ModelKind, seed: u64) -> Self {
        Self {
            kind,
            gbdt: GbdtParams::new()
                .n_trees(300)
                .learning_rate(0.03)
                .max_leaves(15)
                .min_data_in_leaf(20)
                .subsample(0.8)
                .colsample(0.8)
                .seed(seed),
            tree: TreeParams::default(),
        }
    }
}

impl Fit<LabeledData> for ModelParams {
    type Fitted = AnyModel;
    type Error = TriageError;

    fn fit(&self, data: &LabeledData) -> Result<AnyModel, TriageError> {
        Ok(match self.kind {
            ModelKind::Gbdt => AnyModel::Gbdt(self.gbdt.fit(data)?),
            ModelKind::Tree => AnyModel::Tree(self.tree.fit(data)?),
        })
    }
}

/// A fitted model of either kind.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyModel {
    /// Native GBDT.
    Gbdt(Gbdt),
    /// linfa-trees decision tree.
    Tree(TreeModel),
}

impl AnyModel {
    /// Which kind it is.
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Gbdt(_) => ModelKind::Gbdt,
            Self::Tree(_) => ModelKind::Tree,
        }
    }

    /// Importance per feature in schema order, normalised to sum to 1 (total gain for the
    /// GBDT, impurity decrease for the tree).
    pub fn importance(&self) -> Vec<f64> {
        let v = match self {
            Self::Gbdt(g) => g.feature_importance(Importance::Gain),
            Self::Tree(t) => t.feature_importance().to_vec(),
        };
        let s: f64 = v.iter().sum();
        if s > 0.0 {
            v.iter().map(|x| x / s).collect()
        } else {
            v
        }
    }
}

impl Scorer for AnyModel {
    fn schema(&self) -> &FeatureSchema {
        match self {
            Self::Gbdt(m) => m.schema(),
            Self::Tree(m) => m.schema(),
        }
    }
    fn n_classes(&self) -> usize {
        match self {
            Self::Gbdt(m) => m.n_classes(),
            Self::Tree(m) => m.n_classes(),
        }
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, CoreError> {
        match self {
            Self::Gbdt(m) => m.predict_proba(x),
            Self::Tree(m) => m.predict_proba(x),
        }
    }
    fn explain(&self, row: ArrayView1<'_, f64>) -> Option<Explanation> {
        match self {
            Self::Gbdt(m) => m.explain(row),
            Self::Tree(m) => m.explain(row),
        }
    }
}

//! Hyperparameters (the linfa pattern): [`GbdtParams`] is the builder, [`GbdtValidParams`] the
//! checked form that fitting takes.

use serde::{Deserialize, Serialize};
use vigil_core::{CoreError, Fit, LabeledData, ParamGuard};

use super::Gbdt;
use crate::error::TriageError;

/// The loss the ensemble minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Objective {
    /// Binary log-loss when the data has two classes, softmax otherwise.
    #[default]
    Auto,
    /// Binary log-loss of the threat class (class 0) against every other class; the model
    /// predicts two columns, `[p(threat), 1 - p(threat)]`.
    Binary,
    /// Multiclass softmax: one tree per class per round.
    Softmax,
}

/// How trees grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Growth {
    /// Best-first (LightGBM's leaf-wise): always split the leaf with the largest gain, until
    /// `max_leaves` leaves or no split gains.
    #[default]
    LeafWise,
    /// Level by level (XGBoost's depth-wise), each level's leaves in order.
    DepthWise,
    /// Oblivious (CatBoost's symmetric trees): one split per level shared by every node of
    /// the level, `max_depth` levels (6 when unset, and no more than `max_leaves` allows).
    /// Compiles into the fastest inference layout: a row's leaf is `depth` comparisons.
    Oblivious,
}

impl std::str::FromStr for Growth {
    type Err = TriageError;
    /// `leaf-wise`, `depth-wise` or `oblivious`.
    fn from_str(s: &str) -> Result<Self, TriageError> {
        match s {
            "leaf-wise" => Ok(Self::LeafWise),
            "depth-wise" => Ok(Self::DepthWise),
            "oblivious" => Ok(Self::Oblivious),
            _ => Err(TriageError::InvalidParameter {
                name: "growth",
                reason: format!("expected leaf-wise, depth-wise or oblivious, found {s:?}"),
            }),
        }
    }
}

/// Checked hyperparameters of a gradient-boosted tree ensemble; build them with
/// [`GbdtParams`] and [`ParamGuard::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtValidParams {
    pub(crate) objective: Objective,
    pub(crate) growth: Growth,
    pub(crate) n_trees: usize,
    pub(crate) learning_rate: f64,
    pub(crate) max_depth: Option<usize>,
    pub(crate) max_leaves: usize,
    pub(crate) lambda: f64,
    pub(crate) min_child_weight: f64,
    pub(crate) min_data_in_leaf: usize,
    pub(crate) min_split_gain: f64,
    pub(crate) subsample: f64,
    pub(crate) colsample: f64,
    pub(crate) max_bins: usize,
    pub(crate) early_stopping_rounds: Option<usize>,
    pub(crate) seed: u64,
    pub(crate) class_weights: Option<Vec<f64>>,
}

impl GbdtValidParams {
    /// The objective.
    pub fn objective(&self) -> Objective {
        self.objective
    }
    /// The growth policy.
    pub fn growth(&self) -> Growth {
        self.growth
    }
    /// Boosting rounds (trees per class).
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }
    /// Shrinkage applied to every leaf value.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// Depth limit, when any.
    pub fn max_depth(&self) -> Option<usize> {
        self.max_depth
    }
    /// Leaf limit per tree.
    pub fn max_leaves(&self) -> usize {
        self.max_leaves
    }
    /// L2 regularisation on leaf values.
    pub fn lambda(&self) -> f64 {
        self.lambda
    }
    /// Minimum hessian sum in a child.
    pub fn min_child_weight(&self) -> f64 {
        self.min_child_weight
    }
    /// Minimum rows in a child.
    pub fn min_data_in_leaf(&self) -> usize {
        self.min_data_in_leaf
    }
    /// Minimum gain for a split to be made.
    pub fn min_split_gain(&self) -> f64 {
        self.min_split_gain
    }
    /// Share of rows sampled per tree.
    pub fn subsample(&self) -> f64 {
        self.subsample
    }
    /// Share of features sampled per tree.
    pub fn colsample(&self) -> f64 {
        self.colsample
    }
    /// Value bins per feature (the missing-value bin is extra).
    pub fn max_bins(&self) -> usize {
        self.max_bins
    }
    /// Rounds without validation improvement before stopping.
    pub fn early_stopping_rounds(&self) -> Option<usize> {
        self.early_stopping_rounds
    }
    /// Seed of row and feature sampling.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Per-class weights, when any.
    pub fn class_weights(&self) -> Option<&[f64]> {
        self.class_weights.as_deref()
    }
}

/// Hyperparameters of a gradient-boosted tree ensemble (a builder; defaults follow LightGBM
/// where it has one).
///
/// ```
/// use vigil_core::{Fit, FeatureSchema, LabeledData};
/// use vigil_triage::gbdt::GbdtParams;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) % 17) as f64);
/// let y: Array1<usize> = x.rows().into_iter().map(|r| usize::from(r[0] + r[1] < 16.0)).collect();
/// let data = LabeledData::new(x, y, 2, FeatureSchema::new(["a", "b"])).unwrap();
/// let model = GbdtParams::new().n_trees(20).min_data_in_leaf(5).fit(&data).unwrap();
/// use vigil_core::Scorer;
/// let p = model.predict_proba(data.features.view()).unwrap();
/// assert!((p[[0, 0]] + p[[0, 1]] - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtParams(GbdtValidParams);

impl Default for GbdtParams {
    fn default() -> Self {
        Self::new()
    }
}

impl GbdtParams {
    /// Defaults: 100 rounds, learning rate 0.1, 31 leaves, no depth limit, λ = 1,
    /// min child weight 1e-3, 20 rows per leaf, no subsampling, 255 bins, seed 0.
    pub fn new() -> Self {
        Self(GbdtValidParams {
            objective: Objective::Auto,
            growth: Growth::LeafWise,
            n_trees: 100,
            learning_rate: 0.1,
            max_depth: None,
            max_leaves: 31,
            lambda: 1.0,
            min_child_weight: 1e-3,
            min_data_in_leaf: 20,
            min_split_gain: 0.0,
            subsample: 1.0,
            colsample: 1.0,
            max_bins: 255,
            early_stopping_rounds: None,
            seed: 0,
            class_weights: None,
        })
    }

    /// Sets the objective.
    pub fn objective(mut self, v: Objective) -> Self {
        self.0.objective = v;
        self
    }
    /// Sets the growth policy.
    pub fn growth(mut self, v: Growth) -> Self {
        self.0.growth = v;
        self
    }
    /// Sets the number of boosting rounds (≥ 1).
    pub fn n_trees(mut self, v: usize) -> Self {
        self.0.n_trees = v;
        self
    }
    /// Sets the shrinkage, in `(0, 1]`.
    pub fn learning_rate(mut self, v: f64) -> Self {
        self.0.learning_rate = v;
        self
    }
    /// Sets a depth limit (1..=64), or none.
    pub fn max_depth(mut self, v: Option<usize>) -> Self {
        self.0.max_depth = v;
        self
    }
    /// Sets the leaf limit per tree (≥ 2).
    pub fn max_leaves(mut self, v: usize) -> Self {
        self.0.max_leaves = v;
        self
    }
    /// Sets the L2 regularisation (≥ 0).
    pub fn lambda(mut self, v: f64) -> Self {
        self.0.lambda = v;
        self
    }
    /// Sets the minimum hessian sum of a child (≥ 0).
    pub fn min_child_weight(mut self, v: f64) -> Self {
        self.0.min_child_weight = v;
        self
    }
    /// Sets the minimum rows in a child (≥ 1).
    pub fn min_data_in_leaf(mut self, v: usize) -> Self {
        self.0.min_data_in_leaf = v;
        self
    }
    /// Sets the minimum gain of a split (≥ 0).
    pub fn min_split_gain(mut self, v: f64) -> Self {
        self.0.min_split_gain = v;
        self
    }
    /// Sets the share of rows sampled per tree, in `(0, 1]`.
    pub fn subsample(mut self, v: f64) -> Self {
        self.0.subsample = v;
        self
    }
    /// Sets the share of features sampled per tree, in `(0, 1]`.
    pub fn colsample(mut self, v: f64) -> Self {
        self.0.colsample = v;
        self
    }
    /// Sets the value bins per feature, in `2..=255`.
    pub fn max_bins(mut self, v: usize) -> Self {
        self.0.max_bins = v;
        self
    }
    /// Stops after this many rounds without improvement of the validation loss.
    pub fn early_stopping_rounds(mut self, v: Option<usize>) -> Self {
        self.0.early_stopping_rounds = v;
        self
    }
    /// Sets the seed of row and feature sampling.
    pub fn seed(mut self, v: u64) -> Self {
        self.0.seed = v;
        self
    }
    /// Sets a weight per class (finite, ≥ 0), multiplied into row weights.
    pub fn class_weights(mut self, v: Option<Vec<f64>>) -> Self {
        self.0.class_weights = v;
        self
    }
}

fn invalid(name: &'static str, reason: impl Into<String>) -> TriageError {
    TriageError::Core(CoreError::InvalidParameter {
        name,
        reason: reason.into(),
    })
}

impl ParamGuard for GbdtParams {
    type Checked = GbdtValidParams;
    type Error = TriageError;

    fn check_ref(&self) -> Result<&GbdtValidParams, TriageError> {
        let p = &self.0;
        if p.n_trees == 0 {
            return Err(invalid("n_trees", "must be at least 1"));
        }
        if !(p.learning_rate > 0.0 && p.learning_rate <= 1.0) {
            return Err(invalid(
                "learning_rate",
                format!("{} is not in (0, 1]", p.learning_rate),
            ));
        }
        if let Some(d) = p.max_depth
            && !(1..=64).contains(&d)
        {
            return Err(invalid("max_depth", format!("{d} is not in 1..=64")));
        }
        if p.max_leaves < 2 || p.max_leaves > 1 << 20 {
            return Err(invalid(
                "max_leaves",
                format!("{} is not in 2..=2^20", p.max_leaves),
            ));
        }
        for (name, v) in [
            ("lambda", p.lambda),
            ("min_child_weight", p.min_child_weight),
            ("min_split_gain", p.min_split_gain),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(name, format!("{v} is not finite and ≥ 0")));
            }
        }
        if p.min_data_in_leaf == 0 {
            return Err(invalid("min_data_in_leaf", "must be at least 1"));
        }
        for (name, v) in [("subsample", p.subsample), ("colsample", p.colsample)] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(invalid(name, format!("{v} is not in (0, 1]")));
            }
        }
        if !(2..=255).contains(&p.max_bins) {
            return Err(invalid(
                "max_bins",
                format!("{} is not in 2..=255", p.max_bins),
            ));
        }
        if p.early_stopping_rounds == Some(0) {
            return Err(invalid(
                "early_stopping_rounds",
                "must be at least 1 when set",
            ));
        }
        if let Some(w) = &p.class_weights
            && let Some(bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0))
        {
            return Err(invalid(
                "class_weights",
                format!("{bad} is not finite and ≥ 0"),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<GbdtValidParams, TriageError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl GbdtParams {
    /// Checks the parameters, then fits with optional early stopping on `valid`
    /// (see [`GbdtValidParams::fit_with_validation`]).
    pub fn fit_with_validation(
        &self,
        train: &LabeledData,
        valid: Option<&LabeledData>,
    ) -> Result<Gbdt, TriageError> {
        self.check_ref()?.fit_with_validation(train, valid)
    }
}

impl Fit<LabeledData> for GbdtParams {
    type Fitted = Gbdt;
    type Error = TriageError;

    fn fit(&self, data: &LabeledData) -> Result<Gbdt, TriageError> {
        self.check_ref()?.fit(data)
    }
}

impl Fit<LabeledData> for GbdtValidParams {
    type Fitted = Gbdt;
    type Error = TriageError;

    fn fit(&self, data: &LabeledData) -> Result<Gbdt, TriageError> {
        self.fit_with_validation(data, None)
    }
}

impl GbdtValidParams {
    /// Fits on `train`; with `valid` and `early_stopping_rounds`, stops once the validation
    /// loss has not improved for that many rounds and keeps the best round's trees.
    pub fn fit_with_validation(
        &self,
        train: &LabeledData,
        valid: Option<&LabeledData>,
    ) -> Result<Gbdt, TriageError> {
        super::train::train(self, train, valid)
    }
}

//! Hyperparameters, checked once, and fitting (the linfa pattern).
//!
//! A model's hyperparameters are a plain builder type; [`ParamGuard::check`] turns them into a
//! valid type once, so fitting never re-checks; [`Fit::fit`] turns checked parameters and data
//! into a fitted model, a separate type that predicts. The parameters are never mutated by
//! fitting, so one set can fit many models (cross-validation, retraining).

/// Checks hyperparameters into a type that is valid by construction.
pub trait ParamGuard {
    /// The checked parameters.
    type Checked;
    /// Why the parameters are invalid.
    type Error;

    /// Checks by reference.
    fn check_ref(&self) -> Result<&Self::Checked, Self::Error>;

    /// Checks, consuming the parameters.
    fn check(self) -> Result<Self::Checked, Self::Error>;
}

/// Fits a model to data.
///
/// ```
/// use vigil_core::Fit;
/// struct MeanParams;
/// struct Mean(f64);
/// impl Fit<[f64]> for MeanParams {
///     type Fitted = Mean;
///     type Error = vigil_core::CoreError;
///     fn fit(&self, data: &[f64]) -> Result<Mean, Self::Error> {
///         if data.is_empty() {
///             return Err(vigil_core::CoreError::InvalidData { reason: "empty".into() });
///         }
///         Ok(Mean(data.iter().sum::<f64>() / data.len() as f64))
///     }
/// }
/// assert_eq!(MeanParams.fit(&[1.0, 3.0]).unwrap().0, 2.0);
/// ```
pub trait Fit<D: ?Sized> {
    /// The fitted model.
    type Fitted;
    /// Why fitting failed.
    type Error;

    /// Fits a new model; `self` is unchanged.
    fn fit(&self, data: &D) -> Result<Self::Fitted, Self::Error>;
}

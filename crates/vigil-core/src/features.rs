//! Named feature vectors: the schema, extraction, and labelled training data.

use std::hash::{Hash, Hasher};

use ndarray::{Array1, Array2, ArrayViewMut1};
use serde::{Deserialize, Serialize};

use crate::{Alert, CoreError};

/// The ordered names of a feature vector, with a fingerprint so a model can refuse data built
/// for another schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSchema {
    names: Vec<String>,
}

impl FeatureSchema {
    /// A schema from feature names, in column order.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            names: names.into_iter().map(Into::into).collect(),
        }
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no features.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Column index of a feature.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A stable 64-bit fingerprint of the names and their order (FNV-1a, so it is the same on
    /// every platform and release).
    ///
    /// ```
    /// # use vigil_core::FeatureSchema;
    /// let a = FeatureSchema::new(["x", "y"]);
    /// assert_eq!(a.fingerprint(), FeatureSchema::new(["x", "y"]).fingerprint());
    /// assert_ne!(a.fingerprint(), FeatureSchema::new(["y", "x"]).fingerprint());
    /// ```
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::default();
        for n in &self.names {
            h.write(n.as_bytes());
            h.write_u8(0xff);
        }
        h.finish()
    }

    /// Errors unless `other` is this same schema.
    pub fn ensure_same(&self, other: &FeatureSchema) -> Result<(), CoreError> {
        if self == other {
            Ok(())
        } else {
            Err(CoreError::SchemaMismatch {
                expected: self.fingerprint(),
                found: other.fingerprint(),
            })
        }
    }
}

impl Hash for FeatureSchema {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.names.hash(state);
    }
}

/// FNV-1a 64: a fixed, seedless hash for fingerprints that must never change.
#[derive(Debug)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Turns an alert into a named numeric feature vector.
///
/// Extractors that learn encodings (frequencies, target rates) are fitted first through
/// [`crate::Fit`]; the fitted extractor implements this trait. Extraction must be
/// deterministic and must cope with values never seen in fitting (new organisations, new
/// detectors) without failing.
pub trait FeatureExtractor: Send + Sync {
    /// The names of the columns this extractor writes.
    fn schema(&self) -> &FeatureSchema;

    /// Writes one alert's features into `out`, whose length is `schema().len()`.
    fn extract_into(&self, alert: &Alert, out: ArrayViewMut1<'_, f64>) -> Result<(), CoreError>;

    /// One alert's features as a new vector.
    fn extract(&self, alert: &Alert) -> Result<Array1<f64>, CoreError> {
        let mut v = Array1::zeros(self.schema().len());
        self.extract_into(alert, v.view_mut())?;
        Ok(v)
    }

    /// A matrix with one row per alert.
    fn extract_batch(&self, alerts: &[Alert]) -> Result<Array2<f64>, CoreError> {
        let mut m = Array2::zeros((alerts.len(), self.schema().len()));
        for (alert, row) in alerts.iter().zip(m.rows_mut()) {
            self.extract_into(alert, row)?;
        }
        Ok(m)
    }
}

impl<T: FeatureExtractor + ?Sized> FeatureExtractor for Box<T> {
    fn schema(&self) -> &FeatureSchema {
        (**self).schema()
    }
    fn extract_into(&self, alert: &Alert, out: ArrayViewMut1<'_, f64>) -> Result<(), CoreError> {
        (**self).extract_into(alert, out)
    }
}

impl<T: FeatureExtractor + ?Sized> FeatureExtractor for std::sync::Arc<T> {
    fn schema(&self) -> &FeatureSchema {
        (**self).schema()
    }
    fn extract_into(&self, alert: &Alert, out: ArrayViewMut1<'_, f64>) -> Result<(), CoreError> {
        (**self).extract_into(alert, out)
    }
}

/// A labelled feature matrix: what a scorer is fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledData {
    /// One row per sample, one column per feature of `schema`.
    pub features: Array2<f64>,
    /// Class index per row, in `0..n_classes`.
    pub targets: Array1<usize>,
    /// Number of classes (2 for threat vs not, 3 for TP/BP/FP).
    pub n_classes: usize,
    /// Optional per-row weights (all 1 when absent).
    pub weights: Option<Array1<f64>>,
    /// Column names.
    pub schema: FeatureSchema,
}

impl LabeledData {
    /// Builds and validates: widths match the schema, lengths agree, targets are in range,
    /// features and weights are not NaN.
    pub fn new(
        features: Array2<f64>,
        targets: Array1<usize>,
        n_classes: usize,
        schema: FeatureSchema,
    ) -> Result<Self, CoreError> {
        if features.ncols() != schema.len() {
            return Err(CoreError::FeatureCount {
                expected: schema.len(),
                found: features.ncols(),
            });
        }
        if features.nrows() != targets.len() {
            return Err(CoreError::InvalidData {
                reason: format!(
                    "{} feature rows but {} targets",
                    features.nrows(),
                    targets.len()
                ),
            });
        }
        if n_classes < 2 {
            return Err(CoreError::InvalidData {
                reason: format!("need at least 2 classes, got {n_classes}"),
            });
        }
        if let Some((i, &t)) = targets.iter().enumerate().find(|(_, t)| **t >= n_classes) {
            return Err(CoreError::InvalidData {
                reason: format!("row {i}: target {t} is not below n_classes {n_classes}"),
            });
        }
        if let Some(((r, c), v)) = features.indexed_iter().find(|(_, v)| v.is_nan()) {
            return Err(CoreError::NonFinite {
                field: format!("row {r}, feature {}", schema.names()[c]),
                value: *v,
            });
        }
        Ok(Self {
            features,
            targets,
            n_classes,
            weights: None,
            schema,
        })
    }

    /// Adds per-row weights (one per row, finite and non-negative).
    pub fn with_weights(mut self, weights: Array1<f64>) -> Result<Self, CoreError> {
        if weights.len() != self.targets.len() {
            return Err(CoreError::InvalidData {
                reason: format!("{} weights for {} rows", weights.len(), self.targets.len()),
            });
        }
        if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
            return Err(CoreError::NonFinite {
                field: "weight".into(),
                value: *w,
            });
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// A new data set of the rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Self {
        Self {
            features: self.features.select(ndarray::Axis(0), idx),
            targets: idx.iter().map(|&i| self.targets[i]).collect(),
            n_classes: self.n_classes,
            weights: self
                .weights
                .as_ref()
                .map(|w| idx.iter().map(|&i| w[i]).collect()),
            schema: self.schema.clone(),
        }
    }
}

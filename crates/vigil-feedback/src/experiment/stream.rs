//! A labelled, time-ordered alert stream with its feature rows.

use ndarray::{Array2, Axis};
use vigil_core::{Alert, FeatureExtractor, FeatureSchema};

use crate::FeedbackError;

/// One network's alerts in time order, with one feature row per alert.
///
/// Alerts carry their ground truth ([`Alert::truth`]): `malicious` marks an attack alert,
/// `phase` the attack phase whose window holds it (`None` outside every phase).
#[derive(Debug, Clone)]
pub struct Stream {
    /// Network name.
    pub name: String,
    /// Alerts, in time order.
    pub alerts: Vec<Alert>,
    /// One row per alert.
    pub features: Array2<f64>,
    /// Column names.
    pub schema: FeatureSchema,
}

impl Stream {
    /// A stream from alerts and their feature rows (same order); both are sorted by time
    /// (stably, so equal times keep their order).
    pub fn new(
        name: impl Into<String>,
        alerts: Vec<Alert>,
        features: Array2<f64>,
        schema: FeatureSchema,
    ) -> Result<Self, FeedbackError> {
        let name = name.into();
        if features.nrows() != alerts.len() || features.ncols() != schema.len() {
            return Err(FeedbackError::InvalidData {
                reason: format!(
                    "stream {name}: {} alerts but a {}x{} feature matrix for {} features",
                    alerts.len(),
                    features.nrows(),
                    features.ncols(),
                    schema.len()
                ),
            });
        }
        let mut order: Vec<usize> = (0..alerts.len()).collect();
        order.sort_by_key(|&i| alerts.get(i).map(|a| a.time));
        let sorted = order.windows(2).all(|w| w[0] < w[1]);
        let (alerts, features) = if sorted {
            (alerts, features)
        } else {
            let mut slots: Vec<Option<Alert>> = alerts.into_iter().map(Some).collect();
            let a = order
                .iter()
                .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
                .collect();
            (a, features.select(Axis(0), &order))
        };
        Ok(Self {
            name,
            alerts,
            features,
            schema,
        })
    }

    /// A stream whose features come from an extractor. The alerts are sorted by time first,
    /// then extracted as one batch, so stream-aware extractors see them in order.
    pub fn from_extractor<X: FeatureExtractor + ?Sized>(
        name: impl Into<String>,
        mut alerts: Vec<Alert>,
        extractor: &X,
    ) -> Result<Self, FeedbackError> {
        alerts.sort_by_key(|a| a.time);
        let features = extractor.extract_batch(&alerts)?;
        Self::new(name, alerts, features, extractor.schema().clone())
    }

    /// Number of alerts.
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    /// True when the stream has no alerts.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }
}

/// True when the alert is an attack alert.
pub(crate) fn is_attack(a: &Alert) -> bool {
    a.truth.as_ref().is_some_and(|t| t.malicious)
}

/// The attack phase of an attack alert, if it lies in one.
pub(crate) fn phase_of(a: &Alert) -> Option<&str> {
    a.truth
        .as_ref()
        .filter(|t| t.malicious)
        .and_then(|t| t.phase.as_deref())
}

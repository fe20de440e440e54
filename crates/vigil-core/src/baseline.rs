//! The baselining trait: observe an entity's behaviour, score how far an event departs from it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Deviations, EntityKind, MeasureName};

/// One event seen for one entity, borrowed so that observing allocates nothing.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// The entity's identifier (user name, host name, IP).
    pub entity: &'a str,
    /// What kind of entity it is.
    pub kind: EntityKind,
    /// Peer group whose baseline a new entity borrows until it has history of its own.
    pub peer_group: Option<&'a str>,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// Categorical attributes as `(dimension, value)`, e.g. `("alert_type", "W-Sys-Cav")`,
    /// `("country", "AT")`: scored for novelty and rarity.
    pub categories: &'a [(&'a str, &'a str)],
    /// Numeric measures as `(name, value)`, e.g. `("bytes_out", 5120.0)`: scored against
    /// their running mean and variance. Must be finite.
    pub measures: &'a [(&'a str, f64)],
}

impl<'a> Observation<'a> {
    /// An observation with no categories or measures: only its occurrence (rate) is scored.
    pub fn occurrence(entity: &'a str, kind: EntityKind, time: DateTime<Utc>) -> Self {
        Self {
            entity,
            kind,
            peer_group: None,
            time,
            categories: &[],
            measures: &[],
        }
    }
}

/// One measure that departed from what was expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deviation {
    /// Which measure: a numeric measure's name, `rate`, `hour_of_day`, or `dimension=value`
    /// for a category. A [`MeasureName`] rather than a `String` so that reporting a fixed or
    /// registered name does not allocate; it serializes as the same string.
    pub measure: MeasureName,
    /// What the baseline expected (mean, expected count, or expected frequency).
    pub expected: f64,
    /// What was observed.
    pub observed: f64,
    /// Tail probability of an observation at least this extreme under the baseline, in `[0, 1]`.
    pub tail_probability: f64,
    /// Surprisal in bits, `-log2(tail_probability)`.
    pub surprisal: f64,
}

/// How anomalous an observation was, with the measures that made it so.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnomalyScore {
    /// Combined surprisal in bits (0 = entirely expected). Finite for finite input.
    pub surprisal: f64,
    /// Combined tail probability in `[0, 1]`.
    pub tail_probability: f64,
    /// The measures that deviated, most surprising first (empty when nothing did). A list
    /// that holds up to two inline, so reporting one or two does not allocate.
    pub deviations: Deviations,
}

impl AnomalyScore {
    /// An observation that was entirely expected.
    pub fn normal() -> Self {
        Self {
            surprisal: 0.0,
            tail_probability: 1.0,
            deviations: Deviations::new(),
        }
    }
}

/// A streaming per-entity baseline.
///
/// [`Baseline::observe`] scores an observation against what was learned *before* it, then
/// learns from it, so a stream can be scored in one pass.
pub trait Baseline: Send {
    /// Scores against the current baseline, then updates it.
    fn observe(&mut self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError>;

    /// Scores without learning.
    fn score(&self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError>;

    /// Number of entities currently profiled.
    fn entities(&self) -> usize;

    /// Bytes of state held, as accounted by the implementation.
    fn memory_bytes(&self) -> usize;
}

impl<T: Baseline + ?Sized> Baseline for Box<T> {
    fn observe(&mut self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        (**self).observe(obs)
    }
    fn score(&self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        (**self).score(obs)
    }
    fn entities(&self) -> usize {
        (**self).entities()
    }
    fn memory_bytes(&self) -> usize {
        (**self).memory_bytes()
    }
}

/// `None` is a baseline that finds everything normal, so an optional baseline composes.
impl<T: Baseline> Baseline for Option<T> {
    fn observe(&mut self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        match self {
            Some(b) => b.observe(obs),
            None => Ok(AnomalyScore::normal()),
        }
    }
    fn score(&self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        match self {
            Some(b) => b.score(obs),
            None => Ok(AnomalyScore::normal()),
        }
    }
    fn entities(&self) -> usize {
        self.as_ref().map_or(0, Baseline::entities)
    }
    fn memory_bytes(&self) -> usize {
        self.as_ref().map_or(0, Baseline::memory_bytes)
    }
}

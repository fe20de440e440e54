//! Observing a batch: the same sequential semantics as one call per observation, with the
//! memory latency of many profiles overlapped.

use vigil_core::{AnomalyScore, Observation};

use crate::{BaselineError, EntityBaselines};

/// Observations whose profiles are located and loaded together.
const CHUNK: usize = 16;

impl EntityBaselines {
    /// Scores, then learns, each observation of `batch` in order, appending one score per
    /// observation to `out`: exactly what calling
    /// [`observe_observation`](Self::observe_observation) on each in turn returns (an entity
    /// repeated within the batch is scored against everything before it, including its own
    /// earlier events in the batch).
    ///
    /// Faster when profiles are not in cache: for every 16 observations it first hashes all
    /// entity keys, then looks them all up, then loads every cache line of every profile
    /// found, with independent loads, so that their cache misses overlap instead of being
    /// taken one event at a time; only then does it score and learn, in order. (Peer-group
    /// profiles are not preloaded: there are few of them, so they are usually cached, and
    /// finding them would hash every group name twice.)
    ///
    /// On an error (a non-finite measure, too many names) it stops: `out` holds the scores
    /// of the observations before the failing one, which were learned; the failing one and
    /// those after it were not.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use vigil_baseline::{EntityBaselines, ProfileParams};
    /// use vigil_core::{EntityKind, Observation, ParamGuard};
    ///
    /// let mut model = EntityBaselines::new(ProfileParams::default().check()?);
    /// let t = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap();
    /// let batch: Vec<Observation> = ["web-1", "web-2", "web-1"]
    ///     .into_iter()
    ///     .map(|host| Observation::occurrence(host, EntityKind::Host, t))
    ///     .collect();
    /// let mut scores = Vec::new();
    /// model.observe_batch(&batch, &mut scores)?;
    /// assert_eq!(scores.len(), 3);
    /// assert_eq!(model.profile(EntityKind::Host, "web-1").unwrap().events, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observe_batch(
        &mut self,
        batch: &[Observation<'_>],
        out: &mut Vec<AnomalyScore>,
    ) -> Result<(), BaselineError> {
        out.reserve(batch.len());
        for chunk in batch.chunks(CHUNK) {
            let mut keys = [0u64; CHUNK];
            for (k, obs) in keys.iter_mut().zip(chunk) {
                *k = self.entity_key(obs.kind, obs.entity);
            }
            let mut slots = [None; CHUNK];
            for (s, k) in slots.iter_mut().zip(&keys) {
                *s = self.entities.find(*k);
            }
            for i in slots.iter().flatten() {
                self.entities.touch(*i);
            }
            for ((obs, key), slot) in chunk.iter().zip(&keys).zip(&slots) {
                out.push(self.observe_keyed(obs, *key, *slot)?);
            }
        }
        Ok(())
    }
}

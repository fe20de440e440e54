//! Observing a batch: the same sequential semantics as one call per observation, with the
//! memory latency of many profiles, and the latency chains of many scores, overlapped.

use vigil_core::{AnomalyScore, Observation};

use crate::memo::Memo;
use crate::model::Tally;
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
    /// taken one event at a time; and it does so for the next 16 before scoring and learning
    /// these, in order, so the misses are outstanding while these compute. (Peer-group
    /// profiles are not preloaded: there are few of them, so they are usually cached, and
    /// finding them would hash every group name twice.) Faster in cache too: the last step of
    /// every score (Fisher's combination: logarithms, a series, an exponential, each waiting
    /// on the one before) depends on nothing but the observation's own components, so it runs
    /// for the 16 together, where those chains overlap.
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
        let tr = self.config.transform;
        // Software-pipelined: chunk i+1's keys are hashed, looked up and its rows loaded
        // before chunk i is scored, so that those misses (the rows, the index, the callers'
        // name bytes) are outstanding while chunk i computes instead of stalling at its start.
        let mut chunks = batch.chunks(CHUNK);
        let mut next = chunks.next().map(|c| (c, self.locate(c)));
        let mut memo = Memo::new();
        while let Some((chunk, (keys, slots))) = next {
            next = chunks.next().map(|c| (c, self.locate(c)));
            // The profiles, strictly in order; an error stops the chunk there.
            let mut tallies: [Tally; CHUNK] = std::array::from_fn(|_| Tally::new());
            let mut failed = None;
            let mut n = 0;
            for (((obs, key), slot), tally) in
                chunk.iter().zip(&keys).zip(&slots).zip(tallies.iter_mut())
            {
                match self.admit(obs, &mut memo) {
                    Ok(prep) => self.observe_prepared(obs, &prep, *key, *slot, tally),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
                n += 1;
            }
            // The scores depend on nothing else: Fisher's combination (two logarithms, a
            // series, a logarithm and an exponential, one after another) runs over the whole
            // chunk in one loop, so the chunk's chains overlap instead of each closing its own
            // observation.
            let mut combined = [(0.0, 1.0); CHUNK];
            for (c, tally) in combined.iter_mut().zip(tallies.iter()).take(n) {
                *c = tally.combined();
            }
            for ((tally, obs), c) in tallies.iter_mut().zip(chunk).zip(combined).take(n) {
                out.push(tally.score(obs, tr, c));
            }
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Hashes the entity keys of a chunk, looks them up and loads the rows found (the slots
    /// are hints, found by index tag without reading a row: a tag shared with another key,
    /// or an insert or eviction before they are used, is caught by `observe_prepared`'s key
    /// check).
    #[inline]
    fn locate(&self, chunk: &[Observation<'_>]) -> ([u64; CHUNK], [Option<usize>; CHUNK]) {
        let mut keys = [0u64; CHUNK];
        for (k, obs) in keys.iter_mut().zip(chunk) {
            *k = self.entity_key(obs.kind, obs.entity);
        }
        let mut slots = [None; CHUNK];
        for (s, k) in slots.iter_mut().zip(&keys) {
            *s = self.entities.find_hint(*k);
        }
        for i in slots.iter().flatten() {
            self.entities.touch(*i);
        }
        (keys, slots)
    }
}

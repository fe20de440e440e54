//! Observing a batch: the same sequential semantics as one call per observation, with the
//! memory latency of many profiles, and the latency chains of many scores, overlapped.

use vigil_core::{AnomalyScore, Observation};

use crate::dispatch::Wide;
use crate::index::NO_ROW;
use crate::memo::Memo;
use crate::model::{Prepared, Tally};
use crate::{BaselineError, EntityBaselines};

/// One `observe_batch` call, as work for [`crate::dispatch::wide`].
struct BatchCall<'m, 's, 'b, 'o> {
    model: &'m mut EntityBaselines,
    batch: &'s [Observation<'b>],
    out: &'o mut Vec<AnomalyScore>,
}

impl Wide for BatchCall<'_, '_, '_, '_> {
    type Output = Result<(), BaselineError>;

    #[inline(always)]
    fn run(self) -> Self::Output {
        self.model.observe_batch_plain(self.batch, self.out)
    }
}

/// Observations whose profiles are located and loaded together.
/// (Measured: 8 ran faster than 16 at 1k, 20k and 100k entities, 4 and 32 slower; fewer
/// lines are in flight at once and the chunk's tallies take half the stack.)
const CHUNK: usize = 8;

/// Chunk slots of the pipeline's ring (chunks c to c+2 have keys in flight).
const DEPTH: usize = 4;

/// Profile memory (rows and index) below which `observe_batch` does not prefetch: half a
/// core's L2 on the machines measured.
const NEAR_BYTES: usize = 512 * 1024;

impl EntityBaselines {
    /// Scores, then learns, each observation of `batch` in order, appending one score per
    /// observation to `out`: exactly what calling
    /// [`observe_observation`](Self::observe_observation) on each in turn returns (an entity
    /// repeated within the batch is scored against everything before it, including its own
    /// earlier events in the batch).
    ///
    /// Faster when profiles are not in cache: it works in chunks of 8 observations, and
    /// while one chunk is scored and learned, in order, the memory the next three need is
    /// on its way by prefetches that do not wait: the profile rows of the next chunk (looked
    /// up in the index one chunk ahead), the index entries of the one after (their keys
    /// hashed now) and the entity names of the third. So their cache misses overlap the
    /// scoring instead of being taken one event at a time. (Peer-group
    /// profiles are not preloaded: there are few of them, so they are usually cached, and
    /// finding them would hash every group name twice.) Faster in cache too: the last step of
    /// every score (Fisher's combination: logarithms, a series, an exponential, each waiting
    /// on the one before) depends on nothing but the observation's own components, so it runs
    /// for the 8 together, where those chains overlap. On x86-64 CPUs with AVX2 and FMA the
    /// whole loop runs as code compiled for them, chosen at run time; the results are the
    /// same bits either way.
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
        crate::dispatch::wide(BatchCall {
            model: self,
            batch,
            out,
        })
    }

    /// [`observe_batch`](Self::observe_batch) compiled for the baseline target only (what
    /// the dispatched copy must match bit for bit). Everything it calls on the hot path is
    /// `#[inline(always)]`, so the dispatched copy recompiles all of it.
    #[inline(always)]
    pub(crate) fn observe_batch_plain(
        &mut self,
        batch: &[Observation<'_>],
        out: &mut Vec<AnomalyScore>,
    ) -> Result<(), BaselineError> {
        out.reserve(batch.len());
        let tr = self.config.transform;
        // A pipeline over chunks of 8. While chunk c is scored, the rows of chunk c+1 (found
        // in the index one chunk ago), the index entries of chunk c+2 (hashed now, from names
        // prefetched one chunk ago) and the name bytes of chunk c+3 are on their way, by
        // prefetches that do not wait: each miss overlaps a whole chunk of scoring.
        let chunk_at = |c: usize| {
            batch
                .get(c * CHUNK..batch.len().min(c * CHUNK + CHUNK))
                .filter(|s| !s.is_empty())
        };
        let ring = |c: usize| c % DEPTH;
        let mut keys = [[0u64; CHUNK]; DEPTH];
        // The keys' index tags, computed with the keys and used twice: by the index entries'
        // prefetch and, a chunk later, by the lookup.
        let mut tags = [[0u32; CHUNK]; DEPTH];
        let mut slots = [[NO_ROW; CHUNK]; DEPTH];
        // Profiles that fit in the core's own cache need no prefetching (it only costs
        // instructions there).
        let far = self.entities.memory_bytes() > NEAR_BYTES;
        // Filling the pipeline: there is no scoring yet to hide the misses behind, so every
        // request that does not wait on another goes out first, and the three dependent
        // steps (names, index entries, rows) each take one round of misses together instead
        // of one event at a time. Unprimed, the first two chunks of each call loaded their
        // profiles on demand: about 10 ns per event at 256 observations per call (1,024 per
        // call ran about that much faster).
        if far {
            for c in 0..3 {
                self.prefetch_names(chunk_at(c));
            }
        }
        for c in 0..2 {
            if let (Some(chunk), Some(k), Some(g)) = (chunk_at(c), keys.get_mut(c), tags.get_mut(c))
            {
                (*k, *g) = self.hash_keys(chunk);
                if far {
                    for tag in g.iter().take(chunk.len()) {
                        self.entities.prefetch_lookup(*tag);
                    }
                }
            }
        }
        if let (Some(g), Some(s)) = (tags.first(), slots.first_mut()) {
            *s = self.find_slots(g);
            if far {
                let n = chunk_at(0).map_or(0, <[_]>::len);
                self.entities.prefetch_rows(s.get(..n).unwrap_or_default());
            }
        }
        let mut memo = Memo::new();
        let mut prep = Prepared::empty();
        // One set of tallies for the call, emptied per chunk (building a fresh set per chunk
        // also wrote and dropped each one's vector of further components).
        let mut tallies: [Tally; CHUNK] = std::array::from_fn(|_| Tally::new());
        let mut c = 0;
        while let Some(chunk) = chunk_at(c) {
            if let (Some(next), Some(k), Some(g)) = (
                chunk_at(c + 2),
                keys.get_mut(ring(c + 2)),
                tags.get_mut(ring(c + 2)),
            ) {
                (*k, *g) = self.hash_keys(next);
                if far {
                    for tag in g.iter().take(next.len()) {
                        self.entities.prefetch_lookup(*tag);
                    }
                }
            }
            // (No closure here: one is compiled as a function of its own, outside the
            // dispatched code.)
            if let (Some(next), Some(g), Some(s)) = (
                chunk_at(c + 1),
                tags.get(ring(c + 1)),
                slots.get_mut(ring(c + 1)),
            ) {
                *s = self.find_slots(g);
                if far {
                    self.entities
                        .prefetch_rows(s.get(..next.len()).unwrap_or_default());
                }
            }
            if far {
                self.prefetch_names(chunk_at(c + 3));
            }
            let (Some(ck), Some(cs)) = (keys.get(ring(c)), slots.get(ring(c))) else {
                break;
            };
            // The profiles, strictly in order; an error stops the chunk there.
            for t in &mut tallies {
                t.reset();
            }
            let mut failed = None;
            let mut n = 0;
            for (((obs, key), slot), tally) in chunk.iter().zip(ck).zip(cs).zip(tallies.iter_mut())
            {
                match self.admit_names(obs, &mut memo) {
                    Ok(ids) => {
                        self.prepare_into(obs, ids, &mut memo, &mut prep);
                        let slot = (*slot != NO_ROW).then_some(*slot as usize);
                        self.observe_prepared(obs, &prep, *key, slot, tally);
                    }
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
            let (mut ln_sum, mut prod, mut den, mut k) =
                ([0.0; CHUNK], [1.0; CHUNK], [1.0; CHUNK], [0usize; CHUNK]);
            for ((((tally, l), p), d), k) in tallies
                .iter()
                .zip(&mut ln_sum)
                .zip(&mut prod)
                .zip(&mut den)
                .zip(&mut k)
            {
                (*l, *p, *d, *k) = tally.parts();
            }
            // Lanes past `n` hold an empty tally's parts (0 components: no score) and are not
            // used.
            let combined = crate::tail::fisher_combined_lanes(&ln_sum, &prod, &den, &k);
            for ((tally, obs), c) in tallies.iter_mut().zip(chunk).zip(combined).take(n) {
                tally.push_score(obs, &self.measures, tr, c, out);
            }
            if let Some(e) = failed {
                return Err(e);
            }
            c += 1;
        }
        Ok(())
    }

    /// The entity keys of a chunk and their index tags (hashing reads the callers' name
    /// bytes).
    #[inline(always)]
    fn hash_keys(&self, chunk: &[Observation<'_>]) -> ([u64; CHUNK], [u32; CHUNK]) {
        let mut keys = [0u64; CHUNK];
        let mut tags = [0u32; CHUNK];
        for ((k, g), obs) in keys.iter_mut().zip(&mut tags).zip(chunk) {
            *k = self.entity_key(obs.kind, obs.entity);
            *g = self.entities.tag(*k);
        }
        (keys, tags)
    }

    /// Slot hints for a chunk's keys, from their index tags: a tag match, found without
    /// reading a row (a tag shared with another key, or an insert or eviction before the hint
    /// is used, is caught by `observe_prepared`'s key check; keys past the chunk's end find
    /// nothing used), [`NO_ROW`] for none.
    #[inline(always)]
    fn find_slots(&self, tags: &[u32; CHUNK]) -> [u32; CHUNK] {
        let mut slots = [NO_ROW; CHUNK];
        for (s, g) in slots.iter_mut().zip(tags) {
            *s = self.entities.find_hint(*g);
        }
        slots
    }

    /// Starts loading the first bytes of a chunk's entity names.
    #[inline(always)]
    fn prefetch_names(&self, chunk: Option<&[Observation<'_>]>) {
        for obs in chunk.into_iter().flatten() {
            if let Some(b) = obs.entity.as_bytes().first() {
                crate::prefetch::prefetch(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, Utc};
    use vigil_core::{EntityKind, Observation, ParamGuard, SplitMix64};

    use crate::{EntityBaselines, ProfileParams};

    /// Observations whose names change within a batch (order swapped, one missing, more
    /// than a chunk prepares, equal text at another address, a name registered mid-batch)
    /// score and learn exactly as one call each: the batch's memo of the previous
    /// observation's names must never hand out another observation's slots.
    #[test]
    fn changing_names_within_a_batch_match_one_call_each() {
        let params = ProfileParams::default().max_measures(8).max_dimensions(2);
        let mut one = EntityBaselines::new(params.clone().check().unwrap());
        let mut many = EntityBaselines::new(params.check().unwrap());
        let late = String::from("count");
        let shapes: [&[(&str, f64)]; 6] = [
            &[("bytes", 1.0), ("count", 2.0)],
            &[("count", 2.0), ("bytes", 1.0)],
            &[("bytes", 1.0)],
            &[("bytes", 1.0), (late.as_str(), 2.0)],
            &[
                ("a", 1.0),
                ("b", 2.0),
                ("c", 3.0),
                ("d", 4.0),
                ("bytes", 5.0),
            ],
            &[("bytes", 1.0), ("count", 2.0), ("ms", 3.0)],
        ];
        let cats: [&[(&str, &str)]; 3] = [&[("kind", "x")], &[], &[("user", "u"), ("kind", "y")]];
        let mut rng = SplitMix64::new(11);
        let mut arrays = Vec::new();
        for i in 0..600i64 {
            let s = rng.below(6) as usize;
            let scale = (rng.normal() * 2.0).exp();
            let ms: Vec<(&str, f64)> = shapes[s].iter().map(|(n, v)| (*n, v * scale)).collect();
            arrays.push((ms, cats[rng.below(3) as usize], i * 600, rng.below(7)));
        }
        let names: Vec<String> = (0..7).map(|i| format!("h{i}")).collect();
        let batch: Vec<Observation<'_>> = arrays
            .iter()
            .map(|(ms, cs, t, e)| Observation {
                categories: cs,
                measures: ms,
                ..Observation::occurrence(
                    &names[*e as usize],
                    EntityKind::Host,
                    DateTime::<Utc>::from_timestamp(1_700_000_000 + t, 0).unwrap(),
                )
            })
            .collect();
        let singles: Vec<_> = batch
            .iter()
            .map(|o| one.observe_observation(o).unwrap())
            .collect();
        let mut scores = Vec::new();
        for part in batch.chunks(100) {
            many.observe_batch(part, &mut scores).unwrap();
        }
        assert_eq!(singles, scores);
        assert_eq!(one.snapshot(), many.snapshot());
    }

    /// The dispatched batch path (x86-64-v3 code where the CPU has it) against the path
    /// compiled for the baseline target: the same scores and byte-equal snapshots, over
    /// events that reach every branch the workload can (late events, bursts, peer groups,
    /// evictions, extreme and tiny measures, unseen names).
    #[test]
    fn dispatched_batch_equals_plain_batch_bit_for_bit() {
        #[cfg(target_arch = "x86_64")]
        if pulp::x86::V3::try_new().is_none() {
            println!(
                "skipping the comparison's point: this CPU has no x86-64-v3, both paths are plain"
            );
        }
        let params = ProfileParams::default()
            .max_entities(40)
            .min_history(3)
            .max_measures(3)
            .max_dimensions(2);
        let mut wide = EntityBaselines::new(params.clone().check().unwrap());
        let mut plain = EntityBaselines::new(params.check().unwrap());
        let mut rng = SplitMix64::new(7);
        let names: Vec<String> = (0..60).map(|i| format!("host-{i}")).collect();
        let values: Vec<String> = (0..9).map(|i| format!("v{i}")).collect();
        let mut t = 1_700_000_000i64;
        let mut arrays = Vec::new();
        for _ in 0..3_000 {
            // Mostly forward in time, sometimes a burst (same second) or a late event.
            t += match rng.below(10) {
                0 => 0,
                1 => -(rng.below(5_000) as i64),
                _ => rng.below(4_000) as i64,
            };
            let x = match rng.below(8) {
                0 => 1e300,
                1 => -1e-300,
                2 => 0.0,
                _ => (8.0 + 2.0 * rng.normal()).exp(),
            };
            let cats = [
                ("kind", values[rng.below(9) as usize].as_str()),
                ("user", values[rng.below(3) as usize].as_str()),
            ];
            let measures = [
                ("bytes", x),
                ("count", rng.below(30) as f64),
                ("ms", rng.normal()),
            ];
            let entity = rng.below(60) as usize;
            let group = ["a", "b", "c"][entity % 3];
            arrays.push((cats, measures, t, entity, group, rng.below(4) == 0));
        }
        let batch: Vec<Observation<'_>> = arrays
            .iter()
            .map(|(cats, measures, t, entity, group, grouped)| Observation {
                categories: cats,
                measures,
                peer_group: grouped.then_some(*group),
                ..Observation::occurrence(
                    &names[*entity],
                    EntityKind::Host,
                    DateTime::<Utc>::from_timestamp(*t, 0).unwrap(),
                )
            })
            .collect();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for part in batch.chunks(100) {
            wide.observe_batch(part, &mut a).unwrap();
            plain.observe_batch_plain(part, &mut b).unwrap();
        }
        assert_eq!(a.len(), batch.len());
        assert!(a.iter().any(|s| s.surprisal > 10.0));
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.surprisal.to_bits(), y.surprisal.to_bits());
            assert_eq!(x.tail_probability.to_bits(), y.tail_probability.to_bits());
            assert_eq!(x, y);
        }
        assert_eq!(wide.snapshot(), plain.snapshot());
    }
}

//! The workload behind `vigil bench baseline`: synthetic events, timed update+score.

use vigil_core::cpu::Stopwatch;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil_core::{Baseline, EntityKind, Observation, ParamGuard, SplitMix64};

use crate::{BaselineError, EntityBaselines, ProfileParams};

/// What [`bench_profiles`] measured.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileBench {
    /// Distinct entities in the workload.
    pub entities: usize,
    /// Events observed.
    pub events: usize,
    /// CPU time of the timing thread per `observe` (score, then update), nanoseconds (from
    /// `/proc/thread-self/schedstat`, so other processes on a shared machine do not count;
    /// wall time where that file is missing).
    pub ns_per_event: f64,
    /// Wall time per `observe`, nanoseconds.
    pub wall_ns_per_event: f64,
    /// Accounted memory divided by entities profiled.
    pub bytes_per_entity: f64,
    /// Accounted memory, bytes.
    pub memory_bytes: usize,
    /// Observations whose combined surprisal was at least 10 bits.
    pub flagged: usize,
}

/// Observes `events` synthetic events over `entities` hosts, each with one categorical
/// dimension (one of 50 alert types, mostly the host's own) and two measures (log-normal
/// bytes, a count), over 30 days of timestamps. Hosts are drawn uniformly (`zipf = None`:
/// most lookups miss the cache, the pessimistic case) or Zipf-distributed with exponent `s`
/// (a few hosts raise most events, as in real alert streams). The event stream is generated
/// before timing starts. With `batch > 1` the events go through
/// [`EntityBaselines::observe_batch`] in batches of that size (same results, overlapped
/// cache misses); otherwise one [`EntityBaselines::observe_observation`] call each.
pub fn bench_profiles(
    entities: usize,
    events: usize,
    seed: u64,
    zipf: Option<f64>,
    batch: usize,
) -> Result<ProfileBench, BaselineError> {
    // An empty workload has no per-event or per-entity figure to report.
    for (name, n) in [("entities", entities), ("events", events)] {
        if n == 0 {
            return Err(BaselineError::InvalidParameter {
                name,
                reason: "must be at least 1, got 0".into(),
            });
        }
    }
    let config = ProfileParams::default()
        .max_entities(entities)
        .seed(seed)
        .check()?;
    let mut model = EntityBaselines::new(config);
    let names: Vec<String> = (0..entities).map(|i| format!("host-{i:07}")).collect();
    let types: Vec<String> = (0..50).map(|i| format!("alert-type-{i}")).collect();
    let mut rng = SplitMix64::new(seed);
    let start_secs = 1_700_000_000i64;
    let span = 30 * 86_400i64;
    struct Ev<'n> {
        name: &'n str,
        ty: u8,
        time: DateTime<Utc>,
        bytes: f64,
        count: f64,
    }
    let cdf: Vec<f64> = match zipf {
        Some(s) => {
            let mut acc = 0.0;
            (1..=entities.max(1))
                .map(|r| {
                    acc += (r as f64).powf(-s);
                    acc
                })
                .collect()
        }
        None => Vec::new(),
    };
    let total = cdf.last().copied().unwrap_or(1.0);
    let mut stream = Vec::with_capacity(events);
    for k in 0..events {
        let t = start_secs + (k as i64 * span) / (events.max(1) as i64);
        let e = if cdf.is_empty() {
            rng.below(entities.max(1) as u64) as u32
        } else {
            let u = rng.next_f64() * total;
            cdf.partition_point(|&c| c < u).min(entities.max(1) - 1) as u32
        };
        // Per-host skew: mostly the host's own favourite type, sometimes another.
        let ty = if rng.next_f64() < 0.9 {
            (e % 50) as u8
        } else {
            rng.below(50) as u8
        };
        let bytes = (8.0 + rng.normal()).exp();
        let count = rng.below(20) as f64;
        stream.push(Ev {
            name: names.get(e as usize).map_or("", String::as_str),
            ty,
            time: DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default(),
            bytes,
            count,
        });
    }
    let mut flagged = 0usize;
    let watch = Stopwatch::start();
    if batch <= 1 {
        for ev in &stream {
            let entity = ev.name;
            let ty = types.get(usize::from(ev.ty)).map_or("", String::as_str);
            let cats = [("alert_type", ty)];
            let measures = [("bytes", ev.bytes), ("count", ev.count)];
            let obs = Observation {
                categories: &cats,
                measures: &measures,
                ..Observation::occurrence(entity, EntityKind::Host, ev.time)
            };
            let s = model.observe_observation(&obs)?;
            if s.surprisal >= 10.0 {
                flagged += 1;
            }
        }
    } else {
        let mut scores = Vec::with_capacity(batch);
        for chunk in stream.chunks(batch) {
            // The observations' category and measure arrays, then the observations
            // borrowing them (two allocations per batch).
            let arrays: Vec<EventArrays<'_>> = chunk
                .iter()
                .map(|ev| {
                    let ty = types.get(usize::from(ev.ty)).map_or("", String::as_str);
                    (
                        [("alert_type", ty)],
                        [("bytes", ev.bytes), ("count", ev.count)],
                    )
                })
                .collect();
            let obs: Vec<Observation<'_>> = chunk
                .iter()
                .zip(&arrays)
                .map(|(ev, (cats, measures))| {
                    let entity = ev.name;
                    Observation {
                        categories: cats,
                        measures,
                        ..Observation::occurrence(entity, EntityKind::Host, ev.time)
                    }
                })
                .collect();
            scores.clear();
            model.observe_batch(&obs, &mut scores)?;
            flagged += scores.iter().filter(|s| s.surprisal >= 10.0).count();
        }
    }
    let elapsed = watch.wall_secs();
    let cpu = watch.cpu_secs();
    let mem = model.memory_bytes();
    Ok(ProfileBench {
        entities: model.entities(),
        events,
        ns_per_event: cpu * 1e9 / events.max(1) as f64,
        wall_ns_per_event: elapsed * 1e9 / events.max(1) as f64,
        bytes_per_entity: mem as f64 / model.entities().max(1) as f64,
        memory_bytes: mem,
        flagged,
    })
}

/// One synthetic event's category and measure arrays (what an [`Observation`] borrows).
type EventArrays<'a> = ([(&'a str, &'a str); 1], [(&'a str, f64); 2]);

/// What [`flood`] measured.
#[derive(Debug, Clone, Serialize)]
pub struct FloodReport {
    /// Distinct entities offered.
    pub offered: usize,
    /// The entity cap.
    pub cap: usize,
    /// Most entities held at any check.
    pub max_entities: usize,
    /// Most accounted memory at any check, bytes.
    pub max_memory_bytes: usize,
    /// Accounted memory of a model full to the cap, bytes (the bound).
    pub full_memory_bytes: usize,
    /// CPU time per distinct-entity insert (with eviction), nanoseconds.
    pub ns_per_insert: f64,
}

/// Offers `offered` distinct entities (one event each) to a model capped at `cap`, checking
/// entity count and memory every `cap / 4` inserts.
pub fn flood(offered: usize, cap: usize, seed: u64) -> Result<FloodReport, BaselineError> {
    let config = ProfileParams::default()
        .max_entities(cap)
        .seed(seed)
        .check()?;
    let mut model = EntityBaselines::new(config);
    let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let mut name = String::with_capacity(24);
    let (mut max_entities, mut max_mem, mut full_mem) = (0usize, 0usize, 0usize);
    let every = (cap / 4).max(1);
    let watch = Stopwatch::start();
    for i in 0..offered {
        name.clear();
        use std::fmt::Write;
        let _ = write!(name, "flood-{i}");
        let measures = [("bytes", i as f64)];
        let cats = [("alert_type", "x")];
        let obs = Observation {
            measures: &measures,
            categories: &cats,
            ..Observation::occurrence(&name, EntityKind::Ip, t)
        };
        model.observe_observation(&obs)?;
        if i % every == 0 || i + 1 == offered {
            max_entities = max_entities.max(model.entities());
            let m = model.memory_bytes();
            max_mem = max_mem.max(m);
            if model.entities() == cap && full_mem == 0 {
                full_mem = m;
            }
        }
    }
    let elapsed = watch.cpu_secs();
    Ok(FloodReport {
        offered,
        cap,
        max_entities,
        max_memory_bytes: max_mem,
        full_memory_bytes: full_mem,
        ns_per_insert: elapsed * 1e9 / offered.max(1) as f64,
    })
}

/// What [`bench_multivariate`] measured.
#[derive(Debug, Clone, Serialize)]
pub struct VectorBench {
    /// Vector width.
    pub width: usize,
    /// Vectors observed (after fitting on `fit_rows`).
    pub vectors: usize,
    /// CPU time per `observe` (score + learn in one walk), nanoseconds.
    pub ns_per_event: f64,
    /// Bytes of model state.
    pub memory_bytes: usize,
}

/// Fits Half-Space Trees with default parameters on 4,096 synthetic 41-wide vectors (the
/// NSL-KDD width: heavy-tailed counts and rates), then observes `vectors` more.
pub fn bench_multivariate(vectors: usize, seed: u64) -> Result<VectorBench, BaselineError> {
    use vigil_core::Fit;
    let width = 41;
    let mut rng = SplitMix64::new(seed);
    let draw = |rng: &mut SplitMix64| -> Vec<f64> {
        (0..width)
            .map(|j| {
                if j % 3 == 0 {
                    (5.0 + 2.0 * rng.normal()).exp()
                } else {
                    rng.next_f64()
                }
            })
            .collect()
    };
    let fit: Vec<Vec<f64>> = (0..4_096).map(|_| draw(&mut rng)).collect();
    let stream: Vec<Vec<f64>> = (0..vectors).map(|_| draw(&mut rng)).collect();
    let mut model = crate::HstParams::default().seed(seed).check()?.fit(&fit)?;
    let watch = Stopwatch::start();
    let mut acc = 0.0;
    for x in &stream {
        acc += model.observe(x)?;
    }
    let elapsed = watch.cpu_secs();
    std::hint::black_box(acc);
    Ok(VectorBench {
        width,
        vectors,
        ns_per_event: elapsed * 1e9 / vectors.max(1) as f64,
        memory_bytes: model.memory_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_workload_is_a_typed_error() {
        for (entities, events, name) in [(0, 10, "entities"), (10, 0, "events")] {
            let err = bench_profiles(entities, events, 1, None, 256).err();
            assert!(
                matches!(err, Some(BaselineError::InvalidParameter { name: n, .. }) if n == name),
                "{err:?}"
            );
        }
        let ok = bench_profiles(3, 10, 1, None, 256).map(|p| (p.entities, p.events));
        assert!(matches!(ok, Ok((3, 10))), "{ok:?}");
    }
}

//! Measurements behind `vigil bench enrich`: load time, indicator count, lookup time and alert
//! throughput. Timing code lives here so the CLI and the criterion benches measure the same
//! thing.
//!
//! Two lookup figures, over the same queries: `ns_per_lookup` ([`time_lookups`]) is the
//! *single* lookup, one `count_matches` call after the other, each waiting for its own cache
//! misses; `ns_per_lookup_batched` ([`time_lookups_batched`]) is the *batched* API
//! ([`IndicatorStore::for_each_batch`], [`crate::intel::BATCH`] queries per batch), whose
//! misses overlap. Both are per query and report every matching list.

use std::hint::black_box;
use std::net::Ipv4Addr;

use serde::Serialize;
use vigil_core::cpu::Stopwatch;
use vigil_core::{Alert, Enricher, Enrichment, SplitMix64};

use crate::intel::{IndicatorStore, IpRange};

/// Alerts per [`Enricher::enrich_batch`] call in [`time_enrich_batched`].
pub const ENRICH_BATCH: usize = 256;

/// A mixed workload of indicator lookups: half IPv4, half domains; half of each drawn from
/// the store (an address inside a listed range; a listed domain, sometimes under a random
/// sub-domain), half random (random addresses; random names under common TLDs).
pub fn lookup_queries(store: &IndicatorStore, n: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix64::new(seed);
    let ranges: Vec<IpRange> = store.ipv4_ranges().collect();
    let mut domains: Vec<&str> = store.domain_keys().filter(|d| d.contains('.')).collect();
    domains.sort_unstable();
    let tlds = ["com", "net", "org", "io", "de", "at"];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let hit = rng.next_u64() & 1 == 0;
        let q = if i % 2 == 0 {
            let a = match (hit, ranges.get(rng.below(ranges.len() as u64) as usize)) {
                (true, Some(IpRange::V4 { start, end })) => {
                    let span = u64::from(end - start) + 1;
                    start.wrapping_add(rng.below(span) as u32)
                }
                _ => rng.next_u64() as u32,
            };
            Ipv4Addr::from(a).to_string()
        } else {
            match (hit, domains.get(rng.below(domains.len() as u64) as usize)) {
                (true, Some(d)) if rng.next_u64().is_multiple_of(3) => {
                    format!("w{}.{d}", rng.below(100))
                }
                (true, Some(d)) => (*d).to_owned(),
                _ => {
                    let len = 5 + rng.below(8) as usize;
                    let label: String = (0..len)
                        .map(|_| char::from(b'a' + rng.below(26) as u8))
                        .collect();
                    let tld = tlds
                        .get(rng.below(tlds.len() as u64) as usize)
                        .unwrap_or(&"com");
                    format!("{label}.{tld}")
                }
            }
        };
        out.push(q);
    }
    out
}

/// Result of timing lookups.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LookupTiming {
    /// Mean wall-clock nanoseconds per lookup (parse included).
    pub ns_per_lookup: f64,
    /// Mean CPU nanoseconds per lookup (this thread's on-CPU time), when the OS tells.
    pub ns_per_lookup_cpu: Option<f64>,
    /// Share of queries with at least one match.
    pub hit_rate: f64,
    /// Lookups timed.
    pub lookups: u64,
}

fn per(n: u64, total: f64) -> f64 {
    if n == 0 { 0.0 } else { total / n as f64 }
}

/// Times single lookups ([`IndicatorStore::count_matches`], one query after the other) over
/// `queries`, repeated for at least `min_s`; [`time_lookups_batched`] times the batched API.
/// Queries are packed into one buffer first, as a caller holding an alert would have them at
/// hand, so the timing is of the store, not of chasing 200k small heap strings.
pub fn time_lookups(store: &IndicatorStore, queries: &[String], min_s: f64) -> LookupTiming {
    let hits = queries
        .iter()
        .filter(|q| store.count_matches(q) > 0)
        .count();
    let (packed, spans) = pack(queries);
    Timed::repeat(queries.len(), min_s, || {
        let mut sink = 0usize;
        for &(a, b) in &spans {
            let q = packed.get(a..b).unwrap_or("");
            sink = sink.wrapping_add(store.count_matches(black_box(q)));
        }
        sink
    })
    .lookups(queries.len(), hits)
}

/// Times [`IndicatorStore::for_each_batch`] over the same queries and in the same way as
/// [`time_lookups`] (packed, repeated for at least `min_s`), [`crate::intel::BATCH`] queries at a
/// time: the same lookups with their cache misses overlapped. Figures are per query.
pub fn time_lookups_batched(
    store: &IndicatorStore,
    queries: &[String],
    min_s: f64,
) -> LookupTiming {
    let (packed, spans) = pack(queries);
    let qs: Vec<&str> = spans
        .iter()
        .map(|&(a, b)| packed.get(a..b).unwrap_or(""))
        .collect();
    let mut hit = vec![false; qs.len()];
    store.for_each_batch(&qs, |i, _| {
        if let Some(h) = hit.get_mut(i) {
            *h = true;
        }
    });
    let hits = hit.iter().filter(|&&h| h).count();
    Timed::repeat(queries.len(), min_s, || {
        let mut sink = 0usize;
        store.for_each_batch(black_box(&qs), |i, _| sink = sink.wrapping_add(i));
        sink
    })
    .lookups(queries.len(), hits)
}

/// `queries` in one buffer, and each one's byte span in it.
fn pack(queries: &[String]) -> (String, Vec<(usize, usize)>) {
    let mut packed = String::with_capacity(queries.iter().map(String::len).sum());
    let mut spans = Vec::with_capacity(queries.len());
    for q in queries {
        spans.push((packed.len(), packed.len() + q.len()));
        packed.push_str(q);
    }
    (packed, spans)
}

/// What a timed loop measured.
struct Timed {
    /// Units (lookups, alerts) processed.
    n: u64,
    wall_s: f64,
    cpu_s: Option<f64>,
}

impl Timed {
    /// The figures since `watch` started, `n` units processed.
    fn since(watch: &Stopwatch, n: u64) -> Self {
        Self {
            n,
            wall_s: watch.wall_secs(),
            cpu_s: watch.cpu_secs_checked(),
        }
    }

    /// Runs `pass` (`per_pass` units, returning a value that keeps the work from being
    /// optimised away) until at least `min_s` have passed; once when `per_pass` is 0.
    fn repeat<T>(per_pass: usize, min_s: f64, mut pass: impl FnMut() -> T) -> Self {
        let watch = Stopwatch::start();
        let mut n = 0u64;
        loop {
            black_box(pass());
            n += per_pass as u64;
            if watch.wall_secs() >= min_s || per_pass == 0 {
                break;
            }
        }
        Self::since(&watch, n)
    }

    /// As lookup figures, `hits` of `queries` distinct queries matching.
    fn lookups(self, queries: usize, hits: usize) -> LookupTiming {
        LookupTiming {
            ns_per_lookup: per(self.n, self.wall_s * 1e9),
            ns_per_lookup_cpu: self.cpu_s.map(|c| per(self.n, c * 1e9)),
            hit_rate: per(queries as u64, hits as f64),
            lookups: self.n,
        }
    }

    /// As enrichment figures, `items` context items added over `alerts` alerts.
    fn enrich(self, alerts: usize, items: u64) -> EnrichTiming {
        let n = self.n as f64;
        EnrichTiming {
            alerts_per_sec: if self.wall_s > 0.0 {
                n / self.wall_s
            } else {
                0.0
            },
            alerts_per_cpu_sec: self.cpu_s.filter(|&c| c > 0.0).map(|c| n / c),
            items_per_alert: per(alerts as u64, items as f64),
            alerts: self.n,
        }
    }
}

/// Lookup times of one class of queries (IPv4 or domain, hit or miss), single and batched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassTiming {
    /// Queries of this class.
    pub queries: usize,
    /// Single lookups ([`time_lookups`]).
    pub single: LookupTiming,
    /// Batched lookups ([`time_lookups_batched`]).
    pub batched: LookupTiming,
}

/// Per-class lookup times: `queries` split into IPv4 hits, IPv4 misses, domain hits and
/// domain misses (a hit has at least one match), each class timed on its own as
/// [`time_lookups`] and [`time_lookups_batched`] time the mix. Each class is a quarter of the
/// mix, so it runs over a smaller share of the store than the mixed figures do.
pub fn time_lookups_by_class(
    store: &IndicatorStore,
    queries: &[String],
    min_s: f64,
) -> Vec<(&'static str, ClassTiming)> {
    let mut classes: [(&'static str, Vec<String>); 4] = [
        ("ipv4_hit", Vec::new()),
        ("ipv4_miss", Vec::new()),
        ("domain_hit", Vec::new()),
        ("domain_miss", Vec::new()),
    ];
    for q in queries {
        let v4 = q.parse::<Ipv4Addr>().is_ok();
        let hit = store.count_matches(q) > 0;
        let i = usize::from(!v4) * 2 + usize::from(!hit);
        if let Some((_, c)) = classes.get_mut(i) {
            c.push(q.clone());
        }
    }
    classes
        .into_iter()
        .map(|(name, qs)| {
            let t = ClassTiming {
                queries: qs.len(),
                single: time_lookups(store, &qs, min_s),
                batched: time_lookups_batched(store, &qs, min_s),
            };
            (name, t)
        })
        .collect()
}

/// Result of timing enrichment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnrichTiming {
    /// Alerts enriched per wall-clock second on one thread.
    pub alerts_per_sec: f64,
    /// Alerts enriched per second of this thread's CPU time, when the OS tells.
    pub alerts_per_cpu_sec: Option<f64>,
    /// Mean context items added per alert.
    pub items_per_alert: f64,
    /// Alerts enriched in the timed loop.
    pub alerts: u64,
}

/// Times `enricher` over `alerts` (already in memory), one alert at a time, repeated for at
/// least `min_s`. Each alert is enriched into a reused [`Enrichment`] cleared between alerts,
/// so only enrichment is timed, not cloning alerts.
pub fn time_enrich(enricher: &dyn Enricher, alerts: &[Alert], min_s: f64) -> EnrichTiming {
    let mut ctx = Enrichment::default();
    let mut pass = || {
        let mut items = 0u64;
        for a in alerts {
            ctx.items.clear();
            ctx.failures.clear();
            let _ = enricher.enrich(black_box(a), &mut ctx);
            items += ctx.items.len() as u64;
        }
        items
    };
    repeat_enrich(&mut pass, alerts.len(), min_s)
}

/// As [`time_enrich`], through [`Enricher::enrich_batch`] over batches of [`ENRICH_BATCH`]
/// alerts (reused contexts cleared between batches).
pub fn time_enrich_batched(enricher: &dyn Enricher, alerts: &[Alert], min_s: f64) -> EnrichTiming {
    let mut ctxs = vec![Enrichment::default(); ENRICH_BATCH];
    let mut pass = || {
        let mut items = 0u64;
        for chunk in alerts.chunks(ENRICH_BATCH) {
            for c in ctxs.iter_mut() {
                c.items.clear();
                c.failures.clear();
            }
            enricher.enrich_batch(black_box(chunk), &mut ctxs);
            items += ctxs
                .iter()
                .take(chunk.len())
                .map(|c| c.items.len() as u64)
                .sum::<u64>();
        }
        items
    };
    repeat_enrich(&mut pass, alerts.len(), min_s)
}

/// One warm-up pass (its item count is reported), then passes until `min_s` has passed.
fn repeat_enrich(pass: &mut impl FnMut() -> u64, alerts: usize, min_s: f64) -> EnrichTiming {
    let items = pass();
    Timed::repeat(alerts, min_s, pass).enrich(alerts, items)
}

/// Times one pass of `enricher` over `alerts`, without a warm-up pass: for stateful
/// enrichers (related events, entity history) whose state a second pass over the same
/// alerts would distort.
pub fn time_enrich_once(enricher: &dyn Enricher, alerts: &[Alert]) -> EnrichTiming {
    let mut ctx = Enrichment::default();
    let mut items = 0u64;
    let watch = Stopwatch::start();
    for a in alerts {
        ctx.items.clear();
        ctx.failures.clear();
        let _ = enricher.enrich(black_box(a), &mut ctx);
        items += ctx.items.len() as u64;
    }
    Timed::since(&watch, alerts.len() as u64).enrich(alerts.len(), items)
}

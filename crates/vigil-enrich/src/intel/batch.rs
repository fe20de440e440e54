//! Batched lookup: many indicators at once, level by level, so their cache misses overlap.
//!
//! A single cold lookup is a chain of 2–6 dependent cache misses (bucket table → segment →
//! range entry; hashed slot → key text → set arena), and the next lookup's chain waits behind
//! it. Here a batch of up to [`BATCH`] queries is parsed and hashed first (no table access),
//! then every query's first-level memory is read, then every query's second level, and so on:
//! the loads of one level are independent of each other, so the CPU issues them out of order
//! and pays roughly one miss latency per level instead of one per query and level. Results are
//! reported exactly as the single lookups would report them, query after query.

use std::borrow::Cow;
use std::hint::black_box;
use std::net::IpAddr;

use super::normalize::{fast_trim, normalize_domain_labels};
use super::sets::NONE;
use super::store::{IndicatorStore, Match, parse_ip_fast};

/// Queries processed together: enough misses in flight to fill the memory pipeline, few
/// enough that each level's bookkeeping stays in L1/L2. (32 and 64 measured 5-12 % slower on
/// the mixed bench, 256 no faster.)
pub const BATCH: usize = 128;

/// Points of an IPv4 bucket read ahead of its binary search (8 measured 2-7 % faster than 16
/// on the mixed bench once the segments sat on huge pages).
const PROBES: usize = 8;

/// How a batched query is interpreted; each kind is the single lookup of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    /// Whatever the text looks like ([`IndicatorStore::for_each_match`]).
    Any,
    /// An IP address ([`IndicatorStore::for_each_ip`] after a parse; not an IP: no match).
    Ip,
    /// A domain name ([`IndicatorStore::for_each_domain`]).
    Domain,
    /// A URL ([`IndicatorStore::for_each_url`]).
    Url,
    /// A file hash ([`IndicatorStore::for_each_hash`]).
    Hash,
}

/// What a query needs, decided before any table access.
enum Plan<'q> {
    /// Nothing can match.
    Skip,
    /// An IPv4 address: index into the IPv4 work list.
    V4(usize),
    /// A normalised domain name: its probes are `probes[from..to]`.
    Domain {
        name: Cow<'q, str>,
        from: usize,
        to: usize,
    },
    /// Another kind: looked up by the single path when results are reported.
    Single(QueryKind, &'q str),
}

/// One IPv4 query: its address, then the set of its segment.
struct V4Work {
    addr: u32,
    lo: usize,
    hi: usize,
    set: u32,
}

/// One hashed probe of a domain or one of its parents.
struct Probe<'s> {
    plan: usize,
    /// Byte offset of the suffix in the plan's name.
    off: usize,
    hash: u64,
    /// Record offset of the tag match in the table ([`NONE`]: absent).
    slot: u32,
    found: Option<(&'s str, [u32; 2])>,
}

/// Reused buffers of one batched call.
struct Scratch<'s, 'q> {
    plans: Vec<Plan<'q>>,
    v4: Vec<V4Work>,
    probes: Vec<Probe<'s>>,
}

impl IndicatorStore {
    /// Looks up many indicators (as [`IndicatorStore::for_each_match`] would, one by one),
    /// calling `f(i, m)` for every entry `m` matching `queries[i]`. Results come in query
    /// order and, for each query, in the single lookup's order; only the memory accesses are
    /// reordered, so a batch is faster than a loop of single lookups when the store is not in
    /// cache.
    ///
    /// ```
    /// use vigil_enrich::intel::{IndicatorStoreBuilder, IpRange};
    /// let mut b = IndicatorStoreBuilder::default();
    /// let aws = b.add_source("misp:amazon-aws", true);
    /// b.insert_range(aws, IpRange::parse("3.5.140.0/22").unwrap(), 0);
    /// b.insert_domain(aws, "amazonaws.com", true, 0).unwrap();
    /// let store = b.build();
    /// let mut hits = Vec::new();
    /// store.for_each_batch(&["3.5.141.7", "example.org", "s3.amazonaws.com"], |i, m| {
    ///     hits.push((i, m.matched.to_string()))
    /// });
    /// assert_eq!(hits, [(0, "3.5.140.0/22".to_owned()), (2, "amazonaws.com".to_owned())]);
    /// ```
    pub fn for_each_batch<'s, Q: AsRef<str>>(
        &'s self,
        queries: &[Q],
        mut f: impl FnMut(usize, Match<'s>),
    ) {
        let mut scratch = Scratch::new();
        for (c, chunk) in queries.chunks(BATCH).enumerate() {
            self.run_chunk(
                &mut scratch,
                chunk.iter().map(|q| (QueryKind::Any, q.as_ref())),
                c * BATCH,
                &mut f,
            );
        }
    }

    /// Like [`IndicatorStore::for_each_batch`], each query with its [`QueryKind`] (as an
    /// enricher knows an entity's kind).
    pub fn for_each_batch_typed<'s, Q: AsRef<str>>(
        &'s self,
        queries: &[(QueryKind, Q)],
        mut f: impl FnMut(usize, Match<'s>),
    ) {
        let mut scratch = Scratch::new();
        for (c, chunk) in queries.chunks(BATCH).enumerate() {
            self.run_chunk(
                &mut scratch,
                chunk.iter().map(|(k, q)| (*k, q.as_ref())),
                c * BATCH,
                &mut f,
            );
        }
    }

    /// Number of entries matching each query, in one batched pass.
    pub fn count_batch<Q: AsRef<str>>(&self, queries: &[Q], counts: &mut Vec<usize>) {
        counts.clear();
        counts.resize(queries.len(), 0);
        self.for_each_batch(queries, |i, _| {
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        });
    }

    fn run_chunk<'s, 'q>(
        &'s self,
        sc: &mut Scratch<'s, 'q>,
        chunk: impl Iterator<Item = (QueryKind, &'q str)>,
        first: usize,
        f: &mut impl FnMut(usize, Match<'s>),
    ) {
        sc.plans.clear();
        sc.v4.clear();
        sc.probes.clear();
        // Level 0: parse and hash, no table access.
        for (kind, q) in chunk {
            let plan = self.plan(sc, kind, q);
            sc.plans.push(plan);
        }
        // IPv4 level 1: the bucket table.
        for w in &mut sc.v4 {
            (w.lo, w.hi) = self.v4.bucket_bounds(w.addr);
        }
        // Domain level 1: touch every probe's bucket (a tight loop, so many misses are in
        // flight at once), then probe them (while the IPv4 bucket entries arrive).
        let mut acc = 0u32;
        for p in &sc.probes {
            acc ^= self.domains.touch_bucket(p.hash);
        }
        black_box(acc);
        for p in &mut sc.probes {
            p.slot = self.domains.probe(p.hash);
        }
        // IPv4 level 2: the top levels of every bucket's binary search at once. The search's
        // first three steps fall near the 1/8 points of the bucket; reading all seven
        // (independent loads) brings them in together, instead of three misses in a row.
        let mut acc = 0u32;
        let segs = self.v4.segs();
        for w in &sc.v4 {
            let n = w.hi.saturating_sub(w.lo);
            let step = (n / PROBES).max(1);
            let mut i = w.lo + step;
            while i < w.hi {
                acc ^= segs.get(i).map_or(0, |s| s[0]);
                i += step;
            }
        }
        black_box(acc);
        // IPv4 level 3: each query's search in its bucket, whose table entry and middle are now
        // in cache or on their way. (A search in lockstep rounds across the batch measured
        // slower: its bookkeeping cost more than the overlap of the deeper steps saved.)
        for w in &mut sc.v4 {
            w.set = self.v4.lookup(w.addr);
        }
        // Domain level 2: touch every candidate record, then confirm the keys.
        let mut acc = 0u8;
        for p in &sc.probes {
            acc ^= self.domains.touch_record(p.slot);
        }
        black_box(acc);
        for p in &mut sc.probes {
            let name = match sc.plans.get(p.plan) {
                Some(Plan::Domain { name, .. }) => name.get(p.off..).unwrap_or(""),
                _ => "",
            };
            p.found = self.domains.confirm(p.slot, p.hash, name);
        }
        // Last level: the range entries and set arenas the results are read from.
        for w in &sc.v4 {
            if w.set != NONE {
                let r = self.v4_sets.first(w.set);
                black_box(self.v4_entries.get(r as usize).copied());
            }
        }
        let mut acc = 0u32;
        for p in &sc.probes {
            if let Some((_, [exact, sub])) = p.found {
                acc ^= self.key_sets.first(exact) ^ self.key_sets.first(sub);
            }
        }
        black_box(acc);
        // Report, query after query, in the single lookups' order.
        for (j, plan) in sc.plans.iter().enumerate() {
            let i = first + j;
            let mut g = |m: Match<'s>| f(i, m);
            match plan {
                Plan::Skip => {}
                Plan::V4(w) => {
                    if let Some(w) = sc.v4.get(*w) {
                        self.emit_v4_set(w.set, &mut g);
                    }
                }
                Plan::Domain { from, to, .. } => {
                    for p in sc.probes.get(*from..*to).unwrap_or(&[]) {
                        let Some((k, [exact, sub])) = p.found else {
                            continue;
                        };
                        if p.off == 0 {
                            self.emit_set(k, exact, &mut g);
                        }
                        self.emit_set(k, sub, &mut g);
                    }
                }
                Plan::Single(kind, q) => match kind {
                    QueryKind::Any => self.for_each_match(q, g),
                    QueryKind::Ip => {
                        if let Some(ip) = parse_ip_fast(fast_trim(q)) {
                            self.for_each_ip(ip, g);
                        }
                    }
                    QueryKind::Domain => self.for_each_domain(q, g),
                    QueryKind::Url => self.for_each_url(q, g),
                    QueryKind::Hash => self.for_each_hash(q, g),
                },
            }
        }
    }

    /// Decides what `q` needs and queues its first-level work.
    fn plan<'q>(&self, sc: &mut Scratch<'_, 'q>, kind: QueryKind, q: &'q str) -> Plan<'q> {
        match kind {
            QueryKind::Any => {
                if let Some(ip) = parse_ip_fast(q) {
                    return self.plan_ip(sc, ip, q);
                }
                let t = fast_trim(q);
                match normalize_domain_labels(t, false) {
                    Some((d, labels)) => self.plan_domain(sc, d, labels),
                    // Hashes, URLs, plain strings, IPv6: rarer in alerts, looked up singly.
                    None => Plan::Single(kind, q),
                }
            }
            QueryKind::Ip => match parse_ip_fast(fast_trim(q)) {
                Some(ip) => self.plan_ip(sc, ip, q),
                None => Plan::Skip,
            },
            QueryKind::Domain => match normalize_domain_labels(q, true) {
                Some((d, labels)) => self.plan_domain(sc, d, labels),
                None => Plan::Skip,
            },
            QueryKind::Url | QueryKind::Hash => Plan::Single(kind, q),
        }
    }

    fn plan_ip<'q>(&self, sc: &mut Scratch<'_, 'q>, ip: IpAddr, q: &'q str) -> Plan<'q> {
        let v4 = match ip {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(a) => a.to_ipv4_mapped(),
        };
        match v4 {
            Some(a) => {
                sc.v4.push(V4Work {
                    addr: u32::from(a),
                    lo: 0,
                    hi: 0,
                    set: NONE,
                });
                Plan::V4(sc.v4.len() - 1)
            }
            None => Plan::Single(QueryKind::Ip, q),
        }
    }

    /// Queues the probes [`super::keys::KeyIndex::for_each_suffix`] would make: the name
    /// itself, then each parent of two labels or more.
    fn plan_domain<'q>(
        &self,
        sc: &mut Scratch<'_, 'q>,
        name: Cow<'q, str>,
        labels: usize,
    ) -> Plan<'q> {
        let from = sc.probes.len();
        let plan = sc.plans.len();
        self.domains.suffix_probes(&name, labels, |off, hash| {
            sc.probes.push(Probe {
                plan,
                off,
                hash,
                slot: NONE,
                found: None,
            })
        });
        let to = sc.probes.len();
        Plan::Domain { name, from, to }
    }
}

impl Scratch<'_, '_> {
    fn new() -> Self {
        Self {
            plans: Vec::with_capacity(BATCH),
            v4: Vec::with_capacity(BATCH),
            probes: Vec::with_capacity(BATCH * 4),
        }
    }
}

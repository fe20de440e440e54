//! The indicator store: every list's IPs, ranges, domains, URLs and hashes, frozen for lookup.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use vigil_core::{SeededMap, SeededState};

use super::IpRange;
use super::frozen::Frozen;
use super::ip::RangeIndex;
use super::keys::{KeyIndex, KeyIndexBuilder, Scope};
use super::normalize::{
    IndicatorKind, fast_trim, is_hash, normalize_domain_labels, normalize_domain_opts, url_host,
};
use super::sets::{NONE, SetArena, SetInterner};
use crate::EnrichError;

/// One list the store was loaded from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Name used in provenance (`misp:amazon-aws`, `ipsum`).
    pub name: String,
    /// True for a known-benign list: a match marks a likely false positive.
    pub benign: bool,
}

/// Index of a [`Source`] in its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceId(u32);

/// How many entries of each kind were inserted (every list's entries, duplicates included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct IndicatorCounts {
    /// IPv4 addresses and ranges.
    pub ipv4: u64,
    /// IPv6 addresses and ranges.
    pub ipv6: u64,
    /// Domains (exact and parent-domain).
    pub domains: u64,
    /// URLs.
    pub urls: u64,
    /// File hashes.
    pub hashes: u64,
    /// Other exact strings.
    pub texts: u64,
}

impl IndicatorCounts {
    /// All entries.
    pub fn total(&self) -> u64 {
        self.ipv4 + self.ipv6 + self.domains + self.urls + self.hashes + self.texts
    }
}

/// What matched: an IP range, or a key (a domain, a parent domain, a URL, a hash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matched<'s> {
    /// An IP range (a single address is a range of one).
    Range(IpRange),
    /// A text key.
    Key(&'s str),
}

impl Matched<'_> {
    /// The matched entry as text (fast path for IPv4 ranges).
    pub fn to_text(&self) -> String {
        match self {
            Self::Range(r) => r.to_text(),
            Self::Key(k) => (*k).to_owned(),
        }
    }
}

impl fmt::Display for Matched<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Range(r) => r.fmt(f),
            Self::Key(k) => f.write_str(k),
        }
    }
}

/// One list entry that matched an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'s> {
    /// The list.
    pub source: &'s Source,
    /// Blocklist count (IPsum), or 0.
    pub reputation: u32,
    /// The entry that matched.
    pub matched: Matched<'s>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Payload {
    source: u32,
    reputation: u32,
}

/// Collects entries, then [`IndicatorStoreBuilder::build`] freezes them into a store.
#[derive(Debug)]
pub struct IndicatorStoreBuilder {
    seed: u64,
    sources: Vec<Source>,
    payloads: Vec<Payload>,
    payload_ids: SeededMap<(u32, u32), u32>,
    v4: Vec<(u32, u32)>,
    v4_payload: Vec<u32>,
    v6: Vec<(u128, u128)>,
    v6_payload: Vec<u32>,
    domains: KeyIndexBuilder,
    urls: KeyIndexBuilder,
    hashes: KeyIndexBuilder,
    texts: KeyIndexBuilder,
    counts: IndicatorCounts,
}

impl IndicatorStoreBuilder {
    /// An empty builder; `seed` keys every hash map of the store.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            sources: Vec::new(),
            payloads: Vec::new(),
            payload_ids: SeededMap::with_hasher(SeededState::with_seed(seed)),
            v4: Vec::new(),
            v4_payload: Vec::new(),
            v6: Vec::new(),
            v6_payload: Vec::new(),
            domains: KeyIndexBuilder::new(seed),
            urls: KeyIndexBuilder::new(seed ^ 1),
            hashes: KeyIndexBuilder::new(seed ^ 2),
            texts: KeyIndexBuilder::new(seed ^ 3),
            counts: IndicatorCounts::default(),
        }
    }

    /// Registers a list; entries inserted with its id are attributed to it.
    pub fn add_source(&mut self, name: impl Into<String>, benign: bool) -> SourceId {
        let id = self.sources.len() as u32;
        self.sources.push(Source {
            name: name.into(),
            benign,
        });
        SourceId(id)
    }

    /// Makes room for about `n` more entries of `kind`; a hint that saves rehashing while a
    /// large list loads.
    pub fn reserve(&mut self, kind: IndicatorKind, n: usize) {
        match kind {
            IndicatorKind::Ip => self.v4.reserve(n),
            IndicatorKind::Domain => self.domains.reserve(n),
            IndicatorKind::Url => self.urls.reserve(n),
            IndicatorKind::Hash => self.hashes.reserve(n),
            IndicatorKind::Text => self.texts.reserve(n),
        }
    }

    /// Entries inserted so far.
    pub fn counts(&self) -> IndicatorCounts {
        self.counts
    }

    fn payload(&mut self, src: SourceId, reputation: u32) -> u32 {
        let n = self.payloads.len() as u32;
        *self
            .payload_ids
            .entry((src.0, reputation))
            .or_insert_with(|| {
                self.payloads.push(Payload {
                    source: src.0,
                    reputation,
                });
                n
            })
    }

    /// Inserts an IP range.
    pub fn insert_range(&mut self, src: SourceId, range: IpRange, reputation: u32) {
        let p = self.payload(src, reputation);
        match range {
            IpRange::V4 { start, end } => {
                self.v4.push((start, end));
                self.v4_payload.push(p);
                self.counts.ipv4 += 1;
            }
            IpRange::V6 { start, end } => {
                self.v6.push((start, end));
                self.v6_payload.push(p);
                self.counts.ipv6 += 1;
            }
        }
    }

    /// Inserts a domain; with `subtree` it also covers every name below it. Single labels
    /// (`com`) are accepted, exact only.
    pub fn insert_domain(
        &mut self,
        src: SourceId,
        domain: &str,
        subtree: bool,
        reputation: u32,
    ) -> Result<(), &'static str> {
        let d = normalize_domain_opts(domain, true).ok_or("not a domain name")?;
        let single = !d.contains('.');
        let scope = if subtree && !single {
            Scope::Subtree
        } else {
            Scope::Exact
        };
        let p = self.payload(src, reputation);
        self.domains.insert(&d, scope, p)?;
        self.counts.domains += 1;
        Ok(())
    }

    /// Inserts a URL (matched exactly, after trimming).
    pub fn insert_url(
        &mut self,
        src: SourceId,
        url: &str,
        reputation: u32,
    ) -> Result<(), &'static str> {
        let u = url.trim();
        if u.is_empty() {
            return Err("empty URL");
        }
        let p = self.payload(src, reputation);
        self.urls.insert(u, Scope::Exact, p)?;
        self.counts.urls += 1;
        Ok(())
    }

    /// Inserts a hex file hash (case-insensitive).
    pub fn insert_hash(
        &mut self,
        src: SourceId,
        hash: &str,
        reputation: u32,
    ) -> Result<(), &'static str> {
        let h = hash.trim();
        if !is_hash(h) {
            return Err("not a hex MD5/SHA-1/SHA-2 digest");
        }
        let p = self.payload(src, reputation);
        self.hashes
            .insert(&h.to_ascii_lowercase(), Scope::Exact, p)?;
        self.counts.hashes += 1;
        Ok(())
    }

    /// Inserts any other exact string.
    pub fn insert_text(
        &mut self,
        src: SourceId,
        text: &str,
        reputation: u32,
    ) -> Result<(), &'static str> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty entry");
        }
        let p = self.payload(src, reputation);
        self.texts.insert(t, Scope::Exact, p)?;
        self.counts.texts += 1;
        Ok(())
    }

    /// Inserts `text` as the kind it looks like ([`IndicatorKind::of`]); domains with
    /// `subtree` cover the names below them. Returns the kind used.
    pub fn insert_auto(
        &mut self,
        src: SourceId,
        text: &str,
        subtree: bool,
        reputation: u32,
    ) -> Result<IndicatorKind, EnrichError> {
        self.insert_kind(src, IndicatorKind::of(text), text, subtree, reputation)
    }

    /// Inserts `text` as `kind` (a domain with `subtree` covers the names below it).
    pub fn insert_kind(
        &mut self,
        src: SourceId,
        kind: IndicatorKind,
        text: &str,
        subtree: bool,
        reputation: u32,
    ) -> Result<IndicatorKind, EnrichError> {
        let r = match kind {
            IndicatorKind::Ip => {
                self.insert_range(src, IpRange::parse(text)?, reputation);
                Ok(())
            }
            IndicatorKind::Domain => self.insert_domain(src, text, subtree, reputation),
            IndicatorKind::Url => self.insert_url(src, text, reputation),
            IndicatorKind::Hash => self.insert_hash(src, text, reputation),
            IndicatorKind::Text => self.insert_text(src, text, reputation),
        };
        r.map(|()| kind)
            .map_err(|reason| EnrichError::InvalidParameter {
                name: "indicator",
                reason: reason.to_owned(),
            })
    }

    /// Freezes the store.
    pub fn build(self) -> IndicatorStore {
        let mut ranges = SetInterner::new(self.seed ^ 4);
        let v4 = RangeIndex::build(&self.v4, &mut ranges);
        let mut v6_sets = SetInterner::new(self.seed ^ 5);
        let v6 = RangeIndex::build(&self.v6, &mut v6_sets);
        let mut keys = SetInterner::new(self.seed ^ 6);
        let domains = self.domains.finish(&mut keys, self.seed ^ 7);
        let urls = self.urls.finish(&mut keys, self.seed ^ 8);
        let hashes = self.hashes.finish(&mut keys, self.seed ^ 9);
        let texts = self.texts.finish(&mut keys, self.seed ^ 10);
        IndicatorStore {
            sources: self.sources,
            payloads: self.payloads,
            v4_entries: Frozen::new(
                self.v4
                    .iter()
                    .zip(&self.v4_payload)
                    .map(|(&(s, e), &p)| [s, e, p])
                    .collect(),
            ),
            v6_entries: zip_entries(&self.v6, &self.v6_payload),
            v4,
            v6,
            v4_sets: ranges.finish(),
            v6_sets: v6_sets.finish(),
            key_sets: keys.finish(),
            domains,
            urls,
            hashes,
            texts,
            counts: self.counts,
        }
    }
}

impl Default for IndicatorStoreBuilder {
    fn default() -> Self {
        Self::new(SeededState::DEFAULT_SEED)
    }
}

/// Threat-intel and known-benign indicators, frozen for fast lookup.
///
/// ```
/// use vigil_enrich::intel::{IndicatorStoreBuilder, IpRange};
/// let mut b = IndicatorStoreBuilder::default();
/// let aws = b.add_source("misp:amazon-aws", true);
/// b.insert_range(aws, IpRange::parse("3.5.140.0/22").unwrap(), 0);
/// b.insert_domain(aws, "amazonaws.com", true, 0).unwrap();
/// let store = b.build();
/// let hits = store.matches("3.5.141.7");
/// assert_eq!(hits.len(), 1);
/// assert_eq!(hits[0].matched.to_string(), "3.5.140.0/22");
/// assert_eq!(store.matches("s3.eu-west-1.amazonaws.com")[0].matched.to_string(), "amazonaws.com");
/// assert!(store.matches("example.org").is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct IndicatorStore {
    sources: Vec<Source>,
    payloads: Vec<Payload>,
    /// IPv4 range entries: start, end, payload.
    pub(super) v4_entries: Frozen<[u32; 3]>,
    /// IPv6 range entries: start, end, payload.
    v6_entries: Vec<(u128, u128, u32)>,
    pub(super) v4: RangeIndex<u32>,
    v6: RangeIndex<u128>,
    pub(super) v4_sets: SetArena,
    v6_sets: SetArena,
    pub(super) key_sets: SetArena,
    pub(super) domains: KeyIndex,
    urls: KeyIndex,
    hashes: KeyIndex,
    texts: KeyIndex,
    counts: IndicatorCounts,
}

impl Default for IndicatorStore {
    fn default() -> Self {
        IndicatorStoreBuilder::default().build()
    }
}

impl IndicatorStore {
    /// The lists loaded.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Entries per kind.
    pub fn counts(&self) -> IndicatorCounts {
        self.counts
    }

    /// Distinct keys: IP segments with a match, domains, URLs, hashes, texts.
    pub fn distinct_keys(&self) -> usize {
        self.v4_entries.len()
            + self.v6_entries.len()
            + self.domains.len()
            + self.urls.len()
            + self.hashes.len()
            + self.texts.len()
    }

    /// Approximate bytes held by the lookup structures.
    pub fn memory_bytes(&self) -> usize {
        self.v4.memory_bytes()
            + self.v6.memory_bytes()
            + self.v4_entries.memory_bytes()
            + self.v6_entries.capacity() * std::mem::size_of::<(u128, u128, u32)>()
            + self.v4_sets.memory_bytes()
            + self.v6_sets.memory_bytes()
            + self.key_sets.memory_bytes()
            + self.domains.memory_bytes()
            + self.urls.memory_bytes()
            + self.hashes.memory_bytes()
            + self.texts.memory_bytes()
    }

    /// True when the large lookup arrays (IPv4 segments and ranges, domain table and
    /// records) were mapped on huge pages (see `anon_huge_kb` for what the kernel granted).
    pub fn huge_page_mapped(&self) -> bool {
        self.domains.is_mapped() && self.v4.is_mapped()
    }

    /// Every IPv4 range entry, in insertion order (for sampling and audits).
    pub fn ipv4_ranges(&self) -> impl Iterator<Item = IpRange> + '_ {
        self.v4_entries
            .iter()
            .map(|&[start, end, _]| IpRange::V4 { start, end })
    }

    /// Every distinct domain key (for sampling and audits), in the seeded map's order.
    pub fn domain_keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.domains.keys()
    }

    /// Number of disjoint IP segments (v4, v6) the ranges were cut into.
    pub fn ip_segments(&self) -> (usize, usize) {
        (self.v4.segments(), self.v6.segments())
    }

    #[inline]
    pub(super) fn payload_match<'s>(&'s self, p: u32, matched: Matched<'s>) -> Option<Match<'s>> {
        let pl = self.payloads.get(p as usize)?;
        Some(Match {
            source: self.sources.get(pl.source as usize)?,
            reputation: pl.reputation,
            matched,
        })
    }

    /// Calls `f` for every entry covering `ip` (an IPv4-mapped IPv6 address is looked up as
    /// IPv4).
    #[inline]
    pub fn for_each_ip<'s>(&'s self, ip: IpAddr, mut f: impl FnMut(Match<'s>)) {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(a) => self.emit_v4_set(self.v4.lookup(u32::from(a)), &mut f),
            IpAddr::V6(a) => {
                let set = self.v6.lookup(u128::from(a));
                if set == NONE {
                    return;
                }
                for r in self.v6_sets.members(set) {
                    let Some(&(start, end, p)) = self.v6_entries.get(r as usize) else {
                        continue;
                    };
                    if let Some(m) =
                        self.payload_match(p, Matched::Range(IpRange::V6 { start, end }))
                    {
                        f(m);
                    }
                }
            }
        }
    }

    /// Reports every IPv4 range of set `set` (a segment's set).
    #[inline]
    pub(super) fn emit_v4_set<'s>(&'s self, set: u32, f: &mut impl FnMut(Match<'s>)) {
        if set == NONE {
            return;
        }
        for r in self.v4_sets.members(set) {
            let Some(&[start, end, p]) = self.v4_entries.get(r as usize) else {
                continue;
            };
            if let Some(m) = self.payload_match(p, Matched::Range(IpRange::V4 { start, end })) {
                f(m);
            }
        }
    }

    #[inline]
    pub(super) fn emit_set<'s>(&'s self, key: &'s str, set: u32, f: &mut impl FnMut(Match<'s>)) {
        if set == NONE {
            return;
        }
        for p in self.key_sets.members(set) {
            if let Some(m) = self.payload_match(p, Matched::Key(key)) {
                f(m);
            }
        }
    }

    /// Calls `f` for every entry matching `domain` exactly or as a parent domain.
    #[inline]
    pub fn for_each_domain<'s>(&'s self, domain: &str, f: impl FnMut(Match<'s>)) {
        if let Some((d, labels)) = normalize_domain_labels(domain, true) {
            self.for_each_normalized_domain(&d, labels, f);
        }
    }

    #[inline]
    fn for_each_normalized_domain<'s>(
        &'s self,
        d: &str,
        labels: usize,
        mut f: impl FnMut(Match<'s>),
    ) {
        self.domains
            .for_each_suffix(d, labels, |k, set| self.emit_set(k, set, &mut f));
    }

    /// Calls `f` for every entry matching `url` exactly, and every entry matching its host
    /// (as a domain or an IP).
    pub fn for_each_url<'s>(&'s self, url: &str, mut f: impl FnMut(Match<'s>)) {
        if let Some((k, [exact, _])) = self.urls.get_key_value(url.trim()) {
            self.emit_set(k, exact, &mut f);
        }
        if let Some(host) = url_host(url) {
            match host.parse::<IpAddr>() {
                Ok(ip) => self.for_each_ip(ip, &mut f),
                Err(_) => self.for_each_domain(host, &mut f),
            }
        }
    }

    /// Calls `f` for every entry matching a hex hash (case-insensitive).
    pub fn for_each_hash<'s>(&'s self, hash: &str, mut f: impl FnMut(Match<'s>)) {
        let h = hash.trim();
        let lower;
        let h = if h.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = h.to_ascii_lowercase();
            lower.as_str()
        } else {
            h
        };
        if let Some((k, [exact, _])) = self.hashes.get_key_value(h) {
            self.emit_set(k, exact, &mut f);
        }
    }

    /// Calls `f` for every entry matching `text` exactly as a plain string.
    pub fn for_each_text<'s>(&'s self, text: &str, mut f: impl FnMut(Match<'s>)) {
        if let Some((k, [exact, _])) = self.texts.get_key_value(text.trim()) {
            self.emit_set(k, exact, &mut f);
        }
    }

    /// Calls `f` for every entry matching `indicator`, whatever its kind: an IP (never
    /// needing more than a parse), else a hash, a URL, a domain; plain-string lists are
    /// consulted for text that is none of these.
    #[inline]
    pub fn for_each_match<'s>(&'s self, indicator: &str, mut f: impl FnMut(Match<'s>)) {
        if let Some(ip) = parse_ip_fast(indicator) {
            return self.for_each_ip(ip, f);
        }
        let t = fast_trim(indicator);
        // One scan decides the common case: a name with a dot and only name characters.
        if let Some((d, labels)) = normalize_domain_labels(t, false) {
            return self.for_each_normalized_domain(&d, labels, f);
        }
        if is_hash(t) {
            self.for_each_hash(t, f);
        } else if t.contains("://") {
            self.for_each_url(t, f);
        } else {
            if let Ok(ip) = t.parse::<IpAddr>() {
                self.for_each_ip(ip, &mut f);
            }
            self.for_each_text(t, f);
        }
    }

    /// Every entry matching `indicator` (allocates; prefer the `for_each_*` methods on hot
    /// paths).
    pub fn matches(&self, indicator: &str) -> Vec<Match<'_>> {
        let mut v = Vec::new();
        self.for_each_match(indicator, |m| v.push(m));
        v
    }

    /// Number of entries matching `indicator`, without allocating.
    #[inline]
    pub fn count_matches(&self, indicator: &str) -> usize {
        let mut n = 0;
        self.for_each_match(indicator, |_| n += 1);
        n
    }
}

fn zip_entries<A: Copy>(ranges: &[(A, A)], payloads: &[u32]) -> Vec<(A, A, u32)> {
    ranges
        .iter()
        .zip(payloads)
        .map(|(&(s, e), &p)| (s, e, p))
        .collect()
}

/// Parses an IP address, trying the common IPv4 form first.
#[inline]
pub(crate) fn parse_ip_fast(s: &str) -> Option<IpAddr> {
    let b = s.as_bytes();
    let first = *b.first()?;
    if first.is_ascii_digit()
        && let Some(v4) = parse_v4(b)
    {
        return Some(IpAddr::V4(v4));
    }
    // Every textual IPv6 address has a colon within its first five characters (at most four
    // hex digits come first).
    if b.iter().take(5).any(|&c| c == b':') {
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

/// Dotted-quad IPv4 as `std` accepts it (four decimal octets, no leading zeros), in one
/// pass and without the generic parser's overhead.
#[inline]
fn parse_v4(b: &[u8]) -> Option<Ipv4Addr> {
    if !(7..=15).contains(&b.len()) {
        return None;
    }
    // The values an octet of `n` digits may have: 1 to 3 digits, at most 255, no leading
    // zero (a value of n > 1 digits is at least 10^(n-1)); empty ranges for 0 and 4+ digits.
    const RANGE: [(u32, u32); 5] = [(1, 0), (0, 9), (10, 99), (100, 255), (1, 0)];
    let bad = |v: u32, n: usize| RANGE.get(n.min(4)).is_none_or(|&(lo, hi)| v < lo || v > hi);
    let mut octets = [0u8; 4];
    let mut k = 0usize;
    let mut v = 0u32;
    let mut n = 0usize;
    for &c in b {
        let d = u32::from(c.wrapping_sub(b'0'));
        if d < 10 {
            // Wrapping: a run of digits too long for an octet is rejected by its length.
            v = v.wrapping_mul(10).wrapping_add(d);
            n += 1;
        } else if c == b'.' {
            if bad(v, n) {
                return None;
            }
            *octets.get_mut(k)? = v as u8;
            k += 1;
            v = 0;
            n = 0;
        } else {
            return None;
        }
    }
    if k != 3 || bad(v, n) {
        return None;
    }
    *octets.get_mut(3)? = v as u8;
    Some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_v4_edge_cases_agree_with_std() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.04",
            "1.2.3.0",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3.4.5",
            "1000.1.1.1",
            "1.2.3.4a",
            "10.20.30.40",
            "100.200.0.99",
            "0.00.0.0",
            "1.2.3.-4",
            "1.2.3. 4",
        ] {
            assert_eq!(parse_v4(s.as_bytes()), s.parse::<Ipv4Addr>().ok(), "{s}");
        }
    }

    proptest! {
        /// Dotted quads of 1-4 digit numbers (leading zeros, values past 255) parse as in `std`.
        #[test]
        fn parse_v4_quads_agree_with_std(parts in proptest::collection::vec("[0-9]{1,4}", 3..6)) {
            let s = parts.join(".");
            prop_assert_eq!(parse_v4(s.as_bytes()), s.parse::<Ipv4Addr>().ok());
        }

        /// The fast IPv4 parser accepts exactly what `std` accepts, with the same value.
        #[test]
        fn parse_v4_agrees_with_std(s in "[0-9.]{0,17}", a in any::<u32>()) {
            prop_assert_eq!(parse_v4(s.as_bytes()), s.parse::<Ipv4Addr>().ok());
            let t = Ipv4Addr::from(a).to_string();
            prop_assert_eq!(parse_v4(t.as_bytes()), Some(Ipv4Addr::from(a)));
        }
    }
}

//! Exact and parent-domain lookup of text keys (domains, URLs, hashes) in a compact hash table.
//!
//! A domain is matched against each of its suffixes at label boundaries, longest first:
//! `a.b.example.com` probes `a.b.example.com`, `b.example.com`, `example.com` (single labels
//! are stored exact-only, so a parent is probed only from two labels up). Each key holds two
//! interned sets of sources: lists whose entry matches that exact name (MISP `string`) and
//! lists whose entry also covers every name below it (MISP `hostname`).
//!
//! Layout, for few cache and TLB misses per probe:
//! - the table is an array of 64-byte buckets (one cache line), each with eight 32-bit tags
//!   (high bits of the key's seeded hash) and eight record offsets: a probe for an absent key
//!   reads one line, and a tag hit is a key hit but for a 2^-32 chance;
//! - the records (both sets, then the key's bytes) are packed in a separate byte arena read only
//!   on a tag hit, where the full key is compared (no false positives);
//! - both arrays are [`Frozen`]: on huge pages when the OS grants them;
//! - the suffixes of a name are hashed in one pass ([`SuffixHasher`]), and a suffix whose label
//!   count no stored key has (for parents: no key with a subtree set) is not probed at all.
//!
//! Hashed suffixes beat a reversed-label trie here: one probe per label (names have 2–4)
//! against pointer-chasing per byte. The hash is keyed by the store's seed, so a hostile name
//! set cannot aim at one bucket.

use vigil_core::{SeededMap, SeededState, SplitMix64};

use super::frozen::Frozen;
use super::sets::{NONE, SetInterner};

/// Which keys an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Only this exact key.
    Exact,
    /// This key and every name below it (domains only).
    Subtree,
}

/// Total key bytes an index accepts: record offsets are 32-bit.
const MAX_TEXT: usize = 3 << 30;

/// Build-time index: each key heads two linked lists of payload ids.
#[derive(Debug)]
pub(crate) struct KeyIndexBuilder {
    heads: SeededMap<Box<str>, [u32; 2]>,
    nodes: Vec<(u32, u32)>,
    text: usize,
}

impl KeyIndexBuilder {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            heads: SeededMap::with_hasher(SeededState::with_seed(seed)),
            nodes: Vec::new(),
            text: 0,
        }
    }

    /// Makes room for `n` more keys (saves rehashing every key as the map grows).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.heads.reserve(n);
        self.nodes.reserve(n);
    }

    /// Records that `payload` covers `key` with `scope`; `key` must already be normalised.
    /// Fails only past 3 GiB of distinct key text.
    pub(crate) fn insert(
        &mut self,
        key: &str,
        scope: Scope,
        payload: u32,
    ) -> Result<(), &'static str> {
        let slot = match scope {
            Scope::Exact => 0,
            Scope::Subtree => 1,
        };
        let node = self.nodes.len() as u32;
        let head = match self.heads.get_mut(key) {
            Some(h) => h,
            None => {
                // Worst case of a record: header, key, and padding to the next line.
                if self.text + key.len() + 13 + 63 > MAX_TEXT {
                    return Err("key index full (3 GiB of distinct keys)");
                }
                self.text += key.len() + 13 + 63;
                self.heads.entry(key.into()).or_insert([NONE, NONE])
            }
        };
        let prev = head.get(slot).copied().unwrap_or(NONE);
        if let Some(h) = head.get_mut(slot) {
            *h = node;
        }
        self.nodes.push((payload, prev));
        Ok(())
    }

    fn collect(&self, mut node: u32, out: &mut Vec<u32>) {
        out.clear();
        while let Some(&(p, next)) = self.nodes.get(node as usize) {
            out.push(p);
            node = next;
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Freezes the index; payload sets are interned in `interner`.
    pub(crate) fn finish(mut self, interner: &mut SetInterner, seed: u64) -> KeyIndex {
        let heads = std::mem::take(&mut self.heads);
        let hasher = SuffixHasher::new(seed);
        let n_keys = heads.len();
        // At most 3/4 full (at least 3/8): a probe for an absent key stops at its home bucket
        // unless that bucket is full.
        let n_buckets = (heads.len().div_ceil(SLOTS * 3 / 4))
            .max(1)
            .next_power_of_two();
        let mask = n_buckets - 1;
        let mut buckets = vec![
            [
                0u32, 0, 0, 0, 0, 0, 0, 0, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE
            ];
            n_buckets
        ];
        let mut records = Vec::with_capacity(self.text / 2);
        let mut depths = [0u64; 2];
        // About 8 filter bits per key (a 256 KiB filter for 220k domains stays in L2).
        let n_words = (n_keys * 8 / 64).max(1).next_power_of_two();
        let mut filter = vec![0u64; n_words];
        // The build map's order is fixed by its seed and the insertion order, so the frozen
        // layout is deterministic without sorting 100k+ keys.
        let mut buf = Vec::new();
        for (key, slots) in heads {
            let mut sets = [NONE; 2];
            for (out, head) in sets.iter_mut().zip(slots) {
                self.collect(head, &mut buf);
                *out = interner.intern(&buf);
            }
            let d = depth_bit(key.bytes().filter(|&b| b == b'.').count() + 1);
            depths[0] |= d;
            if sets[1] != NONE {
                depths[1] |= d;
            }
            // A record that fits in a cache line never straddles two: one miss to confirm a key.
            let size = 9 + key.len();
            let at = records.len() % 64;
            if size <= 64 && at + size > 64 {
                records.resize(records.len() + 64 - at, 0);
            }
            let r = records.len() as u32;
            records.extend_from_slice(&sets[0].to_le_bytes());
            records.extend_from_slice(&sets[1].to_le_bytes());
            match u8::try_from(key.len()) {
                Ok(l) if l < LONG => records.push(l),
                _ => {
                    records.push(LONG);
                    records.extend_from_slice(&(key.len() as u32).to_le_bytes());
                }
            }
            records.extend_from_slice(key.as_bytes());
            let h = hasher.hash(key.as_bytes());
            let (w, bits) = filter_word(h, n_words - 1);
            if let Some(x) = filter.get_mut(w) {
                *x |= bits;
            }
            let mut b = h as usize & mask;
            // Linear probing over buckets; the table is at most 3/4 full, so this ends.
            for _ in 0..n_buckets {
                if let Some(bucket) = buckets.get_mut(b)
                    && let Some(i) = bucket
                        .get(SLOTS..)
                        .and_then(|refs| refs.iter().position(|&x| x == NONE))
                {
                    if let Some(t) = bucket.get_mut(i) {
                        *t = tag(h);
                    }
                    if let Some(x) = bucket.get_mut(SLOTS + i) {
                        *x = r;
                    }
                    break;
                }
                b = (b + 1) & mask;
            }
        }
        KeyIndex {
            len: n_keys,
            hasher,
            buckets: Frozen::new(buckets),
            mask,
            records: Frozen::new(records),
            depths,
            filter_mask: n_words - 1,
            filter: Frozen::new(filter),
        }
    }
}

/// Slots per bucket: eight tags and eight offsets fill a 64-byte line.
const SLOTS: usize = 8;

/// Length byte meaning "a 32-bit length follows".
const LONG: u8 = 255;

#[inline]
fn tag(h: u64) -> u32 {
    (h >> 32) as u32
}

/// Bit of a label count in a depth mask (counts past 63 share the last bit).
#[inline]
fn depth_bit(labels: usize) -> u64 {
    1 << labels.min(63)
}

/// `a == b` for short keys without a call to `memcmp`: 8-byte words, the last one overlapping.
#[inline]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut end = 8;
    while end < n {
        if load8(a, end) != load8(b, end) {
            return false;
        }
        end += 8;
    }
    load8(a, n) == load8(b, n)
}

/// The filter word of hash `h` (`mask`: words - 1) and the four bits a key sets in it.
#[inline]
fn filter_word(h: u64, mask: usize) -> (usize, u64) {
    let g = fold(h, 0x9e37_79b9_7f4a_7c15);
    let bits = (1u64 << (g >> 58))
        | (1u64 << ((g >> 52) & 63))
        | (1u64 << ((g >> 46) & 63))
        | (1u64 << ((g >> 40) & 63));
    (g as usize & mask, bits)
}

/// Folded multiply: the high and low halves of a 128-bit product, XORed.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Eight bytes ending at `end`, little-endian (zero when out of range).
#[inline]
fn load8(b: &[u8], end: usize) -> u64 {
    b.get(end.wrapping_sub(8)..end)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

/// A seeded hash whose value for every suffix of a name comes out of one pass.
///
/// The name is cut into 8-byte chunks aligned to its *end*, folded in from the right; a
/// suffix's full chunks are then the name's own last chunks, so after one pass over the name
/// each suffix costs one finishing step (its leading partial chunk and its length). The hash
/// of a suffix equals the hash of the suffix as a key of its own (tested).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SuffixHasher {
    k: [u64; 4],
}

impl Default for SuffixHasher {
    fn default() -> Self {
        Self::new(SeededState::DEFAULT_SEED)
    }
}

/// Most suffixes of one name hashed in one pass (a name with more labels is hashed suffix by
/// suffix).
const MAX_SUFFIXES: usize = 16;

impl SuffixHasher {
    pub(crate) fn new(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed ^ 0x7375_6666_6978);
        Self {
            k: [
                sm.next_u64(),
                sm.next_u64() | 1,
                sm.next_u64(),
                sm.next_u64() | 1,
            ],
        }
    }

    /// The hash of `key`.
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        let mut s = self.k[0];
        let mut end = key.len();
        while end >= 8 {
            s = fold(s ^ load8(key, end), self.k[1]);
            end -= 8;
        }
        self.finish(s, key, 0, key.len())
    }

    /// The hash of `b[off..]` (length `m`) from the state after its full chunks.
    #[inline]
    fn finish(&self, s: u64, b: &[u8], off: usize, m: usize) -> u64 {
        let r = m % 8;
        let part = if r == 0 {
            0
        } else if off + r >= 8 {
            // The 8 bytes ending where the partial chunk ends, its bytes on top: shift them down.
            load8(b, off + r) >> (64 - 8 * r)
        } else {
            b.get(off..off + r)
                .unwrap_or(&[])
                .iter()
                .rev()
                .fold(0u64, |acc, &c| (acc << 8) | u64::from(c))
        };
        fold(fold(s ^ part, self.k[2] ^ m as u64), self.k[3])
    }

    /// Calls `f(offset, labels, hash)` for `name` itself and for each parent of two labels or
    /// more, longest first. `labels` is the number of labels of `name` (its dots plus one).
    #[inline]
    pub(crate) fn for_each_suffix(
        &self,
        name: &[u8],
        labels: usize,
        mut f: impl FnMut(usize, usize, u64),
    ) {
        // Offsets of the suffixes to hash, longest first (a DNS name has at most 253 bytes,
        // so `u8` offsets; more than MAX_SUFFIXES suffixes only in hostile input).
        let mut offs = [0u8; MAX_SUFFIXES];
        let mut k = 1;
        let mut off = 0;
        let mut left = labels;
        while left > 2 {
            let Some(next) = after_next_dot(name, off) else {
                break;
            };
            off = next;
            left -= 1;
            match (offs.get_mut(k), u8::try_from(off)) {
                (Some(o), Ok(v)) => *o = v,
                _ => return self.for_each_suffix_slow(name, labels, f),
            }
            k += 1;
        }
        let n = name.len();
        if n > 255 {
            return self.for_each_suffix_slow(name, labels, f);
        }
        // One right-to-left pass: the state after `q` chunks serves every suffix of `8q` to
        // `8q + 7` bytes; finish each suffix when its chunk count is reached (shortest first).
        let mut hs = [0u64; MAX_SUFFIXES];
        let mut s = self.k[0];
        let mut q = 0;
        for i in (0..k).rev() {
            let o = usize::from(offs.get(i).copied().unwrap_or(0));
            let m = n - o;
            while q < m / 8 {
                s = fold(s ^ load8(name, n - 8 * q), self.k[1]);
                q += 1;
            }
            if let Some(h) = hs.get_mut(i) {
                *h = self.finish(s, name, o, m);
            }
        }
        for (i, (&o, &h)) in offs.iter().zip(&hs).take(k).enumerate() {
            f(usize::from(o), labels - i, h);
        }
    }

    /// [`Self::for_each_suffix`] for names too long or with too many labels for its arrays:
    /// each suffix hashed on its own (same values).
    #[cold]
    fn for_each_suffix_slow(
        &self,
        name: &[u8],
        mut labels: usize,
        mut f: impl FnMut(usize, usize, u64),
    ) {
        let mut off = 0;
        f(0, labels, self.hash(name));
        while labels > 2 {
            let Some(next) = after_next_dot(name, off) else {
                break;
            };
            off = next;
            labels -= 1;
            f(off, labels, self.hash(name.get(off..).unwrap_or(&[])));
        }
    }
}

/// Frozen key index: key → `[exact set, subtree set]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    hasher: SuffixHasher,
    /// Buckets: `[tags; 8]` then `[record offsets; 8]` ([`NONE`]: empty slot).
    buckets: Frozen<[u32; 16]>,
    mask: usize,
    /// Records: exact set, subtree set (`u32` LE each), key length (a byte, or [`LONG`] and a
    /// `u32`), key bytes.
    records: Frozen<u8>,
    /// Label counts present: `[any key, keys with a subtree set]`.
    depths: [u64; 2],
    /// A blocked Bloom filter of the keys' hashes (four bits in one word per key): a suffix
    /// it rules out costs no table access (it is small enough to stay in L2).
    filter: Frozen<u64>,
    filter_mask: usize,
    len: usize,
}

impl KeyIndex {
    /// The key and sets of the record at `r`.
    #[inline]
    fn record(&self, r: u32) -> Option<(&[u8], [u32; 2])> {
        let rec = self.records.get(r as usize..)?;
        let word = |i: usize| {
            rec.get(i..i + 4)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
                .map_or(NONE, u32::from_le_bytes)
        };
        let sets = [word(0), word(4)];
        let (len, start) = match *rec.get(8)? {
            LONG => (word(9) as usize, 13),
            l => (usize::from(l), 9),
        };
        Some((rec.get(start..start + len)?, sets))
    }

    /// The stored key equal to `key`, and its sets.
    #[inline]
    pub(crate) fn get_key_value(&self, key: &str) -> Option<(&str, [u32; 2])> {
        let h = self.hasher.hash(key.as_bytes());
        self.confirm(self.probe(h), h, key)
    }

    /// The record offset of the first slot on `h`'s probe path whose tag matches, or
    /// [`NONE`] (first step of a lookup: one cache line, rarely two).
    #[inline]
    pub(crate) fn probe(&self, h: u64) -> u32 {
        let t = tag(h);
        let mut b = h as usize & self.mask;
        for _ in 0..self.buckets.len() {
            let Some(bucket) = self.buckets.get(b) else {
                return NONE;
            };
            let (tags, refs) = bucket.split_at(SLOTS);
            let mut hit = 0u32;
            let mut empty = 0u32;
            for (i, (&x, &r)) in tags.iter().zip(refs).enumerate() {
                hit |= u32::from(x == t && r != NONE) << i;
                empty |= u32::from(r == NONE) << i;
            }
            if hit != 0 {
                return refs
                    .get(hit.trailing_zeros() as usize)
                    .copied()
                    .unwrap_or(NONE);
            }
            if empty != 0 {
                return NONE;
            }
            b = (b + 1) & self.mask;
        }
        NONE
    }

    /// Confirms that record `r` (from [`Self::probe`] with hash `h`) holds `key` (second
    /// step: reads the record). On a tag collision, scans `h`'s whole probe path.
    #[inline]
    pub(crate) fn confirm(&self, r: u32, h: u64, key: &str) -> Option<(&str, [u32; 2])> {
        if r == NONE {
            return None;
        }
        match self.record(r) {
            Some((k, sets)) if eq_bytes(k, key.as_bytes()) => {
                Some((std::str::from_utf8(k).ok()?, sets))
            }
            _ => self.find_slow(h, key),
        }
    }

    /// Every slot on `h`'s probe path, each tag match checked against `key`.
    #[cold]
    fn find_slow(&self, h: u64, key: &str) -> Option<(&str, [u32; 2])> {
        let t = tag(h);
        let mut b = h as usize & self.mask;
        for _ in 0..self.buckets.len() {
            let bucket = self.buckets.get(b)?;
            let (tags, refs) = bucket.split_at(SLOTS);
            for (&x, &r) in tags.iter().zip(refs) {
                if r == NONE {
                    return None;
                }
                if x == t
                    && let Some((k, sets)) = self.record(r)
                    && k == key.as_bytes()
                {
                    return Some((std::str::from_utf8(k).ok()?, sets));
                }
            }
            b = (b + 1) & self.mask;
        }
        None
    }

    /// False when no key has hash `h` (the filter is exact in that direction).
    #[inline]
    fn may_contain(&self, h: u64) -> bool {
        let (w, bits) = filter_word(h, self.filter_mask);
        self.filter.get(w).is_none_or(|&x| x & bits == bits)
    }

    /// Calls `f(offset, hash)` for the suffixes of `name` (of `labels` labels) a domain
    /// lookup probes: the name itself, then each parent of two labels or more, longest first,
    /// skipping label counts that no stored key has (for parents: no key with a subtree set).
    #[inline]
    pub(crate) fn suffix_probes(&self, name: &str, labels: usize, mut f: impl FnMut(usize, u64)) {
        let [any, sub] = self.depths;
        if any == 0 {
            return;
        }
        self.hasher
            .for_each_suffix(name.as_bytes(), labels, |off, labels, h| {
                let want = if off == 0 { any } else { sub };
                if want & depth_bit(labels) != 0 && self.may_contain(h) {
                    f(off, h);
                }
            });
    }

    /// Calls `f(stored_key, set)` for the exact key (both sets) and every parent domain of
    /// two labels or more (subtree sets only: single labels are stored exact-only). `name`
    /// has `labels` labels.
    #[inline]
    pub(crate) fn for_each_suffix<'s>(
        &'s self,
        name: &str,
        labels: usize,
        mut f: impl FnMut(&'s str, u32),
    ) {
        // Every suffix's bucket first, then the records: the probes of one name are
        // independent loads, so their cache misses overlap.
        let mut probes = [(0usize, 0u64, NONE); MAX_SUFFIXES];
        let mut k = 0;
        self.suffix_probes(name, labels, |off, h| {
            if let Some(p) = probes.get_mut(k) {
                *p = (off, h, self.probe(h));
            }
            k += 1;
        });
        let mut emit = |off: usize, h: u64, slot: u32| {
            if let Some((key, [exact, sub])) = self.confirm(slot, h, name.get(off..).unwrap_or(""))
            {
                if off == 0 {
                    f(key, exact);
                }
                f(key, sub);
            }
        };
        if k <= MAX_SUFFIXES {
            for &(off, h, slot) in probes.iter().take(k) {
                emit(off, h, slot);
            }
        } else {
            // More suffixes than the array holds (hostile input): one after the other.
            self.suffix_probes(name, labels, |off, h| emit(off, h, self.probe(h)));
        }
    }

    /// Reads the first word of `h`'s home bucket (a batched lookup touches every bucket
    /// before probing any, so their misses overlap).
    #[inline]
    pub(crate) fn touch_bucket(&self, h: u64) -> u32 {
        self.buckets.get(h as usize & self.mask).map_or(0, |b| b[0])
    }

    /// Reads the first byte of record `r` ([`NONE`]: nothing).
    #[inline]
    pub(crate) fn touch_record(&self, r: u32) -> u8 {
        if r == NONE {
            return 0;
        }
        self.records.get(r as usize).copied().unwrap_or(0)
    }

    /// Every key, in the table's order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.buckets
            .iter()
            .flat_map(|b| b.get(SLOTS..).unwrap_or(&[]).iter())
            .filter(|&&r| r != NONE)
            .filter_map(|&r| self.record(r))
            .filter_map(|(k, _)| std::str::from_utf8(k).ok())
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held (table, records and filter).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.buckets.memory_bytes() + self.records.memory_bytes() + self.filter.memory_bytes()
    }

    /// True when the table and records are huge-page mappings (or too small to need one).
    pub(crate) fn is_mapped(&self) -> bool {
        self.buckets.is_mapped() && self.records.is_mapped()
    }
}

/// The offset just past the first `.` at or after `off` in `name`: where the parent starts.
#[inline]
fn after_next_dot(name: &[u8], off: usize) -> Option<usize> {
    let dot = name.get(off..)?.iter().position(|&c| c == b'.')?;
    Some(off + dot + 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Each suffix's one-pass hash is the hash of the suffix as a key.
        #[test]
        fn suffix_hashes_equal_key_hashes(
            labels in proptest::collection::vec("[a-z0-9-]{1,20}", 1..8),
            seed in any::<u64>(),
        ) {
            let name = labels.join(".");
            let h = SuffixHasher::new(seed);
            let mut seen = Vec::new();
            h.for_each_suffix(name.as_bytes(), labels.len(), |off, n, x| seen.push((off, n, x)));
            prop_assert_eq!(seen.first().map(|s| s.0), Some(0));
            for (off, n, x) in seen.iter().copied() {
                let s = &name[off..];
                prop_assert_eq!(x, h.hash(s.as_bytes()));
                prop_assert_eq!(n, s.split('.').count());
            }
            let want = if labels.len() > 2 { labels.len() - 1 } else { 1 };
            prop_assert_eq!(seen.len(), want);
        }
    }

    #[test]
    fn long_names_fall_back_to_whole_hashes() {
        let name = format!("{}.b.c", "a".repeat(300));
        let h = SuffixHasher::default();
        let mut seen = Vec::new();
        h.for_each_suffix(name.as_bytes(), 3, |off, _, x| seen.push((off, x)));
        assert_eq!(seen, [(0, h.hash(name.as_bytes())), (301, h.hash(b"b.c"))]);
    }

    fn index(keys: &[&str]) -> KeyIndex {
        let mut b = KeyIndexBuilder::new(7);
        for (i, k) in keys.iter().enumerate() {
            b.insert(k, Scope::Subtree, i as u32).unwrap();
        }
        b.finish(&mut SetInterner::new(7), 7)
    }

    #[test]
    fn long_keys_and_wrong_candidates_are_found() {
        let long = format!("{}.example.com", "x".repeat(400));
        let idx = index(&["a.com", &long, "b.org"]);
        assert_eq!(idx.len(), 3);
        assert_eq!(
            idx.get_key_value(&long).map(|(k, _)| k),
            Some(long.as_str())
        );
        assert!(idx.get_key_value("c.net").is_none());
        // A candidate whose key differs (as on a 32-bit tag collision) falls back to a scan
        // of the probe path, which still finds the key.
        let h = idx.hasher.hash(b"b.org");
        let wrong = idx.probe(idx.hasher.hash(b"a.com"));
        assert_eq!(
            idx.confirm(wrong, h, "b.org").map(|(k, _)| k),
            Some("b.org")
        );
        let mut keys: Vec<&str> = idx.keys().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["a.com", "b.org", long.as_str()]);
    }

    #[test]
    fn seeds_change_hashes() {
        assert_ne!(
            SuffixHasher::new(1).hash(b"example.com"),
            SuffixHasher::new(2).hash(b"example.com")
        );
    }
}

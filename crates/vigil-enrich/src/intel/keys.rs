//! Exact and parent-domain lookup of text keys (domains, URLs, hashes) in a seeded hash map.
//!
//! A domain is matched against each of its suffixes at label boundaries, longest first:
//! `a.b.example.com` probes `a.b.example.com`, `b.example.com`, `example.com`, `com`. Each key
//! holds two interned sets of sources: lists whose entry matches that exact name (MISP
//! `string`) and lists whose entry also covers every name below it (MISP `hostname`). Hashed
//! suffixes beat a reversed-label trie here: one probe per label (names have 2–4) against
//! pointer-chasing per byte, and the seeded hasher keeps hostile names from flooding a bucket.

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use vigil_core::{SeededMap, SeededState};

use super::sets::{NONE, SetInterner};

/// Which keys an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Only this exact key.
    Exact,
    /// This key and every name below it (domains only).
    Subtree,
}

/// Build-time index: each key heads two linked lists of payload ids.
#[derive(Debug)]
pub(crate) struct KeyIndexBuilder {
    heads: SeededMap<Box<str>, [u32; 2]>,
    nodes: Vec<(u32, u32)>,
}

impl KeyIndexBuilder {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            heads: SeededMap::with_hasher(SeededState::with_seed(seed)),
            nodes: Vec::new(),
        }
    }

    /// Makes room for `n` more keys (saves rehashing every key as the map grows).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.heads.reserve(n);
        self.nodes.reserve(n);
    }

    /// Records that `payload` covers `key` with `scope`; `key` must already be normalised.
    pub(crate) fn insert(&mut self, key: &str, scope: Scope, payload: u32) {
        let slot = match scope {
            Scope::Exact => 0,
            Scope::Subtree => 1,
        };
        let node = self.nodes.len() as u32;
        let head = match self.heads.get_mut(key) {
            Some(h) => h,
            None => self.heads.entry(key.into()).or_insert([NONE, NONE]),
        };
        let prev = head.get(slot).copied().unwrap_or(NONE);
        if let Some(h) = head.get_mut(slot) {
            *h = node;
        }
        self.nodes.push((payload, prev));
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
        let state = SeededState::with_seed(seed);
        let mut text =
            String::with_capacity(heads.keys().map(|k| k.len()).filter(|&l| l > INLINE).sum());
        let mut overflow: Vec<KeyRec> = Vec::new();
        let mut map: SeededMap<u64, KeyRec> =
            SeededMap::with_capacity_and_hasher(heads.len(), SeededState::with_seed(seed ^ 0x55));
        // The build map's order is fixed by its seed and the insertion order, so the frozen
        // layout is deterministic without sorting 100k+ keys.
        let mut buf = Vec::new();
        for (key, slots) in heads {
            let mut sets = [NONE; 2];
            for (out, head) in sets.iter_mut().zip(slots) {
                self.collect(head, &mut buf);
                *out = interner.intern(&buf);
            }
            let mut inline = [0u8; INLINE];
            if key.len() <= INLINE {
                if let Some(dst) = inline.get_mut(..key.len()) {
                    dst.copy_from_slice(key.as_bytes());
                }
            } else {
                if let Some(dst) = inline.get_mut(..4) {
                    dst.copy_from_slice(&(text.len() as u32).to_le_bytes());
                }
                text.push_str(&key);
            }
            let rec = KeyRec {
                len: key.len() as u32,
                sets,
                next: NONE,
                inline,
            };
            // A 64-bit collision (never seen in practice) chains into `overflow`.
            match map.entry(state.hash_one(&*key)) {
                Entry::Vacant(v) => {
                    v.insert(rec);
                }
                Entry::Occupied(mut o) => {
                    let head = o.get_mut();
                    overflow.push(KeyRec {
                        next: head.next,
                        ..rec
                    });
                    head.next = overflow.len() as u32 - 1;
                }
            }
        }
        let len = map.len() + overflow.len();
        // The frozen table is keyed by the seeded hash itself: no second hashing per probe.
        let mut table = HashTable::with_capacity(map.len());
        for (h, rec) in map {
            table.insert_unique(h, (h, rec), |e: &(u64, KeyRec)| e.0);
        }
        KeyIndex {
            state,
            table,
            overflow,
            text,
            len,
        }
    }
}

/// One stored key: where its text is, its two sets, and the next key with the same 64-bit
/// hash in the overflow list (almost always none). Held in the table itself, so a lookup
/// reads the table slot and the key's text, nothing else.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyRec {
    len: u32,
    sets: [u32; 2],
    next: u32,
    /// The key itself when it fits (most domains and hashes' prefixes do not need the
    /// arena: no second memory access to confirm a hit); else its arena offset, little-endian,
    /// in the first four bytes.
    inline: [u8; INLINE],
}

/// Keys up to this many bytes are stored in the table slot itself.
const INLINE: usize = 24;

/// Frozen key index: key → `[exact set, subtree set]`.
///
/// The table maps a key's seeded 64-bit hash to its record, so a probe for an absent key
/// touches only the table (no string), and a present one is confirmed by one comparison.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    state: SeededState,
    /// `(seeded hash, record)`, looked up by the seeded hash (already keyed, so a hostile key
    /// set cannot aim at one bucket).
    table: HashTable<(u64, KeyRec)>,
    overflow: Vec<KeyRec>,
    text: String,
    len: usize,
}

impl KeyIndex {
    #[inline]
    fn key_bytes<'a>(&'a self, r: &'a KeyRec) -> &'a [u8] {
        let len = r.len as usize;
        if len <= INLINE {
            r.inline.get(..len).unwrap_or(&[])
        } else {
            let mut off = [0u8; 4];
            if let Some(src) = r.inline.get(..4) {
                off.copy_from_slice(src);
            }
            let off = u32::from_le_bytes(off) as usize;
            self.text.as_bytes().get(off..off + len).unwrap_or(&[])
        }
    }

    #[inline]
    fn key_of<'a>(&'a self, r: &'a KeyRec) -> &'a str {
        // Stored bytes were copied from a `&str`, so this never falls back.
        std::str::from_utf8(self.key_bytes(r)).unwrap_or("")
    }

    /// The stored key equal to `key`, and its sets.
    #[inline]
    pub(crate) fn get_key_value(&self, key: &str) -> Option<(&str, [u32; 2])> {
        self.confirm(self.probe(self.hash(key)), key)
    }

    /// The seeded hash of `key` (first step of a lookup, no memory access to the table).
    #[inline]
    pub(crate) fn hash(&self, key: &str) -> u64 {
        self.state.hash_one(key)
    }

    /// The table slot for hash `h` (second step: the table's cache miss).
    #[inline]
    pub(crate) fn probe(&self, h: u64) -> Option<&KeyRec> {
        self.table.find(h, |e| e.0 == h).map(|e| &e.1)
    }

    /// Confirms that slot `r` (from [`Self::probe`]) holds `key`, following the overflow
    /// chain (last step: reads the key text when it is not inline).
    #[inline]
    pub(crate) fn confirm<'a>(
        &'a self,
        r: Option<&'a KeyRec>,
        key: &str,
    ) -> Option<(&'a str, [u32; 2])> {
        let mut r = r?;
        loop {
            if self.key_bytes(r) == key.as_bytes() {
                return Some((self.key_of(r), r.sets));
            }
            r = self.overflow.get(r.next as usize)?;
        }
    }

    /// Calls `f(stored_key, set)` for the exact key (both sets) and every parent domain of
    /// two labels or more (subtree sets only: single labels are stored exact-only).
    #[inline]
    pub(crate) fn for_each_suffix<'s>(&'s self, name: &str, mut f: impl FnMut(&'s str, u32)) {
        if self.len == 0 {
            return;
        }
        if let Some((k, [exact, sub])) = self.get_key_value(name) {
            f(k, exact);
            f(k, sub);
        }
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if !parent.contains('.') {
                break;
            }
            if let Some((k, [_, sub])) = self.get_key_value(parent) {
                f(k, sub);
            }
            rest = parent;
        }
    }

    /// Every key, in the seeded table's order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.table
            .iter()
            .map(|e| &e.1)
            .chain(&self.overflow)
            .map(|r| self.key_of(r))
    }

    /// True when no key is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Approximate bytes held (text, records, table slots).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.text.capacity()
            + self.overflow.capacity() * std::mem::size_of::<KeyRec>()
            + self.table.capacity() * (std::mem::size_of::<(u64, KeyRec)>() + 1)
    }
}

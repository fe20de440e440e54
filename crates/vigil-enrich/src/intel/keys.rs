//! Exact and parent-domain lookup of text keys (domains, URLs, hashes) in a seeded hash map.
//!
//! A domain is matched against each of its suffixes at label boundaries, longest first:
//! `a.b.example.com` probes `a.b.example.com`, `b.example.com`, `example.com`, `com`. Each key
//! holds two interned sets of sources: lists whose entry matches that exact name (MISP
//! `string`) and lists whose entry also covers every name below it (MISP `hostname`). Hashed
//! suffixes beat a reversed-label trie here: one probe per label (names have 2–4) against
//! pointer-chasing per byte, and the seeded hasher keeps hostile names from flooding a bucket.

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
    pub(crate) fn finish(mut self, interner: &mut SetInterner) -> KeyIndex {
        let mut buf = Vec::new();
        let mut heads = std::mem::take(&mut self.heads);
        for v in heads.values_mut() {
            for slot in v.iter_mut() {
                self.collect(*slot, &mut buf);
                *slot = interner.intern(&buf);
            }
        }
        heads.shrink_to_fit();
        KeyIndex { map: heads }
    }
}

/// Frozen key index: key → `[exact set, subtree set]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    map: SeededMap<Box<str>, [u32; 2]>,
}

impl KeyIndex {
    /// The stored key equal to `key`, and its sets.
    #[inline]
    pub(crate) fn get_key_value(&self, key: &str) -> Option<(&str, [u32; 2])> {
        self.map.get_key_value(key).map(|(k, v)| (&**k, *v))
    }

    /// Calls `f(stored_key, set)` for the exact key (both sets) and every parent domain
    /// (subtree sets only).
    #[inline]
    pub(crate) fn for_each_suffix<'s>(&'s self, name: &str, mut f: impl FnMut(&'s str, u32)) {
        if self.map.is_empty() {
            return;
        }
        if let Some((k, [exact, sub])) = self.get_key_value(name) {
            f(k, exact);
            f(k, sub);
        }
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.is_empty() {
                break;
            }
            if let Some((k, [_, sub])) = self.get_key_value(parent) {
                f(k, sub);
            }
            rest = parent;
        }
    }

    /// Every key, in the seeded map's order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.map.keys().map(|k| &**k)
    }

    /// Distinct keys.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Approximate bytes held (keys, table slots).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.map.keys().map(|k| k.len()).sum::<usize>()
            + self.map.capacity() * (std::mem::size_of::<(Box<str>, [u32; 2])>() + 1)
    }
}

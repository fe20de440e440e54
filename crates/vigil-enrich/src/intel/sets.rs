//! Interned sets of small integers: many keys or segments share the same few sets of sources.
//!
//! A set reference is a `u32` that saves memory accesses on the lookup path:
//! - [`NONE`] for the empty set;
//! - a member id tagged with `SINGLE` for a one-member set (the common case: no access);
//! - the arena offset and length packed in the reference itself (one access);
//! - past 4M arena items or 255 members, the index of an (offset, length) pair (two).

use vigil_core::{SeededMap, SeededState};

use super::frozen::Frozen;

/// The reference of the empty set.
pub(crate) const NONE: u32 = u32::MAX;
/// Tag of a one-member set stored inline.
const SINGLE: u32 = 1 << 31;
/// Tag of a set found through the `big` table.
const BIG: u32 = 1 << 30;
/// Largest arena offset packed inline (22 bits).
const MAX_INLINE_OFF: usize = (1 << 22) - 1;

/// Sets stored back to back.
#[derive(Debug, Clone, Default)]
pub(crate) struct SetArena {
    big: Vec<(u32, u32)>,
    items: Frozen<u32>,
}

/// The members of one set.
pub(crate) enum Members<'a> {
    One(Option<u32>),
    Many(std::slice::Iter<'a, u32>),
}

impl Iterator for Members<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            Self::One(o) => o.take(),
            Self::Many(it) => it.next().copied(),
        }
    }
}

impl SetArena {
    /// The members of set `r` (none for [`NONE`] or an unknown id).
    #[inline]
    pub(crate) fn members(&self, r: u32) -> Members<'_> {
        if r == NONE {
            return Members::One(None);
        }
        if r & SINGLE != 0 {
            return Members::One(Some(r & !SINGLE));
        }
        let (off, len) = if r & BIG != 0 {
            self.big
                .get((r & !BIG) as usize)
                .map_or((0, 0), |&(o, l)| (o as usize, l as usize))
        } else {
            ((r >> 8) as usize, (r & 0xff) as usize)
        };
        Members::Many(self.items.get(off..off + len).unwrap_or(&[]).iter())
    }

    /// The first member of set `r` ([`NONE`] when empty): reading it early brings the
    /// set's arena line into cache before its members are iterated.
    #[inline]
    pub(crate) fn first(&self, r: u32) -> u32 {
        self.members(r).next().unwrap_or(NONE)
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.big.capacity() * 8 + self.items.memory_bytes()
    }
}

/// Builds a [`SetArena`], giving equal sets the same reference.
#[derive(Debug)]
pub(crate) struct SetInterner {
    big: Vec<(u32, u32)>,
    items: Vec<u32>,
    ids: SeededMap<Vec<u32>, u32>,
}

impl SetInterner {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            big: Vec::new(),
            items: Vec::new(),
            ids: SeededMap::with_hasher(SeededState::with_seed(seed)),
        }
    }

    /// The reference of the set `items` (sorted, deduplicated by the caller; members below
    /// 2^31).
    pub(crate) fn intern(&mut self, items: &[u32]) -> u32 {
        match items {
            [] => return NONE,
            [one] if *one < SINGLE => return one | SINGLE,
            _ => {}
        }
        if let Some(&id) = self.ids.get(items) {
            return id;
        }
        let off = self.items.len();
        self.items.extend_from_slice(items);
        let id = if off <= MAX_INLINE_OFF && items.len() <= 0xff {
            ((off as u32) << 8) | items.len() as u32
        } else {
            let i = self.big.len() as u32;
            self.big.push((off as u32, items.len() as u32));
            i | BIG
        };
        self.ids.insert(items.to_vec(), id);
        id
    }

    pub(crate) fn finish(mut self) -> SetArena {
        self.big.shrink_to_fit();
        SetArena {
            big: self.big,
            items: Frozen::new(self.items),
        }
    }
}

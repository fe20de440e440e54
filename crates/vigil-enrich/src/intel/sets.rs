//! Interned sets of small integers: many keys or segments share the same few sets of sources.
//!
//! A set reference is a `u32` that saves memory accesses on the lookup path:
//! - [`NONE`] for the empty set;
//! - a member id tagged with `SINGLE` for a one-member set (the common case: no access);
//! - two members below 2^15 - 1 packed with the `SINGLE | BIG` tag (no access either: the
//!   second most common case, a key on two lists);
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
/// Tag of a two-member set stored inline (15 bits each).
const PAIR: u32 = SINGLE | BIG;
/// Members of an inline pair are below this (so a pair never equals [`NONE`]).
const PAIR_MAX: u32 = (1 << 15) - 1;
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
    /// Up to two members held in the reference: `items[i..n]`.
    Inline {
        items: [u32; 2],
        i: u8,
        n: u8,
    },
    Many(std::slice::Iter<'a, u32>),
}

impl Members<'_> {
    #[inline]
    fn inline(items: [u32; 2], n: u8) -> Self {
        Self::Inline { items, i: 0, n }
    }
}

impl Iterator for Members<'_> {
    type Item = u32;
    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self {
            Self::Inline { items, i, n } => {
                if *i >= *n {
                    return None;
                }
                let v = items.get(usize::from(*i)).copied();
                *i += 1;
                v
            }
            Self::Many(it) => it.next().copied(),
        }
    }
}

impl SetArena {
    /// The members of set `r` (none for [`NONE`] or an unknown id).
    #[inline]
    pub(crate) fn members(&self, r: u32) -> Members<'_> {
        if r == NONE {
            return Members::inline([0, 0], 0);
        }
        if r & PAIR == PAIR {
            return Members::inline([r & PAIR_MAX, (r >> 15) & PAIR_MAX], 2);
        }
        if r & SINGLE != 0 {
            return Members::inline([r & !SINGLE, 0], 1);
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
    /// 2^30).
    pub(crate) fn intern(&mut self, items: &[u32]) -> u32 {
        match items {
            [] => return NONE,
            [one] if *one < BIG => return one | SINGLE,
            [a, b] if *a < PAIR_MAX && *b < PAIR_MAX => return PAIR | (b << 15) | a,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every set comes back with its members, in order, whichever encoding it gets
        /// (empty, single, inline pair, inline offset, big table).
        #[test]
        fn sets_round_trip(
            sets in proptest::collection::vec(
                proptest::collection::btree_set(
                    prop_oneof![0u32..40_000, (1u32 << 29)..(1u32 << 30)],
                    0..6,
                ),
                1..40,
            )
        ) {
            let mut interner = SetInterner::new(1);
            let refs: Vec<u32> = sets
                .iter()
                .map(|s| interner.intern(&s.iter().copied().collect::<Vec<_>>()))
                .collect();
            let arena = interner.finish();
            for (s, &r) in sets.iter().zip(&refs) {
                let got: Vec<u32> = arena.members(r).collect();
                let want: Vec<u32> = s.iter().copied().collect();
                prop_assert_eq!(&got, &want);
                prop_assert_eq!(arena.first(r), want.first().copied().unwrap_or(NONE));
            }
        }
    }
}

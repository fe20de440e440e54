//! Interned sets of small integers: many keys or segments share the same few sets of sources.

use vigil_core::{SeededMap, SeededState};

/// The id of "no set".
pub(crate) const NONE: u32 = u32::MAX;

/// Sets stored back to back.
#[derive(Debug, Clone, Default)]
pub(crate) struct SetArena {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl SetArena {
    /// The members of set `id` (empty for [`NONE`] or an unknown id).
    #[inline]
    pub(crate) fn get(&self, id: u32) -> &[u32] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of distinct sets.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        (self.offsets.capacity() + self.items.capacity()) * 4
    }
}

/// Builds a [`SetArena`], giving equal sets the same id.
#[derive(Debug)]
pub(crate) struct SetInterner {
    arena: SetArena,
    ids: SeededMap<Vec<u32>, u32>,
}

impl SetInterner {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            arena: SetArena {
                offsets: vec![0],
                items: Vec::new(),
            },
            ids: SeededMap::with_hasher(SeededState::with_seed(seed)),
        }
    }

    /// The id of the set `items` (sorted, deduplicated by the caller); [`NONE`] when empty.
    pub(crate) fn intern(&mut self, items: &[u32]) -> u32 {
        if items.is_empty() {
            return NONE;
        }
        if let Some(&id) = self.ids.get(items) {
            return id;
        }
        let id = self.arena.len() as u32;
        self.arena.items.extend_from_slice(items);
        self.arena.offsets.push(self.arena.items.len() as u32);
        self.ids.insert(items.to_vec(), id);
        id
    }

    pub(crate) fn finish(self) -> SetArena {
        self.arena
    }
}

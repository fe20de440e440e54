//! A capped arena of profiles with a seeded index and sampled least-recently-used eviction.

use std::mem::size_of;

use zerocopy::FromBytes;

use vigil_core::SplitMix64;

use crate::index::FlatIndex;
use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::slab::{Block, Slab};

/// Profiles as fixed-size rows of one slab (core, then `m` measure slots, then `d` dimension
/// slots, padded to whole 32-byte blocks), so a profile never allocates and one event touches
/// one contiguous row (4 cache lines and one page for 2 measures and 1 dimension) instead of
/// three arrays; plus an index from fingerprint to row ([`FlatIndex`]).
///
/// Eviction samples `samples` random slots and evicts the least recently touched one (the
/// approximate LRU of Redis): O(samples) at insert time and nothing on the hot path, where an
/// exact LRU list would cost two extra cache misses per event.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    index: FlatIndex,
    /// `blocks` blocks per row.
    slab: Slab,
    blocks: usize,
    m: usize,
    d: usize,
    cap: usize,
    /// The index's seed (kept to build an empty index like this one).
    seed: u64,
}

const CORE: usize = size_of::<Core>();
const MEASURE: usize = size_of::<MeasureSlot>();
const CAT: usize = size_of::<CatSlot>();

/// Blocks per row for `m` measures and `d` dimensions.
fn blocks_for(m: usize, d: usize) -> usize {
    (CORE + m * MEASURE + d * CAT).div_ceil(size_of::<Block>())
}

impl Store {
    pub(crate) fn new(m: usize, d: usize, cap: usize, seed: u64) -> Self {
        Self {
            index: FlatIndex::new(cap, seed),
            slab: Slab::new(),
            blocks: blocks_for(m, d),
            m,
            d,
            cap,
            seed,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slab.len() / self.blocks
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// The slot holding `key`.
    #[inline]
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        self.index.find(key, |i| self.key_at(i))
    }

    /// `key`'s index tag, what [`find_hint`](Self::find_hint) and
    /// [`prefetch_lookup`](Self::prefetch_lookup) take (a batch computes it once for both).
    #[inline(always)]
    pub(crate) fn tag(&self, key: u64) -> u32 {
        self.index.tag(key)
    }

    /// A slot that probably holds the key with index tag `tag` (the tag matches; the caller
    /// checks the row's key before using it), found without reading any row; `NO_ROW` when
    /// none.
    #[inline(always)]
    pub(crate) fn find_hint(&self, tag: u32) -> u32 {
        self.index.find_hint(tag)
    }

    /// The key held by slot `i`: the row's first 8 bytes ([`Core::key`] leads the row), read
    /// without viewing the whole core (whose view checks alignment at run time).
    #[inline(always)]
    pub(crate) fn key_at(&self, i: usize) -> Option<u64> {
        let first = self.slab.bytes(i * self.blocks, 1)?.first_chunk::<8>()?;
        Some(u64::from_ne_bytes(*first))
    }

    /// The core of slot `i` (without viewing its measure and dimension slots).
    #[inline]
    pub(crate) fn core(&self, i: usize) -> Option<&Core> {
        let b = self.blocks;
        let bytes = self.slab.bytes(i * b, b)?;
        Core::ref_from_bytes(bytes.get(..CORE)?).ok()
    }

    /// Loads one byte from each cache line of slot `i`'s row, so that a batch can take the
    /// cache misses of many profiles at once, before any of them is needed.
    #[inline]
    pub(crate) fn touch(&self, i: usize) {
        let b = self.blocks;
        if let Some(row) = self.slab.bytes(i * b, b) {
            // One byte every 64, and the last: one load per 64-byte line.
            let mut acc = row.last().copied().unwrap_or(0);
            for x in row.iter().step_by(64) {
                acc ^= *x;
            }
            std::hint::black_box(acc);
        }
    }

    /// Starts loading every cache line of the rows at `slots` (`NO_ROW`: nothing to load)
    /// without waiting for them (see [`crate::prefetch`]). The slab is viewed once for all of
    /// them (a view per row cost its bounds checks on every event).
    #[inline(always)]
    pub(crate) fn prefetch_rows(&self, slots: &[u32]) {
        let rb = self.blocks * size_of::<Block>();
        let Some(all) = self.slab.bytes(0, self.slab.len()) else {
            return;
        };
        // One chunk per row (`rb > 0`: a row holds at least its core).
        let rows = all.chunks_exact(rb.max(1));
        // `NO_ROW` (no hint) is past the last row, so it finds nothing.
        for &i in slots {
            if let Some(row) = rows.clone().nth(i as usize) {
                // One byte every 64: one per 64-byte line. The first four are written out
                // (a loop's counter cost more per row; a row of up to 8 blocks needs no
                // more), then any further ones. The row starts 32-aligned, so its last byte
                // is on a further line only if it lies 32 or more past the last one taken.
                for at in [0, 64, 128, 192] {
                    if let Some(x) = row.get(at) {
                        crate::prefetch::prefetch(x);
                    }
                }
                for x in row.iter().skip(256).step_by(64) {
                    crate::prefetch::prefetch(x);
                }
                if (rb - 1) % 64 >= 32
                    && let Some(last) = row.last()
                {
                    crate::prefetch::prefetch(last);
                }
            }
        }
    }

    /// Starts loading the index entry a lookup of the key with index tag `tag` begins at.
    #[inline(always)]
    pub(crate) fn prefetch_lookup(&self, tag: u32) {
        self.index.prefetch(tag);
    }

    /// The slot of `key`, creating it (evicting if full) when absent. `None` only when the
    /// cap is 0.
    pub(crate) fn find_or_insert(
        &mut self,
        key: u64,
        rng: &mut SplitMix64,
        samples: usize,
    ) -> Option<usize> {
        if let Some(i) = self.find(key) {
            return Some(i);
        }
        if self.cap == 0 {
            return None;
        }
        if self.len() >= self.cap {
            self.evict_one(rng, samples);
        }
        self.reserve_one();
        let i = self.len();
        self.push_zeroed();
        if let Some((c, _, _)) = self.row_mut(i) {
            c.key = key;
        }
        self.index.insert(key, i);
        Some(i)
    }

    /// Appends an all-zero row (a default profile: every field's zero is all-zero bytes).
    fn push_zeroed(&mut self) {
        self.slab.push_zeroed(self.blocks);
    }

    /// Appends a row without eviction (merging and decoding; the caller enforces the cap).
    pub(crate) fn push_row(&mut self, core: Core, ms: &[MeasureSlot], cs: &[CatSlot]) {
        let i = self.len();
        self.push_zeroed();
        if let Some((c, m, d)) = self.row_mut(i) {
            *c = core;
            for (a, b) in m.iter_mut().zip(ms) {
                *a = *b;
            }
            for (a, b) in d.iter_mut().zip(cs) {
                *a = *b;
            }
        }
        self.index.insert(core.key, i);
    }

    /// Grows geometrically but never past the cap, so capacity (what memory accounting
    /// counts) stays within the cap.
    fn reserve_one(&mut self) {
        if self.slab.len() + self.blocks <= self.slab.capacity() {
            return;
        }
        let rows = self.slab.capacity() / self.blocks;
        let want = (rows * 2).max(16).min(self.cap.max(1));
        let extra = want.saturating_sub(self.len()).max(1);
        self.slab.reserve_exact(
            extra * self.blocks,
            self.cap.max(1).saturating_mul(self.blocks),
        );
    }

    fn evict_one(&mut self, rng: &mut SplitMix64, samples: usize) {
        let n = self.len() as u64;
        if n == 0 {
            return;
        }
        let tick = |j: usize| self.core(j).map_or(u32::MAX, |c| c.tick);
        let mut victim = rng.below(n) as usize;
        let mut oldest = tick(victim);
        for _ in 1..samples {
            let j = rng.below(n) as usize;
            let t = tick(j);
            if t < oldest {
                oldest = t;
                victim = j;
            }
        }
        self.remove_at(victim);
    }

    /// Removes slot `i`, moving the last slot into its place.
    pub(crate) fn remove_at(&mut self, i: usize) {
        let n = self.len();
        if i >= n {
            return;
        }
        let last = n - 1;
        if let Some(k) = self.key_at(i) {
            self.index.remove(k, i);
        }
        let b = self.blocks;
        if i != last {
            if let Some(k) = self.key_at(last) {
                self.index.relocate(k, last, i);
            }
            self.slab.copy_within(last * b, b, i * b);
        }
        self.slab.truncate(last * b);
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> Option<(&Core, &[MeasureSlot], &[CatSlot])> {
        let b = self.blocks;
        let bytes = self.slab.bytes(i * b, b)?;
        let (core, rest) = bytes.split_at_checked(CORE)?;
        let (ms, rest) = rest.split_at_checked(self.m * MEASURE)?;
        // `_with_elems`: the counts are known, so no division by the element size.
        Some((
            Core::ref_from_bytes(core).ok()?,
            <[MeasureSlot]>::ref_from_prefix_with_elems(ms, self.m)
                .ok()?
                .0,
            <[CatSlot]>::ref_from_prefix_with_elems(rest, self.d)
                .ok()?
                .0,
        ))
    }

    #[inline(always)]
    pub(crate) fn row_mut(
        &mut self,
        i: usize,
    ) -> Option<(&mut Core, &mut [MeasureSlot], &mut [CatSlot])> {
        let b = self.blocks;
        let bytes = self.slab.bytes_mut(i * b, b)?;
        let (core, rest) = bytes.split_at_mut_checked(CORE)?;
        let (ms, rest) = rest.split_at_mut_checked(self.m * MEASURE)?;
        Some((
            Core::mut_from_bytes(core).ok()?,
            <[MeasureSlot]>::mut_from_prefix_with_elems(ms, self.m)
                .ok()?
                .0,
            <[CatSlot]>::mut_from_prefix_with_elems(rest, self.d)
                .ok()?
                .0,
        ))
    }

    /// Renumbers ticks densely in recency order (after the logical clock nears wrap-around).
    pub(crate) fn renumber_ticks(&mut self) -> u32 {
        let mut order: Vec<(u32, usize)> = (0..self.len())
            .filter_map(|i| self.row(i).map(|(c, _, _)| (c.tick, i)))
            .collect();
        order.sort_unstable();
        for (rank, (_, i)) in order.iter().enumerate() {
            if let Some((c, _, _)) = self.row_mut(*i) {
                c.tick = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        u32::try_from(order.len()).unwrap_or(u32::MAX)
    }

    /// Bytes held: the slab's capacity and the index's table (8 bytes per bucket, buckets a
    /// power of two at ≤ 7/8 load).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.index.memory_bytes() + self.slab.capacity() * size_of::<Block>() + size_of::<Self>()
    }

    /// Keeps only the `cap` most recent profiles (by last event time, then key).
    pub(crate) fn shrink_to_cap(&mut self) {
        if self.len() <= self.cap {
            return;
        }
        let core = |i: usize| self.row(i).map(|(c, _, _)| (c.last_time, c.key));
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            let (ca, cb) = (core(a), core(b));
            let ta = ca.map_or(f64::NEG_INFINITY, |c| c.0);
            let tb = cb.map_or(f64::NEG_INFINITY, |c| c.0);
            tb.total_cmp(&ta)
                .then(ca.map(|c| c.1).cmp(&cb.map(|c| c.1)))
        });
        order.truncate(self.cap);
        order.sort_unstable();
        let mut out = Store::new(self.m, self.d, self.cap, self.seed);
        for i in order {
            if let Some((c, ms, cs)) = self.row(i) {
                out.push_row(*c, ms, cs);
            }
        }
        *self = out;
    }

    pub(crate) fn strides(&self) -> (usize, usize) {
        (self.m, self.d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_at_reads_the_core_key() {
        let mut s = Store::new(2, 1, 10, 7);
        let mut rng = SplitMix64::new(1);
        for k in [3u64, u64::MAX, 0x0123_4567_89ab_cdef] {
            let i = s.find_or_insert(k, &mut rng, 4).unwrap();
            assert_eq!(s.key_at(i), Some(k));
            assert_eq!(s.core(i).map(|c| c.key), Some(k));
        }
        assert_eq!(s.key_at(99), None);
    }
}

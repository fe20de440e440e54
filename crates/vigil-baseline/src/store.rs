//! A capped arena of profiles with a seeded index and sampled least-recently-used eviction.

use std::mem::size_of;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use vigil_core::SplitMix64;

use crate::profile::{CatSlot, Core, MeasureSlot};

/// Profiles in three parallel arrays (core, measures with stride `m`, dimensions with stride
/// `d`) so a profile is fixed-size and never allocates, plus a map from fingerprint to slot.
///
/// Eviction samples `samples` random slots and evicts the least recently touched one (the
/// approximate LRU of Redis): O(samples) at insert time and nothing on the hot path, where an
/// exact LRU list would cost two extra cache misses per event.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    index: HashMap<u64, u32, KeyState>,
    pub(crate) cores: Vec<Core>,
    pub(crate) measures: Vec<MeasureSlot>,
    pub(crate) cats: Vec<CatSlot>,
    m: usize,
    d: usize,
    cap: usize,
    /// Largest index capacity tolerated at the cap before rehashing it smaller.
    index_limit: usize,
}

/// Hasher of the index. Its keys are already seeded 64-bit hashes of the entity names (an
/// attacker cannot choose them without the seed), so one seeded multiply-fold spreads them
/// over the table; running the full seeded hasher a second time per lookup only cost time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyState {
    seed: u64,
}

impl BuildHasher for KeyState {
    type Hasher = KeyHasher;

    #[inline]
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.seed)
    }
}

/// See [`KeyState`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write_u64(&mut self, k: u64) {
        // Folded 64×64→128 multiply (as in ahash's fallback): every output bit depends on
        // every input bit, so both the bucket index (low bits) and hashbrown's tag (top
        // bits) are well spread.
        let m = u128::from(k ^ self.0) * u128::from(0x9e37_79b9_7f4a_7c15u64);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
}

/// Usable capacity of a hashbrown table sized for `n` entries (7/8 of a power of two).
fn usable_for(n: usize) -> usize {
    if n < 8 {
        return if n < 4 { 3 } else { 7 };
    }
    (n * 8 / 7).next_power_of_two() / 8 * 7
}

impl Store {
    pub(crate) fn new(m: usize, d: usize, cap: usize, seed: u64) -> Self {
        Self {
            index: HashMap::with_hasher(KeyState { seed }),
            cores: Vec::new(),
            measures: Vec::new(),
            cats: Vec::new(),
            m,
            d,
            cap,
            index_limit: usable_for(cap),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.cores.len()
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    #[inline]
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        self.index.get(&key).map(|&i| i as usize)
    }

    /// The key held by slot `i`.
    #[inline]
    pub(crate) fn key_at(&self, i: usize) -> Option<u64> {
        self.cores.get(i).map(|c| c.key)
    }

    /// Loads one word from each cache line of slot `i`'s profile, so that a batch can take
    /// the cache misses of many profiles at once, before any of them is needed.
    #[inline]
    pub(crate) fn touch(&self, i: usize) {
        if let Some((core, ms, cs)) = self.row(i) {
            let m0 = ms.first().map_or(0.0, |m| m.ew.weight);
            let m1 = ms.last().map_or(0.0, |m| m.window.previous.n);
            let c0 = cs.first().map_or(0.0, |c| c.top.total);
            let c1 = cs.last().map_or(0, |c| c.distinct.0[0]);
            std::hint::black_box((core.key, core.seasonal.day[6], m0, m1, c0, c1));
        }
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
        if self.cores.len() >= self.cap {
            self.evict_one(rng, samples);
        }
        self.reserve_one();
        let i = self.cores.len();
        self.cores.push(Core {
            key,
            ..Core::default()
        });
        self.measures
            .extend(std::iter::repeat_n(MeasureSlot::default(), self.m));
        self.cats
            .extend(std::iter::repeat_n(CatSlot::default(), self.d));
        self.index.insert(key, u32::try_from(i).unwrap_or(u32::MAX));
        // At the cap every insert follows a removal; the removals leave tombstones, and
        // hashbrown grows (doubling the index) rather than rehash in place once more than half
        // its buckets are live. Rehash into a table sized for the cap instead, so the index
        // never holds more than a cap-sized table (amortised: once per ~cap/8 inserts).
        if self.cores.len() >= self.cap && self.index.capacity() > self.index_limit {
            self.index.shrink_to(self.cap);
            self.index_limit = self.index.capacity();
        }
        Some(i)
    }

    /// Appends a row without eviction (merging and decoding; the caller enforces the cap).
    pub(crate) fn push_row(&mut self, core: Core, ms: &[MeasureSlot], cs: &[CatSlot]) {
        let i = self.cores.len();
        self.index
            .insert(core.key, u32::try_from(i).unwrap_or(u32::MAX));
        self.cores.push(core);
        self.measures.extend_from_slice(ms);
        self.cats.extend_from_slice(cs);
    }

    /// Grows geometrically but never past the cap, so capacity (what memory accounting
    /// counts) stays within the cap.
    fn reserve_one(&mut self) {
        if self.cores.len() < self.cores.capacity() {
            return;
        }
        let want = (self.cores.capacity() * 2).max(16).min(self.cap.max(1));
        let extra = want.saturating_sub(self.cores.len()).max(1);
        self.cores.reserve_exact(extra);
        self.measures.reserve_exact(extra * self.m);
        self.cats.reserve_exact(extra * self.d);
    }

    fn evict_one(&mut self, rng: &mut SplitMix64, samples: usize) {
        let n = self.cores.len() as u64;
        if n == 0 {
            return;
        }
        let mut victim = rng.below(n) as usize;
        let mut oldest = self.cores.get(victim).map_or(u32::MAX, |c| c.tick);
        for _ in 1..samples {
            let j = rng.below(n) as usize;
            if let Some(c) = self.cores.get(j)
                && c.tick < oldest
            {
                oldest = c.tick;
                victim = j;
            }
        }
        self.remove_at(victim);
    }

    /// Removes slot `i`, moving the last slot into its place.
    pub(crate) fn remove_at(&mut self, i: usize) {
        let last = self.cores.len().saturating_sub(1);
        if i > last || self.cores.is_empty() {
            return;
        }
        let key = self.cores.get(i).map(|c| c.key);
        if let Some(k) = key {
            self.index.remove(&k);
        }
        self.cores.swap_remove(i);
        if i != last {
            // Move the last profile's measure and dimension rows into row i.
            let (m, d) = (self.m, self.d);
            self.measures.copy_within(last * m..last * m + m, i * m);
            self.cats.copy_within(last * d..last * d + d, i * d);
            if let Some(c) = self.cores.get(i) {
                self.index
                    .insert(c.key, u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        self.measures.truncate(last * self.m);
        self.cats.truncate(last * self.d);
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> Option<(&Core, &[MeasureSlot], &[CatSlot])> {
        let core = self.cores.get(i)?;
        let ms = self.measures.get(i * self.m..i * self.m + self.m)?;
        let cs = self.cats.get(i * self.d..i * self.d + self.d)?;
        Some((core, ms, cs))
    }

    #[inline]
    pub(crate) fn row_mut(
        &mut self,
        i: usize,
    ) -> Option<(&mut Core, &mut [MeasureSlot], &mut [CatSlot])> {
        let core = self.cores.get_mut(i)?;
        let ms = self.measures.get_mut(i * self.m..i * self.m + self.m)?;
        let cs = self.cats.get_mut(i * self.d..i * self.d + self.d)?;
        Some((core, ms, cs))
    }

    /// Renumbers ticks densely in recency order (after the logical clock nears wrap-around).
    pub(crate) fn renumber_ticks(&mut self) -> u32 {
        let mut order: Vec<(u32, usize)> = self
            .cores
            .iter()
            .enumerate()
            .map(|(i, c)| (c.tick, i))
            .collect();
        order.sort_unstable();
        for (rank, (_, i)) in order.iter().enumerate() {
            if let Some(c) = self.cores.get_mut(*i) {
                c.tick = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        u32::try_from(order.len()).unwrap_or(u32::MAX)
    }

    /// Bytes held: the arrays' capacity and the index's table (hashbrown: one control byte and
    /// one `(u64, u32)` entry per bucket, buckets a power of two at ≤ 7/8 load).
    pub(crate) fn memory_bytes(&self) -> usize {
        let cap = self.index.capacity();
        let buckets = if cap == 0 {
            0
        } else {
            (cap * 8 / 7).next_power_of_two()
        };
        let index = buckets * (size_of::<(u64, u32)>() + 1);
        index
            + self.cores.capacity() * size_of::<Core>()
            + self.measures.capacity() * size_of::<MeasureSlot>()
            + self.cats.capacity() * size_of::<CatSlot>()
            + size_of::<Self>()
    }

    /// Rebuilds the index from the arrays (after decoding or merging).
    pub(crate) fn reindex(&mut self) {
        self.index.clear();
        self.index.reserve(self.cores.len());
        for (i, c) in self.cores.iter().enumerate() {
            self.index
                .insert(c.key, u32::try_from(i).unwrap_or(u32::MAX));
        }
    }

    /// Keeps only the `cap` most recent profiles (by last event time, then key).
    pub(crate) fn shrink_to_cap(&mut self) {
        if self.cores.len() <= self.cap {
            return;
        }
        let mut order: Vec<usize> = (0..self.cores.len()).collect();
        order.sort_by(|&a, &b| {
            let (ca, cb) = (self.cores.get(a), self.cores.get(b));
            let ta = ca.map_or(f64::NEG_INFINITY, |c| c.last_time);
            let tb = cb.map_or(f64::NEG_INFINITY, |c| c.last_time);
            tb.total_cmp(&ta)
                .then(ca.map(|c| c.key).cmp(&cb.map(|c| c.key)))
        });
        order.truncate(self.cap);
        order.sort_unstable();
        let mut out = Store::new(self.m, self.d, self.cap, 0);
        out.index = HashMap::with_hasher(*self.index.hasher());
        for i in order {
            if let Some((c, ms, cs)) = self.row(i) {
                out.cores.push(*c);
                out.measures.extend_from_slice(ms);
                out.cats.extend_from_slice(cs);
            }
        }
        out.reindex();
        *self = out;
    }

    pub(crate) fn strides(&self) -> (usize, usize) {
        (self.m, self.d)
    }
}

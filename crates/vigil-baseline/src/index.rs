//! The profile index: entity fingerprint → row, a flat open-addressed table of 8-byte
//! entries.
//!
//! Each entry is a 32-bit tag of the key and the row number (0 = empty). The key itself is
//! not stored: the row holds it (`Core::key`), so a lookup that must be exact compares it
//! there, and a batch can take a tag match as a hint to be checked when the row is read
//! anyway: half the bytes of a map holding the key (8 bytes per bucket against hashbrown's 17
//! for a `(u64, u32)`), and no row read to find one.
//!
//! Linear probing with backward-shift deletion (no tombstones, so a table at the entity cap
//! under constant eviction never grows or degrades). The home bucket is the tag's top bits,
//! so entries move when the table grows without reading any row.

/// A key's tag: the top 32 bits of a seeded multiply-fold of the key (the keys are already
/// seeded hashes of names, so one fold spreads them).
#[inline(always)]
fn tag_of(key: u64, seed: u64) -> u32 {
    let m = u128::from(key ^ seed) * u128::from(0x9e37_79b9_7f4a_7c15u64);
    (((m as u64) ^ ((m >> 64) as u64)) >> 32) as u32
}

/// [`FlatIndex::find_hint`]'s "no row" (rows are below `u32::MAX / 2`).
pub(crate) const NO_ROW: u32 = u32::MAX;

/// Entry layout: tag in the high half, row + 1 in the low half.
#[inline(always)]
fn entry(tag: u32, row: usize) -> u64 {
    (u64::from(tag) << 32) | (row as u64 + 1)
}

#[inline(always)]
fn entry_tag(e: u64) -> u32 {
    (e >> 32) as u32
}

#[inline(always)]
fn entry_row(e: u64) -> usize {
    ((e & 0xffff_ffff) as usize).wrapping_sub(1)
}

/// Entry `j` of `w` ends a probe for `tag` (it is empty or carries the tag) when bit `2j` or
/// bit `2j + 1` of the result is set (so the first such entry is `trailing_zeros / 2`).
///
/// An entry is empty exactly when its low half is zero: a held entry's low half is its
/// row + 1, which is never zero (rows are below `u32::MAX / 2`). So one 32-bit compare per
/// half decides it, the low half against 0 and the high half (the tag) against `tag`, and
/// `movmskps` gathers both halves' bits: with SSE2 two entries per compare, no shuffle.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn stop_mask(w: &[u64; 4], tag: u32) -> u32 {
    use safe_arch::{cast_to_m128_from_m128i, cmp_eq_mask_i32_m128i, m128i, move_mask_m128};
    let [e0, e1, e2, e3] = *w;
    let want = (u64::from(tag) << 32) as i64;
    let want = m128i::from([want, want]);
    let pair = |a: u64, b: u64| {
        let eq = cmp_eq_mask_i32_m128i(m128i::from([a as i64, b as i64]), want);
        move_mask_m128(cast_to_m128_from_m128i(eq)) as u32
    };
    pair(e0, e1) | (pair(e2, e3) << 4)
}

/// [`stop_mask`] one entry at a time (bit `2j` for entry `j`).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn stop_mask_scalar(w: &[u64; 4], tag: u32) -> u32 {
    let mut stop = 0u32;
    for (j, e) in w.iter().enumerate() {
        stop |= u32::from((*e as u32 == 0) | (entry_tag(*e) == tag)) << (2 * j);
    }
    stop
}

/// [`stop_mask`] without SSE2.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn stop_mask(w: &[u64; 4], tag: u32) -> u32 {
    stop_mask_scalar(w, tag)
}

/// See the module docs.
#[derive(Debug, Clone)]
pub(crate) struct FlatIndex {
    table: Vec<u64>,
    /// `log2(table.len())` (0 while empty).
    bits: u32,
    len: usize,
    seed: u64,
    /// Most entries the table may need (the store's cap): it never grows past the size
    /// that holds them at ≤ 7/8 load.
    cap: usize,
}

/// Buckets for `n` entries at ≤ 7/8 load (at least 8).
fn buckets_for(n: usize) -> usize {
    (n.saturating_mul(8).div_ceil(7)).next_power_of_two().max(8)
}

impl FlatIndex {
    pub(crate) fn new(cap: usize, seed: u64) -> Self {
        Self {
            table: Vec::new(),
            bits: 0,
            len: 0,
            seed,
            cap,
        }
    }

    #[inline(always)]
    fn home(&self, tag: u32) -> usize {
        // Top `bits` bits of the tag (3 ≤ bits ≤ 32 for any table the entity limit allows;
        // 0 while empty). Shifted as 64 bits so no shift is out of range.
        ((u64::from(tag) << (self.bits & 63)) >> 32) as usize
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.table.len().wrapping_sub(1)
    }

    /// Where a lookup of `key` starts, or `None` while the table is empty.
    #[inline(always)]
    fn bucket(&self, key: u64) -> Option<usize> {
        if self.table.is_empty() {
            return None;
        }
        Some(self.home(tag_of(key, self.seed)))
    }

    /// `key`'s tag (what [`Self::prefetch`] and [`Self::find_hint`] take: a batch computes
    /// it once for both; it does not change when the table grows).
    #[inline(always)]
    pub(crate) fn tag(&self, key: u64) -> u32 {
        tag_of(key, self.seed)
    }

    /// Starts loading the entry a lookup of the key with tag `tag` begins at (see
    /// [`crate::prefetch`]).
    #[inline(always)]
    pub(crate) fn prefetch(&self, tag: u32) {
        if let Some(e) = self.table.get(self.home(tag)) {
            crate::prefetch::prefetch(e);
        }
    }

    /// The row of the first entry carrying `tag` (a key's [`tag`](Self::tag)): a hint, exact
    /// unless another key shares the tag (about 2^-15 per entry compared), so the caller
    /// checks the row's key before using it. (The probe loop is [`Self::position`]'s without
    /// the row check, written out because this is on every event's path.)
    ///
    /// The row comes as a `u32`, [`NO_ROW`] when none: the entry's low half minus one, which
    /// an empty entry (0) turns into [`NO_ROW`] without a branch, and a batch keeps a chunk
    /// of hints in a quarter of the bytes of `Option<usize>`s.
    #[inline(always)]
    pub(crate) fn find_hint(&self, tag: u32) -> u32 {
        let mask = self.mask();
        // Past the end only while the table is empty: then the window and the loop's first
        // entry are both missing, and nothing is found.
        let mut i = self.home(tag);
        // The first four entries are decided together, without a branch per entry: at the
        // table's load (up to 7/8) a lookup probes between one and several entries, at
        // random, so the loop's exit was mispredicted on about one event in three (a
        // branch simulation of the bench put it first among the mispredicted branches).
        // The entry found is the same: the first that is empty or carries the tag.
        if let Some(w) = self
            .table
            .get(i..i + 4)
            .and_then(|w| <&[u64; 4]>::try_from(w).ok())
        {
            let stop = stop_mask(w, tag);
            if stop != 0 {
                let e = w
                    .get(stop.trailing_zeros() as usize / 2)
                    .copied()
                    .unwrap_or(0);
                return (e as u32).wrapping_sub(1);
            }
            i = (i + 4) & mask;
        }
        loop {
            let Some(&e) = self.table.get(i) else {
                return NO_ROW;
            };
            if e == 0 {
                return NO_ROW;
            }
            if entry_tag(e) == tag {
                return (e as u32).wrapping_sub(1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The row holding `key`, checked against each candidate row's key (`key_at`).
    #[inline]
    pub(crate) fn find(&self, key: u64, key_at: impl Fn(usize) -> Option<u64>) -> Option<usize> {
        self.position(key, |row| key_at(row) == Some(key))
            .map(|(_, row)| row)
    }

    /// Position and row of the first entry with `key`'s tag whose row satisfies `is`.
    #[inline]
    fn position(&self, key: u64, is: impl Fn(usize) -> bool) -> Option<(usize, usize)> {
        let tag = tag_of(key, self.seed);
        let mask = self.mask();
        let mut i = self.bucket(key)?;
        loop {
            let e = *self.table.get(i)?;
            if e == 0 {
                return None;
            }
            if entry_tag(e) == tag && is(entry_row(e)) {
                return Some((i, entry_row(e)));
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `key` at `row` (the caller knows it is absent).
    pub(crate) fn insert(&mut self, key: u64, row: usize) {
        if (self.len + 1) * 8 > self.table.len() * 7 {
            self.grow();
        }
        let tag = tag_of(key, self.seed);
        self.place(entry(tag, row));
        self.len += 1;
    }

    /// Puts an entry in the first empty bucket from its home.
    fn place(&mut self, e: u64) {
        let mask = self.mask();
        let mut i = self.home(entry_tag(e));
        while let Some(slot) = self.table.get_mut(i) {
            if *slot == 0 {
                *slot = e;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table (never past what the cap needs, unless more entries than the cap
    /// are held, as while merging before trimming).
    fn grow(&mut self) {
        let want = buckets_for(self.len + 1);
        let limit = buckets_for(self.cap).max(want);
        let n = (self.table.len() * 2).max(8).min(limit).max(want);
        let old = std::mem::replace(&mut self.table, vec![0; n]);
        self.bits = n.trailing_zeros();
        for e in old.into_iter().filter(|&e| e != 0) {
            self.place(e);
        }
    }

    /// Removes the entry of `key` pointing at `row` (exact: one entry per row).
    pub(crate) fn remove(&mut self, key: u64, row: usize) {
        if let Some((i, _)) = self.position(key, |r| r == row) {
            self.len -= 1;
            self.delete_at(i);
        }
    }

    /// Repoints the entry of `key` from row `from` to row `to`.
    pub(crate) fn relocate(&mut self, key: u64, from: usize, to: usize) {
        if let Some((i, _)) = self.position(key, |r| r == from)
            && let Some(e) = self.table.get_mut(i)
        {
            *e = entry(entry_tag(*e), to);
        }
    }

    /// Backward-shift deletion: later entries of the probe run move up into the hole when
    /// their home allows, so lookups never need tombstones.
    fn delete_at(&mut self, i: usize) {
        let mask = self.mask();
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let Some(&e) = self.table.get(j) else {
                break;
            };
            if e == 0 {
                break;
            }
            let home = self.home(entry_tag(e));
            // `e` may fill the hole if the hole lies on its probe path (home … j).
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                if let Some(h) = self.table.get_mut(hole) {
                    *h = e;
                }
                hole = j;
            }
        }
        if let Some(h) = self.table.get_mut(hole) {
            *h = 0;
        }
    }

    /// Bytes held by the table.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.capacity() * std::mem::size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_core::SplitMix64;

    #[test]
    fn stop_mask_equals_one_entry_at_a_time() {
        let mut r = SplitMix64::new(5);
        for _ in 0..20_000 {
            let tag = match r.below(3) {
                0 => 0,
                1 => u32::MAX,
                _ => r.next_u64() as u32,
            };
            let mut w = [0u64; 4];
            for e in w.iter_mut() {
                let hi = match r.below(4) {
                    0 => tag,
                    1 => 0,
                    _ => r.next_u64() as u32,
                };
                let lo = match r.below(4) {
                    0 => 0,
                    1 => tag,
                    _ => r.next_u64() as u32,
                };
                *e = (u64::from(hi) << 32) | u64::from(lo);
            }
            // Held entries have a nonzero low half (row + 1), empty ones are 0.
            for e in w.iter_mut() {
                if *e as u32 == 0 {
                    *e = 0;
                }
            }
            let per_entry = |m: u32| [0, 2, 4, 6].map(|b| (m >> b) & 3 != 0);
            let one_by_one = w.map(|e| e == 0 || entry_tag(e) == tag);
            assert_eq!(per_entry(stop_mask(&w, tag)), one_by_one, "{w:x?} {tag:x}");
            assert_eq!(
                per_entry(stop_mask_scalar(&w, tag)),
                one_by_one,
                "{w:x?} {tag:x}"
            );
        }
    }

    /// `find_hint` of `key` as an `Option`.
    fn hint(idx: &FlatIndex, key: u64) -> Option<usize> {
        let row = idx.find_hint(idx.tag(key));
        (row != NO_ROW).then_some(row as usize)
    }

    /// `find_hint` as it was, one entry at a time (the reference for the four-entry step).
    fn hint_one_by_one(idx: &FlatIndex, key: u64) -> Option<usize> {
        let tag = tag_of(key, idx.seed);
        let mut i = idx.bucket(key)?;
        loop {
            let e = *idx.table.get(i)?;
            if e == 0 {
                return None;
            }
            if entry_tag(e) == tag {
                return Some(entry_row(e));
            }
            i = (i + 1) & idx.mask();
        }
    }

    /// Against a reference map, through inserts, removals (with swap-remove relocation, as
    /// the store does) and growth.
    #[test]
    fn agrees_with_a_map_through_inserts_and_removals() {
        let mut r = SplitMix64::new(9);
        let mut idx = FlatIndex::new(300, 5);
        let mut rows: Vec<u64> = Vec::new();
        for step in 0..20_000 {
            if rows.len() < 300 && (r.below(3) > 0 || rows.is_empty()) {
                // Low-entropy keys too, so tags collide in their home bits.
                let key = if step % 2 == 0 {
                    r.next_u64()
                } else {
                    r.below(1_000)
                };
                if rows.contains(&key) {
                    continue;
                }
                idx.insert(key, rows.len());
                rows.push(key);
            } else {
                let i = r.below(rows.len() as u64) as usize;
                let last = rows.len() - 1;
                idx.remove(rows[i], i);
                if i != last {
                    idx.relocate(rows[last], last, i);
                }
                rows.swap_remove(i);
            }
            if step % 97 == 0 {
                for (i, k) in rows.iter().enumerate() {
                    assert_eq!(idx.find(*k, |j| rows.get(j).copied()), Some(i));
                    assert_eq!(hint(&idx, *k), hint_one_by_one(&idx, *k));
                }
                for _ in 0..50 {
                    let absent = r.next_u64();
                    assert_eq!(hint(&idx, absent), hint_one_by_one(&idx, absent));
                }
                assert_eq!(idx.find(u64::MAX - 3, |j| rows.get(j).copied()), None);
                assert_eq!(idx.len, rows.len());
            }
        }
        // Never grown past what 300 entries need.
        assert!(idx.table.len() <= buckets_for(300));
    }
}

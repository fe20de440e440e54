//! The memory of a store's rows: 32-byte blocks in one buffer that grows by reallocation.
//!
//! On Linux the buffer is an anonymous mapping advised for transparent huge pages
//! (`madvise(MADV_HUGEPAGE)`; this machine's THP mode is `madvise`): 100k profiles span
//! 22 MB, about 5,500 pages of 4 KiB, more than the core's second-level TLB holds, so
//! nearly every event's row also missed the TLB and paid a page walk. With 2 MiB pages the
//! rows of 100k entities need a dozen TLB entries. Elsewhere it is a `Vec`.
//! `memmap2`'s safe API does the mapping; the blocks are viewed through `zerocopy`.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The slab's unit: 32 bytes, 32-aligned, so every row starts 8-aligned (its `f64`s) and a
/// 224-byte row spans exactly 4 cache lines wherever it starts.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
#[repr(C, align(32))]
pub(crate) struct Block(pub(crate) [u8; 32]);

const BLOCK: usize = size_of::<Block>();

#[cfg(target_os = "linux")]
mod imp {
    use memmap2::{Advice, MmapMut, MmapOptions};
    use zerocopy::FromBytes;

    use super::{BLOCK, Block};

    /// The mapping granule.
    const PAGE: usize = 4096;

    /// The most address space mapped ahead of need.
    const MAX_UPFRONT: usize = 1 << 30;

    /// A zero-filled anonymous mapping of at least `blocks` blocks (whole pages), advised
    /// for huge pages, and the blocks it holds.
    fn map(blocks: usize) -> Option<(MmapMut, usize)> {
        let bytes = blocks.checked_mul(BLOCK)?.checked_next_multiple_of(PAGE)?;
        let map = MmapOptions::new().len(bytes).map_anon().ok()?;
        // Advice only: without huge pages the mapping works the same.
        let _ = map.advise(Advice::HugePage);
        Some((map, bytes / BLOCK))
    }

    /// Blocks in an anonymous mapping (zero-filled by the kernel) of `mapped` blocks, of
    /// which the first `len` are in use and `cap` are counted as held.
    #[derive(Debug)]
    pub(crate) struct Slab {
        map: Option<MmapMut>,
        len: usize,
        cap: usize,
        mapped: usize,
    }

    impl Slab {
        pub(crate) fn new() -> Self {
            Self {
                map: None,
                len: 0,
                cap: 0,
                mapped: 0,
            }
        }

        /// The blocks in use.
        #[inline(always)]
        pub(crate) fn blocks(&self) -> &[Block] {
            let bytes = self
                .map
                .as_deref()
                .and_then(|m| m.get(..self.len * BLOCK))
                .unwrap_or_default();
            <[Block]>::ref_from_bytes(bytes).unwrap_or_default()
        }

        /// The blocks in use, to write.
        #[inline(always)]
        pub(crate) fn blocks_mut(&mut self) -> &mut [Block] {
            let n = self.len * BLOCK;
            let bytes = self
                .map
                .as_deref_mut()
                .and_then(|m| m.get_mut(..n))
                .unwrap_or_default();
            <[Block]>::mut_from_bytes(bytes).unwrap_or_default()
        }

        /// Blocks in use.
        #[inline(always)]
        pub(crate) fn len(&self) -> usize {
            self.len
        }

        /// The bytes of blocks `first .. first + n` (all in use), without viewing the whole
        /// buffer as blocks (which checks its alignment and length each time).
        #[inline(always)]
        pub(crate) fn bytes(&self, first: usize, n: usize) -> Option<&[u8]> {
            let end = first.checked_add(n).filter(|&e| e <= self.len)?;
            self.map.as_deref()?.get(first * BLOCK..end * BLOCK)
        }

        /// [`bytes`](Self::bytes), to write.
        #[inline(always)]
        pub(crate) fn bytes_mut(&mut self, first: usize, n: usize) -> Option<&mut [u8]> {
            let end = first.checked_add(n).filter(|&e| e <= self.len)?;
            self.map.as_deref_mut()?.get_mut(first * BLOCK..end * BLOCK)
        }

        /// Blocks the buffer holds without growing.
        pub(crate) fn capacity(&self) -> usize {
            self.cap
        }

        /// Makes room for `extra` more blocks past `len` (the capacity becomes exactly
        /// that, as a vector's `reserve_exact`). The mapping itself is made for `limit`
        /// blocks (the most this slab will need; at most 1 GiB) the first time, since pages
        /// are backed only once touched: growing by new mappings instead copied every row
        /// into fresh pages, which the kernel zeroes first, about 4 % of the bench's time
        /// (resident memory is then the capacity rounded up to the next huge page). Out of
        /// memory it aborts, as a vector's growth does.
        pub(crate) fn reserve_exact(&mut self, extra: usize, limit: usize) {
            let want = self.len.saturating_add(extra);
            if want <= self.cap {
                return;
            }
            if want > self.mapped {
                let room = limit.min(MAX_UPFRONT / BLOCK).max(want);
                let Some((mut map, mapped)) = map(room).or_else(|| map(want)) else {
                    std::alloc::handle_alloc_error(
                        std::alloc::Layout::from_size_align(want.saturating_mul(BLOCK), BLOCK)
                            .unwrap_or(std::alloc::Layout::new::<Block>()),
                    );
                };
                let used = self.len * BLOCK;
                if let (Some(old), Some(new)) = (
                    self.map.as_deref().and_then(|m| m.get(..used)),
                    map.get_mut(..used),
                ) {
                    new.copy_from_slice(old);
                }
                self.map = Some(map);
                self.mapped = mapped;
            }
            self.cap = want;
        }

        /// Appends `n` zeroed blocks, growing (doubling) if there is no room.
        pub(crate) fn push_zeroed(&mut self, n: usize) {
            if self.len + n > self.cap {
                self.reserve_exact(self.cap.max(n), 0);
            }
            let first = self.len;
            self.len += n;
            // Blocks past `len` may hold a removed row's bytes.
            if let Some(new) = self.bytes_mut(first, n) {
                new.fill(0);
            }
        }

        /// Copies blocks `src .. src + n` over `dst .. dst + n` (both in use; else nothing).
        pub(crate) fn copy_within(&mut self, src: usize, n: usize, dst: usize) {
            let len = self.len;
            let fits = |a: usize| a.checked_add(n).is_some_and(|e| e <= len);
            if fits(src)
                && fits(dst)
                && let Some(m) = self.map.as_deref_mut()
                && m.len() >= len * BLOCK
            {
                m.copy_within(src * BLOCK..(src + n) * BLOCK, dst * BLOCK);
            }
        }

        /// Keeps the first `n` blocks.
        pub(crate) fn truncate(&mut self, n: usize) {
            self.len = self.len.min(n);
        }
    }

    impl Clone for Slab {
        fn clone(&self) -> Self {
            // Like a vector's clone: capacity for the blocks in use.
            let mut s = Self::new();
            s.reserve_exact(self.len, 0);
            s.len = self.len.min(s.cap);
            let n = s.len;
            if let (Some(dst), Some(src)) = (s.blocks_mut().get_mut(..n), self.blocks().get(..n)) {
                dst.copy_from_slice(src);
            }
            s
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{BLOCK, Block};

    /// Blocks in a vector.
    #[derive(Debug, Clone)]
    pub(crate) struct Slab(Vec<Block>);

    impl Slab {
        pub(crate) fn new() -> Self {
            Self(Vec::new())
        }
        // The whole-slab views serve the mapped slab's clone; here only the tests use them.
        #[cfg_attr(not(test), allow(dead_code))]
        #[inline(always)]
        pub(crate) fn blocks(&self) -> &[Block] {
            &self.0
        }
        #[cfg_attr(not(test), allow(dead_code))]
        #[inline(always)]
        pub(crate) fn blocks_mut(&mut self) -> &mut [Block] {
            &mut self.0
        }
        #[inline(always)]
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
        #[inline(always)]
        pub(crate) fn bytes(&self, first: usize, n: usize) -> Option<&[u8]> {
            use zerocopy::IntoBytes;
            Some(self.0.get(first..first.checked_add(n)?)?.as_bytes())
        }
        #[inline(always)]
        pub(crate) fn bytes_mut(&mut self, first: usize, n: usize) -> Option<&mut [u8]> {
            use zerocopy::IntoBytes;
            Some(self.0.get_mut(first..first.checked_add(n)?)?.as_mut_bytes())
        }
        pub(crate) fn capacity(&self) -> usize {
            self.0.capacity()
        }
        pub(crate) fn reserve_exact(&mut self, extra: usize, _limit: usize) {
            self.0.reserve_exact(extra);
        }
        pub(crate) fn push_zeroed(&mut self, n: usize) {
            self.0.extend(std::iter::repeat_n(Block([0; BLOCK]), n));
        }
        pub(crate) fn truncate(&mut self, n: usize) {
            self.0.truncate(n);
        }
        pub(crate) fn copy_within(&mut self, src: usize, n: usize, dst: usize) {
            let len = self.0.len();
            let fits = |a: usize| a.checked_add(n).is_some_and(|e| e <= len);
            if fits(src) && fits(dst) {
                self.0.copy_within(src..src + n, dst);
            }
        }
    }
}

pub(crate) use imp::Slab;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slab_grows_zeroes_truncates_and_clones() {
        let mut s = Slab::new();
        assert!(s.blocks().is_empty());
        s.reserve_exact(3, 10);
        assert!(s.capacity() >= 3);
        s.push_zeroed(3);
        assert_eq!(s.blocks().len(), 3);
        s.blocks_mut()[1].0[5] = 7;
        s.blocks_mut()[2].0[0] = 9;
        // Growth within what was mapped ahead keeps the buffer (no copy).
        let at = s.blocks().as_ptr();
        s.reserve_exact(5, 0);
        assert_eq!(s.capacity(), 8);
        // (A vector may move when it grows.)
        if cfg!(target_os = "linux") {
            assert_eq!(s.blocks().as_ptr(), at);
        }
        // Growth past it keeps the blocks in use.
        s.reserve_exact(100_000, 0);
        assert!(s.capacity() >= 100_003);
        assert_eq!(s.blocks()[1].0[5], 7);
        // A block pushed after a truncation is zero again.
        s.truncate(2);
        s.push_zeroed(1);
        assert_eq!(s.blocks()[2].0, [0; 32]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.bytes(1, 2), Some(s.blocks()[1..3].as_bytes()));
        assert_eq!(s.bytes(2, 2), None);
        s.bytes_mut(2, 1).unwrap()[3] = 4;
        assert_eq!(s.blocks()[2].0[3], 4);
        // Pushing past the capacity grows it.
        let mut g = Slab::new();
        for i in 0..100 {
            g.push_zeroed(7);
            assert_eq!(g.blocks().len(), 7 * (i + 1));
        }
        // Copying blocks within the slab.
        s.copy_within(1, 1, 0);
        assert_eq!(s.blocks()[0].0[5], 7);
        s.copy_within(2, 5, 0);
        assert_eq!(s.blocks()[0].0[5], 7);
        let c = s.clone();
        assert_eq!(c.blocks().as_bytes(), s.blocks().as_bytes());
        // A clone holds the blocks in use.
        assert_eq!(c.capacity(), c.blocks().len());
        // Every block is 32-aligned (rows hold f64s).
        assert_eq!(s.blocks().as_ptr() as usize % 32, 0);
    }
}

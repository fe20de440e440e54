//! Read-only arrays of the frozen store, on transparent huge pages where the OS grants them.
//!
//! The store's lookup arrays (26 MB before the compact key table) are read at random: in
//! 4 KiB pages nearly every probe also misses the TLB, and in a VM a TLB miss is a
//! two-dimensional page walk. A 2 MiB page covers 512 times as much, so the whole store fits
//! in the TLB. Linux grants huge pages to anonymous memory marked `MADV_HUGEPAGE` when
//! transparent huge pages are in `madvise` mode (the default of many distributions), which a
//! `Vec` allocation cannot ask for; `memmap2` does it without `unsafe` code, and `zerocopy`
//! views the bytes as typed slices. Where mapping fails (another OS, no memory) the array
//! stays on the heap: same contents, same results.

use std::fmt;

use memmap2::MmapMut;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Plain old data: any bytes are a valid value and a value is only bytes, so an array of it
/// can be copied into a mapping and viewed back without `unsafe`.
pub(crate) trait Pod: FromBytes + IntoBytes + Immutable + KnownLayout + Copy {}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout + Copy> Pod for T {}

/// Size of a transparent huge page on x86-64 and most aarch64 kernels.
const HUGE: usize = 2 << 20;

/// Arrays smaller than this stay on the heap: a huge page would be mostly empty.
const MIN_MAPPED: usize = 256 << 10;

/// An immutable array, mapped on huge pages when large enough.
pub(crate) struct Frozen<T: Pod> {
    repr: Repr<T>,
}

enum Repr<T> {
    Heap(Vec<T>),
    /// `len` items from byte `off` of `map` (`off` is 2 MiB-aligned in the address space).
    Mapped {
        map: MmapMut,
        off: usize,
        len: usize,
    },
}

impl<T: Pod> Frozen<T> {
    /// Freezes `items`, copying them into a huge-page mapping when they are large enough.
    pub(crate) fn new(items: Vec<T>) -> Self {
        let bytes = std::mem::size_of_val(items.as_slice());
        if bytes < MIN_MAPPED {
            return Self {
                repr: Repr::Heap(items),
            };
        }
        match map_huge(items.as_slice().as_bytes()) {
            Some((map, off)) => Self {
                repr: Repr::Mapped {
                    map,
                    off,
                    len: items.len(),
                },
            },
            None => Self {
                repr: Repr::Heap(items),
            },
        }
    }

    /// The items.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        match &self.repr {
            Repr::Heap(v) => v,
            Repr::Mapped { map, off, len } => map
                .get(*off..*off + *len * std::mem::size_of::<T>())
                .and_then(|b| <[T]>::ref_from_bytes(b).ok())
                .unwrap_or(&[]),
        }
    }

    /// True when the items live in a huge-page mapping (whether the kernel backed it with
    /// huge pages shows in `/proc/self/smaps`, `AnonHugePages`).
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.repr, Repr::Mapped { .. })
    }

    /// Bytes held by the items.
    pub(crate) fn memory_bytes(&self) -> usize {
        std::mem::size_of_val(self.as_slice())
    }
}

/// Copies `src` into a fresh anonymous mapping advised for huge pages, at a 2 MiB-aligned
/// offset; returns the mapping and that offset.
fn map_huge(src: &[u8]) -> Option<(MmapMut, usize)> {
    // Whole huge pages from an aligned start: the first and last 2 MiB of the array are then
    // huge pages too.
    let len = src.len().div_ceil(HUGE) * HUGE;
    let mut map = MmapMut::map_anon(len + HUGE).ok()?;
    // Advice before the first write: the first touch of each 2 MiB then faults in a huge page.
    #[cfg(target_os = "linux")]
    map.advise(memmap2::Advice::HugePage).ok()?;
    let addr = map.as_ptr() as usize;
    let off = addr.next_multiple_of(HUGE) - addr;
    map.get_mut(off..off + src.len())?.copy_from_slice(src);
    Some((map, off))
}

impl<T: Pod> Default for Frozen<T> {
    fn default() -> Self {
        Self {
            repr: Repr::Heap(Vec::new()),
        }
    }
}

impl<T: Pod> Clone for Frozen<T> {
    fn clone(&self) -> Self {
        Self::new(self.as_slice().to_vec())
    }
}

impl<T: Pod> fmt::Debug for Frozen<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frozen")
            .field("len", &self.as_slice().len())
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

impl<T: Pod> std::ops::Deref for Frozen<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

/// Kilobytes of this process's anonymous memory backed by transparent huge pages (Linux,
/// `/proc/self/smaps_rollup`); `None` elsewhere.
pub fn anon_huge_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("AnonHugePages:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_arrays_are_mapped_and_read_back() {
        let v: Vec<u32> = (0..600_000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let f = Frozen::new(v.clone());
        assert_eq!(f.as_slice(), v.as_slice());
        let g = f.clone();
        assert_eq!(&*g, v.as_slice());
        #[cfg(target_os = "linux")]
        assert!(f.is_mapped());
    }

    #[test]
    fn small_arrays_stay_on_the_heap() {
        let f = Frozen::new(vec![[1u32, 2]; 10]);
        assert!(!f.is_mapped());
        assert_eq!(f.len(), 10);
        assert_eq!(Frozen::<u64>::default().len(), 0);
    }
}

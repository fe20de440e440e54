//! IP ranges and a range index: sorted disjoint segments searched by binary search.
//!
//! Overlapping ranges from many lists (an AWS block, a VPN exit inside it, an IPsum address
//! inside that) are cut at every range boundary into disjoint segments; each segment points to
//! the interned set of ranges covering it. A lookup is then one binary search, narrowed first
//! by a table over the top 16 bits, and reports *every* covering range, not only the longest
//! prefix: a known-benign cloud block and a blocklist hit on the same address are both context.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::frozen::Frozen;
use super::sets::{NONE, SetInterner};
use crate::EnrichError;

/// An inclusive range of IPv4 or IPv6 addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpRange {
    /// IPv4, as `u32`, inclusive.
    V4 {
        /// First address.
        start: u32,
        /// Last address.
        end: u32,
    },
    /// IPv6, as `u128`, inclusive.
    V6 {
        /// First address.
        start: u128,
        /// Last address.
        end: u128,
    },
}

impl IpRange {
    /// Parses `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32` or `::1`. Host bits below the prefix
    /// are ignored (`10.1.2.3/8` is `10.0.0.0/8`), as list publishers often write them.
    ///
    /// ```
    /// use vigil_enrich::intel::IpRange;
    /// let r = IpRange::parse("10.1.2.3/8").unwrap();
    /// assert_eq!(r.to_string(), "10.0.0.0/8");
    /// assert!(IpRange::parse("10.0.0.0/33").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, EnrichError> {
        let t = text.trim();
        let err = |reason| EnrichError::InvalidCidr {
            text: text.to_owned(),
            reason,
        };
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => {
                let p: u8 = p
                    .parse()
                    .map_err(|_| err("prefix length is not a number"))?;
                (a, Some(p))
            }
            None => (t, None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| err("not an IPv4 or IPv6 address"))?;
        match ip {
            IpAddr::V4(v4) => {
                let p = prefix.unwrap_or(32);
                if p > 32 {
                    return Err(err("IPv4 prefix length above 32"));
                }
                let a = u32::from(v4);
                let host = u32::MAX.checked_shr(u32::from(p)).unwrap_or(0);
                Ok(Self::V4 {
                    start: a & !host,
                    end: (a & !host) | host,
                })
            }
            IpAddr::V6(v6) => {
                let p = prefix.unwrap_or(128);
                if p > 128 {
                    return Err(err("IPv6 prefix length above 128"));
                }
                let a = u128::from(v6);
                let host = u128::MAX.checked_shr(u32::from(p)).unwrap_or(0);
                Ok(Self::V6 {
                    start: a & !host,
                    end: (a & !host) | host,
                })
            }
        }
    }

    /// A single address.
    pub fn single(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => Self::V4 {
                start: a.into(),
                end: a.into(),
            },
            IpAddr::V6(a) => Self::V6 {
                start: a.into(),
                end: a.into(),
            },
        }
    }

    /// True when `ip` lies in the range (families must agree).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Self::V4 { start, end }, IpAddr::V4(a)) => (*start..=*end).contains(&u32::from(a)),
            (Self::V6 { start, end }, IpAddr::V6(a)) => (*start..=*end).contains(&u128::from(a)),
            _ => false,
        }
    }
}

fn push_u8(out: &mut String, v: u8) {
    if v >= 100 {
        out.push(char::from(b'0' + v / 100));
    }
    if v >= 10 {
        out.push(char::from(b'0' + (v / 10) % 10));
    }
    out.push(char::from(b'0' + v % 10));
}

fn push_v4(out: &mut String, a: u32) {
    for (i, o) in a.to_be_bytes().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u8(out, o);
    }
}

impl IpRange {
    /// The range as text, like [`fmt::Display`] but without the formatting machinery for
    /// IPv4 (it runs once per match on the enrichment hot path).
    pub fn to_text(&self) -> String {
        match *self {
            Self::V4 { start, end } => {
                let mut s = String::with_capacity(18);
                push_v4(&mut s, start);
                if start != end {
                    match cidr_len(u128::from(start), u128::from(end), 32) {
                        Some(p) => {
                            s.push('/');
                            push_u8(&mut s, p as u8);
                        }
                        None => {
                            s.push('-');
                            push_v4(&mut s, end);
                        }
                    }
                }
                s
            }
            Self::V6 { .. } => self.to_string(),
        }
    }
}

/// Prefix length when `[start, end]` is exactly one CIDR block.
fn cidr_len(start: u128, end: u128, bits: u32) -> Option<u32> {
    let span = end.wrapping_sub(start).wrapping_add(1);
    let host = if span == 0 {
        bits
    } else if span.is_power_of_two() {
        span.trailing_zeros()
    } else {
        return None;
    };
    let host_mask = 1u128.checked_shl(host).map_or(u128::MAX, |v| v - 1);
    (start & host_mask == 0 && host <= bits).then(|| bits - host)
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::V4 { start, end } => {
                let s = Ipv4Addr::from(start);
                if start == end {
                    return write!(f, "{s}");
                }
                let span = u128::from(end - start) + 1;
                match cidr_len(u128::from(start), u128::from(start) + span - 1, 32) {
                    Some(p) => write!(f, "{s}/{p}"),
                    None => write!(f, "{s}-{}", Ipv4Addr::from(end)),
                }
            }
            Self::V6 { start, end } => {
                let s = Ipv6Addr::from(start);
                if start == end {
                    return write!(f, "{s}");
                }
                match cidr_len(start, end, 128) {
                    Some(p) => write!(f, "{s}/{p}"),
                    None => write!(f, "{s}-{}", Ipv6Addr::from(end)),
                }
            }
        }
    }
}

/// An address type a [`RangeIndex`] can index.
pub(crate) trait Addr: Copy + Ord + Default + super::frozen::Pod {
    /// The next address, or `None` after the last.
    fn succ(self) -> Option<Self>;
    /// The top 16 bits, for the bucket table.
    fn bucket(self) -> usize;
    /// A set reference stored in an address-sized word (segments are `[start, set]` arrays:
    /// plain old data, so they can live on huge pages).
    fn from_set(set: u32) -> Self;
    /// The set reference stored by [`Addr::from_set`].
    fn set(self) -> u32;
}

impl Addr for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn bucket(self) -> usize {
        (self >> 16) as usize
    }
    fn from_set(set: u32) -> Self {
        set
    }
    fn set(self) -> u32 {
        self
    }
}

impl Addr for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn bucket(self) -> usize {
        (self >> 112) as usize
    }
    fn from_set(set: u32) -> Self {
        u128::from(set)
    }
    fn set(self) -> u32 {
        self as u32
    }
}

const BUCKETS: usize = 1 << 16;

/// Disjoint segments covering the whole address space, each with the set of ranges over it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RangeIndex<A: super::frozen::Pod> {
    /// First address of each segment (`segs[0][0]` is 0) and the set of range ids covering
    /// it ([`NONE`] when none; stored as an address, see [`Addr::from_set`]): one array, so the search and the answer share cache lines.
    segs: Frozen<[A; 2]>,
    /// `buckets[h]`: first segment whose start has top bits `>= h`.
    buckets: Frozen<u32>,
}

impl<A: Addr> RangeIndex<A> {
    /// Builds the index of `ranges` (`(start, end)`, inclusive, ids = positions); sets of range
    /// ids are interned in `interner`.
    pub(crate) fn build(ranges: &[(A, A)], interner: &mut SetInterner) -> Self {
        let mut order: Vec<u32> = (0..ranges.len() as u32).collect();
        order.sort_unstable_by_key(|&i| ranges.get(i as usize).map(|r| r.0));
        let mut bounds: Vec<A> = Vec::with_capacity(ranges.len() * 2 + 1);
        bounds.push(A::default());
        for &(s, e) in ranges {
            bounds.push(s);
            if let Some(n) = e.succ() {
                bounds.push(n);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();

        let mut segs: Vec<[A; 2]> = Vec::with_capacity(bounds.len());
        let mut active: Vec<(A, u32)> = Vec::new();
        let mut next = 0usize;
        let mut ids: Vec<u32> = Vec::new();
        for &b in &bounds {
            active.retain(|&(end, _)| end >= b);
            while let Some(&i) = order.get(next) {
                match ranges.get(i as usize) {
                    Some(&(s, e)) if s <= b => {
                        active.push((e, i));
                        next += 1;
                    }
                    _ => break,
                }
            }
            ids.clear();
            ids.extend(active.iter().map(|&(_, i)| i));
            ids.sort_unstable();
            let set = interner.intern(&ids);
            if segs.last().map(|s| s[1].set()) != Some(set) {
                segs.push([b, A::from_set(set)]);
            }
        }
        segs.shrink_to_fit();
        let mut buckets = Vec::with_capacity(BUCKETS + 1);
        let mut seg = 0usize;
        for h in 0..=BUCKETS {
            while segs.get(seg).is_some_and(|s| s[0].bucket() < h) {
                seg += 1;
            }
            buckets.push(seg as u32);
        }
        Self {
            segs: Frozen::new(segs),
            buckets: Frozen::new(buckets),
        }
    }

    /// The set of ranges covering `a`, or [`NONE`].
    #[inline]
    pub(crate) fn lookup(&self, a: A) -> u32 {
        // Each array viewed once (a mapped array's view is checked on every deref).
        let segs: &[[A; 2]] = &self.segs;
        let buckets: &[u32] = &self.buckets;
        let h = a.bucket();
        let lo = buckets.get(h).copied().unwrap_or(0) as usize;
        let hi = buckets.get(h + 1).map_or(segs.len(), |&v| v as usize);
        let k = segs
            .get(lo..hi)
            .map_or(0, |s| s.partition_point(|x| x[0] <= a));
        match (lo + k).checked_sub(1) {
            Some(i) => segs.get(i).map_or(NONE, |s| s[1].set()),
            None => NONE,
        }
    }

    /// The segments whose start shares `a`'s top bits: `lo..hi` (first step of a lookup).
    #[inline]
    pub(crate) fn bucket_bounds(&self, a: A) -> (usize, usize) {
        let buckets: &[u32] = &self.buckets;
        let h = a.bucket();
        let lo = buckets.get(h).copied().unwrap_or(0) as usize;
        let hi = buckets.get(h + 1).map_or(self.segs.len(), |&v| v as usize);
        (lo, hi)
    }

    /// All segments, `[start, set]` (the set stored by [`Addr::from_set`]).
    #[inline]
    pub(crate) fn segs(&self) -> &[[A; 2]] {
        &self.segs
    }

    /// True when the segments are on a huge-page mapping.
    pub(crate) fn is_mapped(&self) -> bool {
        self.segs.is_mapped()
    }

    /// Number of disjoint segments.
    pub(crate) fn segments(&self) -> usize {
        self.segs.len()
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.segs.memory_bytes() + self.buckets.memory_bytes()
    }
}

//! Interned measure and dimension names: a slot number per name, found without hashing.

use vigil_core::MeasureName;

use crate::BaselineError;

/// Up to `limit` names in first-seen order. Lookups try the caller's position first (callers
/// usually pass measures in the same order every time), then scan: with a handful of names a
/// scan of short strings beats hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    what: &'static str,
    limit: usize,
    /// Shared, so that a deviation reports a measure's name without copying it.
    pub(crate) names: Vec<MeasureName>,
    /// [`Fp`] of each name, aligned with `names`.
    fps: Vec<Fp>,
}

/// A name as its length and end words ([`ends`]): equal to another's exactly when the names
/// are equal, for names up to 16 bytes (longer ones are compared in full after this matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fp {
    len: usize,
    ends: (u64, u64),
}

impl Fp {
    #[inline(always)]
    fn of(s: &str) -> Self {
        Self {
            len: s.len(),
            ends: ends(s.as_bytes()),
        }
    }
}

impl Names {
    pub(crate) fn new(what: &'static str, limit: usize) -> Self {
        Self {
            what,
            limit,
            names: Vec::new(),
            fps: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn id(&self, name: &str, hint: usize) -> Option<usize> {
        // The caller's name is reduced to an `Fp` once, then compared with stored ones.
        let fp = Fp::of(name);
        let is = |i: usize| {
            self.fps.get(i) == Some(&fp)
                && (fp.len <= 16 || self.names.get(i).is_some_and(|n| **n == *name))
        };
        if is(hint) {
            return Some(hint);
        }
        (0..self.names.len()).find(|&i| is(i))
    }

    #[cold]
    pub(crate) fn id_or_insert(&mut self, name: &str, hint: usize) -> Result<usize, BaselineError> {
        if let Some(i) = self.id(name, hint) {
            return Ok(i);
        }
        if self.names.len() >= self.limit {
            return Err(BaselineError::TooManyNames {
                what: self.what,
                name: name.to_owned(),
                count: self.names.len() + 1,
                limit: self.limit,
            });
        }
        self.names.push(name.into());
        self.fps.push(Fp::of(name));
        Ok(self.names.len() - 1)
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        // Each name's text sits behind an `Arc` header of two counters.
        self.names.capacity() * std::mem::size_of::<MeasureName>()
            + self.fps.capacity() * std::mem::size_of::<Fp>()
            + self
                .names
                .iter()
                .map(|n| n.len() + 2 * std::mem::size_of::<usize>())
                .sum::<usize>()
    }
}

/// String equality without a `memcmp` call for names up to 16 bytes (two overlapping
/// 8-byte or 4-byte loads from each end cover every byte); longer names compare normally.
/// Names are compared on every observation, and the library call dominated that cost.
#[cfg(test)]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    ends(a) == ends(b)
}

/// The first and last `min(len, 8)` bytes of a slice of at most 16 bytes, as integers: equal
/// for two slices of the same length exactly when the slices are equal.
#[inline(always)]
pub(crate) fn ends(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    let word = |i: usize| -> u64 {
        s.get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let half = |i: usize| -> u64 {
        s.get(i..i + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
    };
    if n >= 8 {
        (word(0), word(n - 8))
    } else if n >= 4 {
        (half(0), half(n - 4))
    } else {
        let byte = |i: usize| u64::from(s.get(i).copied().unwrap_or(0));
        (
            byte(0) | byte(n / 2) << 8 | byte(n.saturating_sub(1)) << 16,
            0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_is_string_equality() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "bytes",
            "bytez",
            "count",
            "alert_type",
            "alert_typf",
            "0123456789abcdef",
            "0123456789abcdeF",
            "0123456789abcdefg",
            "0123456789abcdefh",
            "xxxxxxxx",
            "xxxxxxxy",
            "yxxxxxxx",
            "aaaa",
            "aaab",
            "baaa",
        ];
        for a in words {
            for b in words {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}

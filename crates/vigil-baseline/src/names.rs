//! Interned measure and dimension names: a slot number per name, found without hashing.

use crate::BaselineError;

/// Up to `limit` names in first-seen order. Lookups try the caller's position first (callers
/// usually pass measures in the same order every time), then scan: with a handful of names a
/// scan of short strings beats hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    what: &'static str,
    limit: usize,
    pub(crate) names: Vec<Box<str>>,
}

impl Names {
    pub(crate) fn new(what: &'static str, limit: usize) -> Self {
        Self {
            what,
            limit,
            names: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn id(&self, name: &str, hint: usize) -> Option<usize> {
        if let Some(n) = self.names.get(hint)
            && same(n.as_bytes(), name.as_bytes())
        {
            return Some(hint);
        }
        self.names
            .iter()
            .position(|n| same(n.as_bytes(), name.as_bytes()))
    }

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
        Ok(self.names.len() - 1)
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.names.capacity() * std::mem::size_of::<Box<str>>()
            + self.names.iter().map(|n| n.len()).sum::<usize>()
    }
}

/// Byte equality that compares short names (the usual case) with two overlapping word loads
/// instead of a `memcmp` call.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| -> u64 {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes)
    };
    let half = |s: &[u8], at: usize| -> u32 {
        s.get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_le_bytes)
    };
    match n {
        0 => true,
        1..=3 => a == b,
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn same_is_byte_equality() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "bytes",
            "count",
            "bytez",
            "alert_type",
            "alert_typf",
            "blert_type",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
        ];
        for a in words {
            for b in words {
                assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }
}

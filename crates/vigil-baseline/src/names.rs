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
            && &**n == name
        {
            return Some(hint);
        }
        self.names.iter().position(|n| &**n == name)
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

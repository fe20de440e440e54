//! Seeded hashing for maps keyed by attacker-controlled strings.
//!
//! Users, hosts and IPs come from the data an attacker influences, so a map keyed by them must
//! use a keyed hash (flooding one bucket is a denial of service). The key is a seed the
//! caller controls: the same seed gives the same hashes, hence the same iteration order and
//! the same model, bit for bit. A product facing hostile input should pass a secret seed.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// A [`BuildHasher`] keyed by a 64-bit seed (aHash underneath).
#[derive(Clone, Debug)]
pub struct SeededState {
    seed: u64,
    inner: ahash::RandomState,
}

impl SeededState {
    /// The seed used by [`Default`]: fixed, for reproducible runs.
    pub const DEFAULT_SEED: u64 = 0x5649_4749_4c00_0001;

    /// A hasher keyed by `seed`.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use vigil_core::SeededState;
    /// let a = SeededState::with_seed(7).hash_one("host-1");
    /// assert_eq!(a, SeededState::with_seed(7).hash_one("host-1"));
    /// assert_ne!(a, SeededState::with_seed(8).hash_one("host-1"));
    /// ```
    pub fn with_seed(seed: u64) -> Self {
        let mut sm = crate::SplitMix64::new(seed);
        let inner = ahash::RandomState::with_seeds(
            sm.next_u64(),
            sm.next_u64(),
            sm.next_u64(),
            sm.next_u64(),
        );
        Self { seed, inner }
    }

    /// The seed this state was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

impl Default for SeededState {
    fn default() -> Self {
        Self::with_seed(Self::DEFAULT_SEED)
    }
}

impl BuildHasher for SeededState {
    type Hasher = ahash::AHasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.inner.build_hasher()
    }
}

/// A `HashMap` with a seeded hasher.
pub type SeededMap<K, V> = HashMap<K, V, SeededState>;
/// A `HashSet` with a seeded hasher.
pub type SeededSet<K> = HashSet<K, SeededState>;

//! Cache: remembers an enricher's answer for a key, for a bounded time and a bounded number of
//! keys.
//!
//! - An entry is served only while `now < inserted + ttl` by the cache's [`Clock`]; an expired
//!   entry is removed when met and never returned.
//! - At most `capacity` keys are held; inserting one more evicts the oldest inserted (FIFO:
//!   an enrichment answer ages from when it was fetched, not from when it was last read).
//! - Keys come from alert content an attacker may shape, so the map uses a seeded hasher.
//! - Failures are not cached: the next alert asks again.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vigil_core::{
    Alert, AsyncEnricher, BoxFuture, ContextItem, CoreError, Enricher, Enrichment, SeededMap,
    SeededState,
};

use super::Layer;
use crate::EnrichError;
use crate::clock::{Clock, SystemClock};

/// Derives the cache key of an alert; `None` bypasses the cache for that alert.
pub type KeyFn = Arc<dyn Fn(&Alert) -> Option<String> + Send + Sync>;

/// The default key: the alert's entities (kind and value) and techniques, which is what
/// entity-driven enrichers (intel, assets, reputation APIs) look at.
pub fn entity_key(a: &Alert) -> Option<String> {
    if a.entities.is_empty() && a.techniques.is_empty() {
        return None;
    }
    let mut k = String::new();
    for e in &a.entities {
        k.push_str(e.kind.as_str());
        k.push('=');
        k.push_str(&e.value);
        k.push('\u{1f}');
    }
    for t in &a.techniques {
        k.push_str(t.as_str());
        k.push('\u{1f}');
    }
    Some(k)
}

struct Entry {
    items: Vec<ContextItem>,
    expires: Duration,
    seq: u64,
}

struct State {
    map: SeededMap<String, Entry>,
    order: VecDeque<(String, u64)>,
    seq: u64,
    hits: u64,
    misses: u64,
}

/// Counters of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Answers served from the cache.
    pub hits: u64,
    /// Calls passed to the inner enricher.
    pub misses: u64,
    /// Keys held now (some may have expired and not yet been met).
    pub len: usize,
}

/// Caches the inner enricher's context per key.
pub struct Cache<E> {
    inner: E,
    ttl: Duration,
    capacity: usize,
    key: KeyFn,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl<E> Cache<E> {
    /// Caches `inner` for `ttl`, holding at most `capacity` keys; seeded hasher, system clock,
    /// [`entity_key`]. A zero `ttl` or `capacity` is an error.
    pub fn new(inner: E, ttl: Duration, capacity: usize) -> Result<Self, EnrichError> {
        CacheLayer::new(ttl, capacity).map(|l| l.build(inner))
    }

    /// Current counters.
    pub fn stats(&self) -> CacheStats {
        let s = self.lock();
        CacheStats {
            hits: s.hits,
            misses: s.misses,
            len: s.map.len(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached items for `key` if present and not expired; counts a hit or a miss.
    fn get(&self, key: &str) -> Option<Vec<ContextItem>> {
        let now = self.clock.now();
        let mut s = self.lock();
        let fresh = match s.map.get(key) {
            Some(e) if now < e.expires => Some(e.items.clone()),
            Some(_) => {
                s.map.remove(key);
                None
            }
            None => None,
        };
        match fresh {
            Some(v) => {
                s.hits += 1;
                Some(v)
            }
            None => {
                s.misses += 1;
                None
            }
        }
    }

    fn put(&self, key: String, items: Vec<ContextItem>) {
        let now = self.clock.now();
        let expires = now.saturating_add(self.ttl);
        let mut s = self.lock();
        s.seq += 1;
        let seq = s.seq;
        // Evict oldest insertions until there is room; stale queue slots (replaced or
        // expired keys) are skipped by their sequence number.
        while s.map.len() >= self.capacity && !s.map.contains_key(&key) {
            let Some((k, q)) = s.order.pop_front() else {
                break;
            };
            if s.map.get(&k).is_some_and(|e| e.seq == q) {
                s.map.remove(&k);
            }
        }
        s.order.push_back((key.clone(), seq));
        s.map.insert(
            key,
            Entry {
                items,
                expires,
                seq,
            },
        );
        // Keep the queue bounded too: drop leading slots that no longer name a live entry.
        while s.order.len() > self.capacity.saturating_mul(2) {
            let Some((k, q)) = s.order.pop_front() else {
                break;
            };
            if s.map.get(&k).is_some_and(|e| e.seq == q) {
                s.map.remove(&k);
            }
        }
    }
}

impl<E: Enricher> Enricher for Cache<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let Some(key) = (self.key)(alert) else {
            return self.inner.enrich(alert, ctx);
        };
        if let Some(items) = self.get(&key) {
            ctx.items.extend(items);
            return Ok(());
        }
        let mut tmp = Enrichment::default();
        self.inner.enrich(alert, &mut tmp)?;
        self.put(key, tmp.items.clone());
        ctx.items.append(&mut tmp.items);
        ctx.failures.append(&mut tmp.failures);
        Ok(())
    }
}

impl<E: AsyncEnricher> AsyncEnricher for Cache<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        Box::pin(async move {
            let Some(key) = (self.key)(alert) else {
                return self.inner.enrich_async(alert).await;
            };
            if let Some(items) = self.get(&key) {
                return Ok(items);
            }
            let items = self.inner.enrich_async(alert).await?;
            self.put(key, items.clone());
            Ok(items)
        })
    }
}

/// Layer form of [`Cache`], and its builder.
#[derive(Clone)]
pub struct CacheLayer {
    ttl: Duration,
    capacity: usize,
    seed: u64,
    key: KeyFn,
    clock: Arc<dyn Clock>,
}

impl CacheLayer {
    /// A cache of `capacity` keys kept for `ttl`. Zero for either is an error.
    pub fn new(ttl: Duration, capacity: usize) -> Result<Self, EnrichError> {
        if ttl.is_zero() {
            return Err(EnrichError::InvalidParameter {
                name: "ttl",
                reason: "must be positive".into(),
            });
        }
        if capacity == 0 {
            return Err(EnrichError::InvalidParameter {
                name: "capacity",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            ttl,
            capacity,
            seed: SeededState::DEFAULT_SEED,
            key: Arc::new(entity_key),
            clock: Arc::new(SystemClock::new()),
        })
    }

    /// Seeds the key hasher (pass a secret seed when keys come from hostile input).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Derives keys with `f` instead of [`entity_key`].
    #[must_use]
    pub fn key_by(mut self, f: impl Fn(&Alert) -> Option<String> + Send + Sync + 'static) -> Self {
        self.key = Arc::new(f);
        self
    }

    /// Reads time from `clock` (tests pass a [`crate::ManualClock`]).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    fn build<E>(&self, inner: E) -> Cache<E> {
        Cache {
            inner,
            ttl: self.ttl,
            capacity: self.capacity,
            key: Arc::clone(&self.key),
            clock: Arc::clone(&self.clock),
            state: Mutex::new(State {
                map: SeededMap::with_hasher(SeededState::with_seed(self.seed)),
                order: VecDeque::new(),
                seq: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }
}

impl<E> Layer<E> for CacheLayer {
    type Enricher = Cache<E>;
    fn layer(&self, inner: E) -> Cache<E> {
        self.build(inner)
    }
}

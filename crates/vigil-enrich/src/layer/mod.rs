//! Layers in the style of tower: each wraps an enricher and is itself an enricher.
//!
//! A wrapped enricher implements [`vigil_core::Enricher`] when the inner one does, and
//! [`vigil_core::AsyncEnricher`] when the inner one does, so the same layer serves an in-memory
//! lookup and a remote one. Compose with [`EnricherExt::with`]:
//!
//! ```
//! use std::time::Duration;
//! use vigil_core::{Alert, Enricher};
//! use vigil_enrich::layer::{CacheLayer, EnricherExt, FallbackLayer};
//! use vigil_enrich::{KevCatalogue, KevEnricher};
//! let kev = KevEnricher::new(KevCatalogue::default());
//! let e = kev
//!     .with(FallbackLayer::new(KevEnricher::new(KevCatalogue::default())))
//!     .with(CacheLayer::new(Duration::from_secs(60), 1024).unwrap());
//! let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "CVE-2021-44228");
//! e.enrich_alert(&mut a);
//! assert_eq!(a.enrichment.items.len(), 1);
//! ```

pub mod cache;
pub mod fallback;
pub mod rate_limit;
pub mod timeout;

pub use cache::{Cache, CacheLayer, KeyFn};
pub use fallback::{Fallback, FallbackLayer};
pub use rate_limit::{RateLimit, RateLimitLayer};
pub use timeout::{Timeout, TimeoutLayer};

/// Wraps an enricher into another (tower's `Layer`).
pub trait Layer<E> {
    /// The wrapped enricher.
    type Enricher;

    /// Wraps `inner`.
    fn layer(&self, inner: E) -> Self::Enricher;
}

/// `with` on every type, so layers read outward in the order they are applied.
pub trait EnricherExt: Sized {
    /// Wraps `self` in `layer`.
    fn with<L: Layer<Self>>(self, layer: L) -> L::Enricher {
        layer.layer(self)
    }
}

impl<T> EnricherExt for T {}

/// The layer that wraps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<E> Layer<E> for Identity {
    type Enricher = E;
    fn layer(&self, inner: E) -> E {
        inner
    }
}

/// Two layers, `inner` applied first.
#[derive(Debug, Clone, Default)]
pub struct Stack<Inner, Outer> {
    inner: Inner,
    outer: Outer,
}

impl<Inner, Outer> Stack<Inner, Outer> {
    /// `inner` wraps the enricher, then `outer` wraps the result.
    pub fn new(inner: Inner, outer: Outer) -> Self {
        Self { inner, outer }
    }
}

impl<E, Inner: Layer<E>, Outer: Layer<Inner::Enricher>> Layer<E> for Stack<Inner, Outer> {
    type Enricher = Outer::Enricher;
    fn layer(&self, e: E) -> Self::Enricher {
        self.outer.layer(self.inner.layer(e))
    }
}

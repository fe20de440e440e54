//! Rate limit: a token bucket in front of an enricher (a paid reputation API, a CMDB).
//!
//! The bucket holds up to `burst` tokens and refills at `per_second`; each call takes one.
//! With no token, a synchronous call fails at once with [`EnrichError::RateLimited`] (recorded
//! on the alert, which goes on); an asynchronous call may first wait up to `max_wait` for the
//! next token, sleeping on [`crate::exec::Sleep`] rather than blocking its thread.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vigil_core::{Alert, AsyncEnricher, BoxFuture, ContextItem, CoreError, Enricher, Enrichment};

use super::Layer;
use crate::EnrichError;
use crate::clock::{Clock, SystemClock};
use crate::exec::Sleep;

struct Bucket {
    tokens: f64,
    last: Duration,
}

/// Limits calls to the inner enricher.
pub struct RateLimit<E> {
    inner: E,
    per_second: f64,
    burst: u32,
    max_wait: Duration,
    clock: Arc<dyn Clock>,
    bucket: Mutex<Bucket>,
}

impl<E> RateLimit<E> {
    /// Takes a token, or says how long until one is available.
    fn try_acquire(&self) -> Result<(), Duration> {
        let now = self.clock.now();
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_sub(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(f64::from(self.burst));
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_second))
        }
    }

    fn limited(&self, name: &str) -> CoreError {
        EnrichError::RateLimited {
            enricher: name.to_owned(),
            per_second: self.per_second,
            burst: self.burst,
        }
        .into()
    }
}

impl<E: Enricher> Enricher for RateLimit<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        self.try_acquire()
            .map_err(|_| self.limited(self.inner.name()))?;
        self.inner.enrich(alert, ctx)
    }
}

impl<E: AsyncEnricher> AsyncEnricher for RateLimit<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        Box::pin(async move {
            let mut waited = Duration::ZERO;
            loop {
                match self.try_acquire() {
                    Ok(()) => break,
                    Err(wait) if waited + wait <= self.max_wait => {
                        Sleep::new(wait).await;
                        waited += wait;
                    }
                    Err(_) => return Err(self.limited(self.inner.name())),
                }
            }
            self.inner.enrich_async(alert).await
        })
    }
}

/// Layer form of [`RateLimit`], and its builder.
#[derive(Clone)]
pub struct RateLimitLayer {
    per_second: f64,
    burst: u32,
    max_wait: Duration,
    clock: Arc<dyn Clock>,
}

impl RateLimitLayer {
    /// `per_second` sustained calls (finite, > 0), bursts of up to `burst` (≥ 1).
    pub fn new(per_second: f64, burst: u32) -> Result<Self, EnrichError> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(EnrichError::InvalidParameter {
                name: "per_second",
                reason: format!("must be finite and positive, got {per_second}"),
            });
        }
        if burst == 0 {
            return Err(EnrichError::InvalidParameter {
                name: "burst",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            per_second,
            burst,
            max_wait: Duration::ZERO,
            clock: Arc::new(SystemClock::new()),
        })
    }

    /// Lets async calls wait up to `d` for a token (default: fail at once).
    #[must_use]
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// Reads time from `clock`.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

impl<E> Layer<E> for RateLimitLayer {
    type Enricher = RateLimit<E>;
    fn layer(&self, inner: E) -> RateLimit<E> {
        let now = self.clock.now();
        RateLimit {
            inner,
            per_second: self.per_second,
            burst: self.burst,
            max_wait: self.max_wait,
            clock: Arc::clone(&self.clock),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(self.burst),
                last: now,
            }),
        }
    }
}

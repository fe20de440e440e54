//! Timeout: an enricher that does not answer in time is cut, and the alert goes on.
//!
//! Two mechanisms, because there are two ways to hang:
//!
//! - **async** ([`vigil_core::AsyncEnricher`]): the inner future is raced against a
//!   [`Sleep`], which a shared timer thread wakes. Works under any executor; cuts a future
//!   that stays pending (a request that never answers). It cannot cut a future that blocks
//!   its thread inside `poll`: that is a bug in the future, not a slow answer.
//! - **sync** ([`vigil_core::Enricher`]): a blocking call cannot be interrupted, so it runs on
//!   a worker thread and the caller waits with `recv_timeout`. A call that hangs is abandoned
//!   (its thread finishes or stays blocked on its own); at most `max_abandoned` may be hung at
//!   once, after which calls fail fast instead of spawning more threads. A thread per call
//!   costs ~10–20 µs, right for remote lookups and wrong for in-memory ones, which need no
//!   timeout.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use vigil_core::{Alert, AsyncEnricher, BoxFuture, ContextItem, CoreError, Enricher, Enrichment};

use super::Layer;
use crate::EnrichError;
use crate::exec::Sleep;

/// Cuts the inner enricher after `limit`.
pub struct Timeout<E> {
    inner: Arc<E>,
    limit: Duration,
    abandoned: Arc<AtomicUsize>,
    max_abandoned: usize,
}

impl<E> Timeout<E> {
    /// Wraps `inner` with a deadline of `limit` per call.
    pub fn new(inner: E, limit: Duration) -> Self {
        Self {
            inner: Arc::new(inner),
            limit,
            abandoned: Arc::new(AtomicUsize::new(0)),
            max_abandoned: 64,
        }
    }

    /// How many hung synchronous calls may be abandoned at once (default 64).
    #[must_use]
    pub fn max_abandoned(mut self, n: usize) -> Self {
        self.max_abandoned = n;
        self
    }

    /// Synchronous calls abandoned on timeout whose threads have not finished yet.
    pub fn abandoned(&self) -> usize {
        self.abandoned.load(Ordering::Acquire)
    }

    /// The inner enricher.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    fn timeout_error(&self, name: &str) -> CoreError {
        EnrichError::Timeout {
            enricher: name.to_owned(),
            millis: self.limit.as_millis(),
        }
        .into()
    }
}

impl<E: AsyncEnricher> AsyncEnricher for Timeout<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        let mut fut = self.inner.enrich_async(alert);
        let mut sleep = Sleep::new(self.limit);
        Box::pin(async move {
            poll_fn(move |cx| {
                if let Poll::Ready(r) = fut.as_mut().poll(cx) {
                    return Poll::Ready(r);
                }
                if Pin::new(&mut sleep).poll(cx).is_ready() {
                    return Poll::Ready(Err(self.timeout_error(self.inner.name())));
                }
                Poll::Pending
            })
            .await
        })
    }
}

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const ABANDONED: u8 = 2;

impl<E: Enricher + 'static> Enricher for Timeout<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let name = self.inner.name().to_owned();
        if self.abandoned.load(Ordering::Acquire) >= self.max_abandoned {
            return Err(EnrichError::Worker {
                enricher: name,
                reason: format!(
                    "{} earlier calls still hung; not starting another",
                    self.max_abandoned
                ),
            }
            .into());
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let inner = Arc::clone(&self.inner);
        let a = alert.clone();
        // RUNNING → FINISHED (worker done first) or RUNNING → ABANDONED (caller gave up
        // first): exactly one side wins, so the abandoned count is exact.
        let state = Arc::new(AtomicU8::new(RUNNING));
        let worker_state = Arc::clone(&state);
        let abandoned = Arc::clone(&self.abandoned);
        std::thread::Builder::new()
            .name("vigil-enrich-timeout".into())
            .spawn(move || {
                let mut c = Enrichment::default();
                let r = inner.enrich(&a, &mut c).map(|()| c);
                // The receiver may be gone after a timeout: nothing to do then.
                let _ = tx.send(r);
                if worker_state
                    .compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    abandoned.fetch_sub(1, Ordering::AcqRel);
                }
            })
            .map_err(|e| EnrichError::Worker {
                enricher: name.clone(),
                reason: format!("cannot start worker thread: {e}"),
            })?;
        let result = match rx.recv_timeout(self.limit) {
            Ok(r) => r,
            Err(_) => {
                // Counted before the worker can see ABANDONED, so the count never wraps.
                self.abandoned.fetch_add(1, Ordering::AcqRel);
                if state
                    .compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    return Err(self.timeout_error(&name));
                }
                self.abandoned.fetch_sub(1, Ordering::AcqRel);
                // The worker finished just now; its answer was sent before it said so.
                rx.try_recv().map_err(|_| self.timeout_error(&name))?
            }
        };
        let mut c = result?;
        ctx.items.append(&mut c.items);
        ctx.failures.append(&mut c.failures);
        Ok(())
    }
}

/// Layer form of [`Timeout`].
#[derive(Debug, Clone, Copy)]
pub struct TimeoutLayer {
    limit: Duration,
}

impl TimeoutLayer {
    /// Cuts calls after `limit`.
    pub fn new(limit: Duration) -> Self {
        Self { limit }
    }
}

impl<E> Layer<E> for TimeoutLayer {
    type Enricher = Timeout<E>;
    fn layer(&self, inner: E) -> Timeout<E> {
        Timeout::new(inner, self.limit)
    }
}

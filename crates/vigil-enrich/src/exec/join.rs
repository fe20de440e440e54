//! Joins boxed futures concurrently on one task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use vigil_core::BoxFuture;

/// The future returned by [`join_all`].
pub struct JoinAll<'a, T> {
    pending: Vec<Option<BoxFuture<'a, T>>>,
    done: Vec<Option<T>>,
    remaining: usize,
}

/// Polls every future each time the joined task is woken; resolves to their outputs in the
/// order given, once all are ready.
///
/// Every future is polled on every wake-up: for the handful of enrichers a fan-out holds this
/// costs less than per-child wakers would.
///
/// ```
/// use vigil_core::BoxFuture;
/// use vigil_enrich::exec::{block_on, join_all};
/// let futs: Vec<BoxFuture<'_, u32>> = vec![Box::pin(async { 1 }), Box::pin(async { 2 })];
/// assert_eq!(block_on(join_all(futs)), vec![1, 2]);
/// ```
pub fn join_all<'a, T>(futures: Vec<BoxFuture<'a, T>>) -> JoinAll<'a, T> {
    let n = futures.len();
    JoinAll {
        pending: futures.into_iter().map(Some).collect(),
        done: (0..n).map(|_| None).collect(),
        remaining: n,
    }
}

// Only boxed futures and plain outputs are held, so moving the struct never moves a pinned future.
impl<T> Unpin for JoinAll<'_, T> {}

impl<T> Future for JoinAll<'_, T> {
    type Output = Vec<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        let this = self.get_mut();
        for (slot, out) in this.pending.iter_mut().zip(this.done.iter_mut()) {
            if let Some(f) = slot
                && let Poll::Ready(v) = f.as_mut().poll(cx)
            {
                *out = Some(v);
                *slot = None;
                this.remaining -= 1;
            }
        }
        if this.remaining == 0 {
            Poll::Ready(this.done.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    }
}

//! A timer future woken by one shared timer thread.
//!
//! Why a thread: a runtime-agnostic future cannot borrow a runtime's timer, and a thread per
//! sleep would cost a spawn per enrichment call. One lazily started thread keeps a heap of
//! deadlines and wakes each sleeper's waker when its deadline passes.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// State shared by one sleeper and the timer thread.
#[derive(Default)]
struct Shared {
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// One pending deadline, ordered earliest first (for a max-heap, so reversed).
struct Entry {
    deadline: Instant,
    seq: u64,
    shared: Arc<Shared>,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.deadline == o.deadline && self.seq == o.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> CmpOrdering {
        (o.deadline, o.seq).cmp(&(self.deadline, self.seq))
    }
}

#[derive(Default)]
struct Timer {
    heap: Mutex<(BinaryHeap<Entry>, u64)>,
    cv: Condvar,
}

impl Timer {
    /// The process-wide timer, its thread started on first use.
    fn global() -> Option<&'static Timer> {
        static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
        *TIMER.get_or_init(|| {
            let timer: &'static Timer = Box::leak(Box::default());
            std::thread::Builder::new()
                .name("vigil-enrich-timer".into())
                .spawn(move || timer.run())
                .ok()
                .map(|_| timer)
        })
    }

    fn register(&self, deadline: Instant, shared: Arc<Shared>) {
        let mut g = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        let seq = g.1;
        g.1 += 1;
        g.0.push(Entry {
            deadline,
            seq,
            shared,
        });
        drop(g);
        self.cv.notify_one();
    }

    fn run(&self) {
        let mut g = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let now = Instant::now();
            let next = g.0.peek().map(|e| e.deadline);
            match next {
                None => g = self.cv.wait(g).unwrap_or_else(|p| p.into_inner()),
                Some(d) if d > now => {
                    g = self
                        .cv
                        .wait_timeout(g, d - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
                Some(_) => {
                    if let Some(e) = g.0.pop() {
                        drop(g);
                        e.shared.fired.store(true, Ordering::Release);
                        let w = e
                            .shared
                            .waker
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .take();
                        if let Some(w) = w {
                            w.wake();
                        }
                        g = self.heap.lock().unwrap_or_else(|p| p.into_inner());
                    }
                }
            }
        }
    }
}

/// A future that completes once a duration has passed, under any executor.
///
/// ```
/// use std::time::{Duration, Instant};
/// use vigil_enrich::exec::{block_on, Sleep};
/// let t = Instant::now();
/// block_on(Sleep::new(Duration::from_millis(5)));
/// assert!(t.elapsed() >= Duration::from_millis(5));
/// ```
pub struct Sleep {
    deadline: Instant,
    shared: Option<Arc<Shared>>,
}

impl Sleep {
    /// Sleeps for `d` from now.
    pub fn new(d: Duration) -> Self {
        let now = Instant::now();
        Self::until(
            now.checked_add(d)
                .unwrap_or(now + Duration::from_secs(86_400 * 365)),
        )
    }

    /// Sleeps until `deadline`.
    pub fn until(deadline: Instant) -> Self {
        Self {
            deadline,
            shared: None,
        }
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let shared = match &self.shared {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(Shared::default());
                *s.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
                match Timer::global() {
                    Some(t) => {
                        t.register(deadline, Arc::clone(&s));
                        self.shared = Some(s);
                    }
                    // No timer thread could start: wake ourselves, polling until the deadline.
                    None => cx.waker().wake_by_ref(),
                }
                return Poll::Pending;
            }
        };
        if shared.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *shared.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
        // The timer may have fired between the check and storing the waker.
        if shared.fired.load(Ordering::Acquire) || Instant::now() >= deadline {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

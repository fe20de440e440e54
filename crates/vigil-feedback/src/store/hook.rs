//! A [`FeedbackHook`] that records verdicts into a store.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use vigil_core::{FeedbackHook, VerdictEvent};

use super::VerdictStore;

/// Records every verdict the triage pipeline reports into a [`VerdictStore`].
///
/// Hooks cannot return errors, so a failed append is counted (see
/// [`RecordingHook::failures`]) and the last error kept, for a health check to report.
///
/// ```
/// use vigil_core::{FeedbackHook, Verdict, VerdictEvent};
/// use vigil_feedback::store::{MemoryStore, RecordingHook, VerdictStore};
/// let hook = RecordingHook::new(MemoryStore::default());
/// let e = VerdictEvent { alert_id: "a".into(), verdict: Verdict::TruePositive,
///     analyst: "ana".into(), at: chrono::DateTime::UNIX_EPOCH, detector: None, reason: None };
/// hook.on_verdict(&e);
/// assert_eq!(hook.into_inner().len().unwrap(), 1);
/// ```
#[derive(Debug)]
pub struct RecordingHook<S> {
    store: Mutex<S>,
    failures: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl<S: VerdictStore> RecordingHook<S> {
    /// A hook writing into `store`.
    pub fn new(store: S) -> Self {
        Self {
            store: Mutex::new(store),
            failures: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    /// Appends that failed so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The most recent append error, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    /// Runs `f` with the store (for reads while the hook is installed).
    pub fn with_store<T>(&self, f: impl FnOnce(&S) -> T) -> Option<T> {
        self.store.lock().ok().map(|g| f(&g))
    }

    /// The store back.
    pub fn into_inner(self) -> S {
        match self.store.into_inner() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn fail(&self, reason: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut g) = self.last_error.lock() {
            *g = Some(reason);
        }
    }
}

impl<S: VerdictStore> FeedbackHook for RecordingHook<S> {
    fn on_verdict(&self, event: &VerdictEvent) {
        let result = match self.store.lock() {
            Ok(mut s) => s.append(event).map(|_| ()).map_err(|e| e.to_string()),
            Err(_) => Err("store mutex poisoned".to_string()),
        };
        if let Err(reason) = result {
            self.fail(reason);
        }
    }
}

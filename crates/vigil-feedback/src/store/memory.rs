//! The in-memory store.

use vigil_core::VerdictEvent;

use super::{StoredVerdict, VerdictId, VerdictStore};
use crate::FeedbackError;

/// Verdicts in a vector: fast, and lost with the process. For tests and simulations.
///
/// ```
/// use vigil_feedback::store::{MemoryStore, VerdictStore};
/// use vigil_core::{Verdict, VerdictEvent};
/// let mut s = MemoryStore::default();
/// let e = VerdictEvent { alert_id: "a".into(), verdict: Verdict::TruePositive,
///     analyst: "ana".into(), at: chrono::DateTime::UNIX_EPOCH, detector: None, reason: None };
/// let id = s.append(&e).unwrap();
/// assert_eq!(s.get(id).unwrap().unwrap().event, e);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    events: Vec<VerdictEvent>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl VerdictStore for MemoryStore {
    fn append(&mut self, event: &VerdictEvent) -> Result<VerdictId, FeedbackError> {
        self.events.push(event.clone());
        Ok(self.events.len() as u64 - 1)
    }

    fn get(&self, id: VerdictId) -> Result<Option<StoredVerdict>, FeedbackError> {
        let found = usize::try_from(id).ok().and_then(|i| self.events.get(i));
        Ok(found.map(|e| StoredVerdict {
            id,
            event: e.clone(),
        }))
    }

    fn len(&self) -> Result<u64, FeedbackError> {
        Ok(self.events.len() as u64)
    }

    fn scan(&self, from: VerdictId) -> Result<Vec<StoredVerdict>, FeedbackError> {
        let start = usize::try_from(from).unwrap_or(usize::MAX);
        Ok(self
            .events
            .iter()
            .enumerate()
            .skip(start)
            .map(|(i, e)| StoredVerdict {
                id: i as u64,
                event: e.clone(),
            })
            .collect())
    }
}

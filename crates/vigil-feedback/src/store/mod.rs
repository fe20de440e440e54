//! Verdict capture: analysts' verdicts into a store behind [`VerdictStore`].
//!
//! Two stores: [`MemoryStore`] for tests and simulations, and [`RedbStore`], a durable
//! embedded database. The contract of [`VerdictStore::append`]: when it returns `Ok(id)` the
//! verdict is *acknowledged*, and an acknowledged verdict survives a crash of the process
//! (durable stores commit before they acknowledge).

mod hook;
mod memory;
mod redb_store;

pub use hook::RecordingHook;
pub use memory::MemoryStore;
pub use redb_store::RedbStore;

use serde::{Deserialize, Serialize};
use vigil_core::VerdictEvent;

use crate::FeedbackError;

/// Identifier a store gives a verdict: dense, increasing from 0 in order of acknowledgement.
pub type VerdictId = u64;

/// A verdict as stored, with the id the store acknowledged it under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredVerdict {
    /// The id returned by [`VerdictStore::append`].
    pub id: VerdictId,
    /// The verdict itself.
    pub event: VerdictEvent,
}

/// Where verdicts are kept. Ids are dense and increasing, so `scan(from)` reads what arrived
/// since a retraining that saw everything below `from`.
pub trait VerdictStore: Send {
    /// Stores one verdict and returns its id. `Ok` is the acknowledgement: a durable store
    /// has committed the verdict to stable storage before it returns.
    fn append(&mut self, event: &VerdictEvent) -> Result<VerdictId, FeedbackError>;

    /// Stores several verdicts in one commit (all or none), returning their ids in order.
    fn append_batch(&mut self, events: &[VerdictEvent]) -> Result<Vec<VerdictId>, FeedbackError> {
        events.iter().map(|e| self.append(e)).collect()
    }

    /// The verdict with this id, if stored.
    fn get(&self, id: VerdictId) -> Result<Option<StoredVerdict>, FeedbackError>;

    /// Number of verdicts stored.
    fn len(&self) -> Result<u64, FeedbackError>;

    /// True when nothing is stored.
    fn is_empty(&self) -> Result<bool, FeedbackError> {
        Ok(self.len()? == 0)
    }

    /// Every verdict with id `>= from`, in id order.
    fn scan(&self, from: VerdictId) -> Result<Vec<StoredVerdict>, FeedbackError>;
}

impl<S: VerdictStore + ?Sized> VerdictStore for Box<S> {
    fn append(&mut self, event: &VerdictEvent) -> Result<VerdictId, FeedbackError> {
        (**self).append(event)
    }
    fn append_batch(&mut self, events: &[VerdictEvent]) -> Result<Vec<VerdictId>, FeedbackError> {
        (**self).append_batch(events)
    }
    fn get(&self, id: VerdictId) -> Result<Option<StoredVerdict>, FeedbackError> {
        (**self).get(id)
    }
    fn len(&self) -> Result<u64, FeedbackError> {
        (**self).len()
    }
    fn scan(&self, from: VerdictId) -> Result<Vec<StoredVerdict>, FeedbackError> {
        (**self).scan(from)
    }
}

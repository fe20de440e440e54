//! A priority queue of scored alerts: highest risk first.
//!
//! Ties are broken deterministically: higher risk, then higher confidence, then the item
//! pushed first. So two runs over the same alerts pop them in the same order.
//!
//! ```
//! use vigil_core::Score;
//! use vigil_triage::queue::TriageQueue;
//!
//! let mut q = TriageQueue::new();
//! q.push("low", Score::new(0.2, 0.1));
//! q.push("high", Score::new(0.9, 0.8));
//! q.push("tie-later", Score::new(0.9, 0.8));
//! assert_eq!(q.pop().map(|(a, _)| a), Some("high"));
//! assert_eq!(q.pop().map(|(a, _)| a), Some("tie-later"));
//! assert_eq!(q.pop().map(|(a, _)| a), Some("low"));
//! assert!(q.pop().is_none());
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use vigil_core::Score;

struct Entry<T> {
    risk: f64,
    confidence: f64,
    seq: u64,
    item: T,
    score: Score,
}

impl<T> Entry<T> {
    fn key_cmp(&self, o: &Self) -> Ordering {
        self.risk
            .total_cmp(&o.risk)
            .then(self.confidence.total_cmp(&o.confidence))
            // Earlier pushes are greater, so they pop first among equals.
            .then(o.seq.cmp(&self.seq))
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, o: &Self) -> bool {
        self.key_cmp(o) == Ordering::Equal
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, o: &Self) -> Ordering {
        self.key_cmp(o)
    }
}

/// Items waiting for an analyst, ordered by their [`Score`].
pub struct TriageQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    seq: u64,
}

impl<T> Default for TriageQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for TriageQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriageQueue")
            .field("len", &self.heap.len())
            .finish()
    }
}

impl<T> TriageQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Adds an item with its score (NaN risk or confidence counts as 0).
    pub fn push(&mut self, item: T, score: Score) {
        let fix = |v: f64| if v.is_nan() { 0.0 } else { v };
        self.heap.push(Entry {
            risk: fix(score.risk),
            confidence: fix(score.confidence),
            seq: self.seq,
            item,
            score,
        });
        self.seq += 1;
    }

    /// Removes and returns the most urgent item and its score.
    pub fn pop(&mut self) -> Option<(T, Score)> {
        self.heap.pop().map(|e| (e.item, e.score))
    }

    /// The most urgent item without removing it.
    pub fn peek(&self) -> Option<(&T, &Score)> {
        self.heap.peek().map(|e| (&e.item, &e.score))
    }

    /// Number of items waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Empties the queue in priority order.
    pub fn drain_sorted(&mut self) -> Vec<(T, Score)> {
        let mut out = Vec::with_capacity(self.heap.len());
        while let Some(x) = self.pop() {
            out.push(x);
        }
        out
    }
}

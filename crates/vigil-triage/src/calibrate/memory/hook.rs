//! [`MemoryHook`]: a [`VerdictMemory`] fed by the collaboration layer's hooks.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use vigil_core::{Alert, FeedbackHook, Score, SeededMap, SeededState, Verdict, VerdictEvent};

use super::{VerdictMemory, alert_key};

/// A scored alert waiting for its verdict: organisation, alert key, model confidence.
type Pending = (String, String, f64);

/// What a [`MemoryHook`] has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryHookStats {
    /// Verdicts recorded into the memory.
    pub recorded: u64,
    /// Verdicts on alerts the hook never saw scored (or already forgot): not recorded.
    pub unmatched: u64,
    /// Scored alerts forgotten unjudged because more than `max_pending` were waiting.
    pub evicted: u64,
}

struct State {
    memory: VerdictMemory,
    pending: SeededMap<String, Pending>,
    order: VecDeque<String>,
    stats: MemoryHookStats,
}

/// A [`VerdictMemory`] behind the [`FeedbackHook`] interface of vigil-core, so it joins a
/// hook list beside oversight and retraining: `on_scored` remembers each alert's
/// organisation, alert key and the model's confidence, and `on_verdict` records the
/// analyst's grade of that alert into the memory. [`MemoryHook::confidence_for`] then gives
/// the next alert's confidence after its organisation's verdicts.
///
/// Alerts waiting for a verdict are bounded by `max_pending` (the oldest are forgotten first
/// and counted in [`MemoryHookStats::evicted`]); a verdict on an alert the hook does not hold
/// is counted as unmatched, never guessed. Give the hook the model's confidence (the scorer's
/// [`Score`] before this memory), not the adjusted one, or the memory would learn from its own
/// output.
///
/// ```
/// use vigil_core::{Alert, FeedbackHook, Score, Verdict, VerdictEvent};
/// use vigil_triage::calibrate::{MemoryHook, VerdictMemoryParams};
///
/// # fn main() -> Result<(), vigil_triage::error::TriageError> {
/// let hook = MemoryHook::new(VerdictMemoryParams::default().check()?.build(), 10_000);
/// let mut alert = Alert::new("a-1", chrono::DateTime::UNIX_EPOCH, "Suspicious sign-in");
/// alert.tenant = Some("org-1".into());
/// for i in 0..10 {
///     alert.id = format!("a-{i}");
///     hook.on_scored(&alert, &Score::new(0.4, 0.4));
///     hook.on_verdict(&VerdictEvent {
///         alert_id: alert.id.clone(),
///         verdict: Verdict::FalsePositive,
///         analyst: "ana".into(),
///         at: chrono::DateTime::UNIX_EPOCH,
///         detector: None,
///         reason: None,
///     });
/// }
/// assert_eq!(hook.stats().recorded, 10);
/// assert!(hook.confidence_for(&alert, 0.4) < 0.1);
/// # Ok(())
/// # }
/// ```
pub struct MemoryHook {
    state: Mutex<State>,
    max_pending: usize,
}

impl MemoryHook {
    /// A hook around `memory`, holding at most `max_pending` scored alerts (at least 1) until
    /// their verdicts arrive.
    pub fn new(memory: VerdictMemory, max_pending: usize) -> Self {
        let seed = memory.params().seed ^ 0x686f_6f6b;
        Self {
            state: Mutex::new(State {
                memory,
                pending: SeededMap::with_hasher(SeededState::with_seed(seed)),
                order: VecDeque::new(),
                stats: MemoryHookStats::default(),
            }),
            max_pending: max_pending.max(1),
        }
    }

    /// The state; a panic in another thread while it held the lock leaves the memory as
    /// that thread left it (each update is one `record`), so the lock is taken anyway.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `alert`'s confidence after its organisation's remembered verdicts, given the model's
    /// `confidence` ([`VerdictMemory::confidence_for`]).
    pub fn confidence_for(&self, alert: &Alert, confidence: f64) -> f64 {
        self.state().memory.confidence_for(alert, confidence)
    }

    /// Counts so far.
    pub fn stats(&self) -> MemoryHookStats {
        self.state().stats
    }

    /// Scored alerts still waiting for a verdict.
    pub fn pending(&self) -> usize {
        self.state().pending.len()
    }

    /// Runs `f` on the memory (to save it, for instance).
    pub fn with_memory<T>(&self, f: impl FnOnce(&VerdictMemory) -> T) -> T {
        f(&self.state().memory)
    }

    /// The memory, and the hook gone.
    pub fn into_memory(self) -> VerdictMemory {
        self.state
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .memory
    }
}

impl FeedbackHook for MemoryHook {
    fn on_scored(&self, alert: &Alert, score: &Score) {
        let org = alert.tenant.clone().unwrap_or_default();
        let entry = (org, alert_key(alert).to_owned(), score.confidence);
        let mut s = self.state();
        if s.pending.insert(alert.id.clone(), entry).is_none() {
            s.order.push_back(alert.id.clone());
        }
        while s.pending.len() > self.max_pending {
            let Some(oldest) = s.order.pop_front() else {
                break;
            };
            if s.pending.remove(&oldest).is_some() {
                s.stats.evicted += 1;
            }
        }
        // Ids already judged leave stale entries in `order`; drop them once they dominate.
        if s.order.len() > 2 * self.max_pending {
            let State { pending, order, .. } = &mut *s;
            order.retain(|id| pending.contains_key(id));
        }
    }

    fn on_verdict(&self, event: &VerdictEvent) {
        let mut s = self.state();
        match s.pending.remove(&event.alert_id) {
            Some((org, key, confidence)) => {
                let threat = event.verdict == Verdict::TruePositive;
                s.memory.record(&org, &key, confidence, threat);
                s.stats.recorded += 1;
            }
            None => s.stats.unmatched += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests may unwrap

    use super::*;
    use crate::calibrate::VerdictMemoryParams;
    use proptest::prelude::*;

    fn hook(max_pending: usize) -> MemoryHook {
        MemoryHook::new(
            VerdictMemoryParams::default().check().unwrap().build(),
            max_pending,
        )
    }

    fn alert(id: usize, org: &str) -> Alert {
        let mut a = Alert::new(format!("a-{id}"), chrono::DateTime::UNIX_EPOCH, "t");
        a.tenant = Some(org.into());
        a
    }

    fn verdict(id: usize, verdict: Verdict) -> VerdictEvent {
        VerdictEvent {
            alert_id: format!("a-{id}"),
            verdict,
            analyst: "ana".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            detector: None,
            reason: None,
        }
    }

    #[test]
    fn pending_alerts_are_bounded_and_unknown_verdicts_counted() {
        let h = hook(3);
        for i in 0..5 {
            h.on_scored(&alert(i, "o"), &Score::new(0.5, 0.5));
        }
        assert_eq!(h.pending(), 3);
        // The two oldest were forgotten: their verdicts are unmatched, not guessed.
        h.on_verdict(&verdict(0, Verdict::TruePositive));
        h.on_verdict(&verdict(4, Verdict::TruePositive));
        h.on_verdict(&verdict(4, Verdict::TruePositive));
        let s = h.stats();
        assert_eq!((s.recorded, s.unmatched, s.evicted), (1, 2, 2));
        assert!(h.confidence_for(&alert(9, "o"), 0.5) > 0.5);
        assert_eq!(h.confidence_for(&alert(9, "other"), 0.5), 0.5);
    }

    #[test]
    fn the_hook_joins_a_hook_list() {
        let h = std::sync::Arc::new(hook(10));
        let hooks: Vec<Box<dyn FeedbackHook>> = vec![Box::new(h.clone()), Box::new(())];
        hooks.on_scored(&alert(1, "o"), &Score::new(0.5, 0.5));
        hooks.on_verdict(&verdict(1, Verdict::FalsePositive));
        assert_eq!(h.stats().recorded, 1);
        assert_eq!(h.with_memory(VerdictMemory::organisations), 1);
    }

    proptest! {
        #[test]
        fn verdicts_are_conserved_and_pending_bounded(
            events in proptest::collection::vec((any::<bool>(), 0usize..30, 0usize..3), 0..200),
            max_pending in 1usize..10,
        ) {
            let h = hook(max_pending);
            let mut verdicts = 0u64;
            for (scored, id, org) in events {
                if scored {
                    h.on_scored(&alert(id, &format!("o{org}")), &Score::new(0.3, 0.3));
                } else {
                    h.on_verdict(&verdict(id, Verdict::BenignPositive));
                    verdicts += 1;
                }
                prop_assert!(h.pending() <= max_pending);
            }
            let s = h.stats();
            prop_assert_eq!(s.recorded + s.unmatched, verdicts);
        }
    }
}

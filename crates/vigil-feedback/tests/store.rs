//! The stores conserve verdicts: what is written is what is read, in order, with its id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use proptest::prelude::*;
use vigil_core::Verdict;
use vigil_feedback::store::{MemoryStore, RedbStore, VerdictStore};

fn arb_events() -> impl Strategy<Value = Vec<(String, u8, String, i64, bool)>> {
    prop::collection::vec(
        (
            "[a-z0-9-]{1,12}",
            0u8..3,
            "[a-z]{1,6}",
            0i64..2_000_000_000,
            any::<bool>(),
        ),
        0..40,
    )
}

fn to_events(raw: &[(String, u8, String, i64, bool)]) -> Vec<vigil_core::VerdictEvent> {
    raw.iter()
        .map(|(a, v, who, t, has_reason)| {
            let mut e = common::event(a, Verdict::from_index(usize::from(*v)).unwrap(), who, *t);
            if !has_reason {
                e.reason = None;
                e.detector = None;
            }
            e
        })
        .collect()
}

fn check_conserves<S: VerdictStore>(
    store: &mut S,
    events: &[vigil_core::VerdictEvent],
    batch: bool,
) {
    let ids: Vec<u64> = if batch {
        store.append_batch(events).unwrap()
    } else {
        events.iter().map(|e| store.append(e).unwrap()).collect()
    };
    assert_eq!(ids, (0..events.len() as u64).collect::<Vec<_>>());
    assert_eq!(store.len().unwrap(), events.len() as u64);
    let read = store.scan(0).unwrap();
    assert_eq!(read.len(), events.len());
    for (r, e) in read.iter().zip(events) {
        assert_eq!(&r.event, e);
        assert_eq!(store.get(r.id).unwrap().unwrap().event, *e);
    }
    let from = events.len() as u64 / 2;
    assert_eq!(
        store.scan(from).unwrap().len() as u64,
        events.len() as u64 - from
    );
    assert!(store.get(events.len() as u64).unwrap().is_none());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn memory_store_conserves(raw in arb_events(), batch in any::<bool>()) {
        let events = to_events(&raw);
        check_conserves(&mut MemoryStore::new(), &events, batch);
    }

    #[test]
    fn redb_store_conserves_across_reopen(raw in arb_events(), batch in any::<bool>()) {
        let events = to_events(&raw);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.redb");
        {
            let mut s = RedbStore::open(&path).unwrap();
            check_conserves(&mut s, &events, batch);
        }
        // Reopened (a restart): same content, and new ids continue after the old ones.
        let mut s = RedbStore::open(&path).unwrap();
        prop_assert_eq!(s.len().unwrap(), events.len() as u64);
        let read: Vec<_> = s.scan(0).unwrap().into_iter().map(|r| r.event).collect();
        prop_assert_eq!(&read, &events);
        let extra = common::event("late", Verdict::BenignPositive, "z", 1);
        prop_assert_eq!(s.append(&extra).unwrap(), events.len() as u64);
    }
}

#[test]
fn recording_hook_stores_verdicts() {
    use vigil_core::FeedbackHook;
    let hook = vigil_feedback::store::RecordingHook::new(MemoryStore::new());
    let hooks: Vec<Box<dyn FeedbackHook>> = vec![Box::new(())];
    let e = common::event("a", Verdict::TruePositive, "ana", 5);
    hooks.on_verdict(&e);
    hook.on_verdict(&e);
    hook.on_verdict(&e);
    assert_eq!(hook.failures(), 0);
    assert_eq!(hook.with_store(|s| s.len().unwrap()), Some(2));
}

//! Registry lineage stays consistent under any sequence of registrations, promotions and
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! rollbacks; rollback restores the previous champion.

use proptest::prelude::*;
use vigil_feedback::retrain::Registry;

#[derive(Debug, Clone)]
enum Op {
    Register(u64),
    Promote(u64),
    Rollback,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..30).prop_map(Op::Register),
        (0u64..30).prop_map(Op::Promote),
        Just(Op::Rollback),
    ]
}

proptest! {
    #[test]
    fn lineage_consistent_and_rollback_restores(ops in prop::collection::vec(op(), 0..60)) {
        let t = chrono::DateTime::UNIX_EPOCH;
        let mut r = Registry::new(0u64, t, "base");
        let mut champions: Vec<u64> = vec![]; // expected history
        let mut champion = 0u64;
        for op in ops {
            match op {
                Op::Register(p) => {
                    let n = r.versions().len() as u64;
                    let res = r.register(n, Some(p), vec![p, 1, p], t, "c");
                    if p < n {
                        let id = res.unwrap();
                        prop_assert_eq!(id, n);
                        prop_assert_eq!(r.get(id).unwrap().parent, Some(p));
                        prop_assert!(r.get(id).unwrap().trained_on.windows(2).all(|w| w[0] < w[1]));
                    } else {
                        prop_assert!(res.is_err());
                    }
                }
                Op::Promote(id) => {
                    let ok = r.promote(id).is_ok();
                    prop_assert_eq!(ok, id < r.versions().len() as u64);
                    if ok && id != champion {
                        champions.push(champion);
                        champion = id;
                    }
                }
                Op::Rollback => {
                    let res = r.rollback();
                    match champions.pop() {
                        Some(prev) => {
                            prop_assert_eq!(res.unwrap(), prev);
                            champion = prev;
                        }
                        None => prop_assert!(res.is_err()),
                    }
                }
            }
            prop_assert_eq!(r.champion().id, champion);
            prop_assert_eq!(*r.champion().model, champion);
            prop_assert!(r.lineage_is_consistent());
            for v in r.versions() {
                let chain = r.lineage(v.id).unwrap();
                prop_assert_eq!(*chain.last().unwrap(), 0);
                prop_assert!(chain.windows(2).all(|w| w[0] > w[1]));
            }
        }
    }
}

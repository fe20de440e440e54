//! Invariants of the per-entity baselines and the multivariate detector.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use vigil_baseline::{BaselineError, EntityBaselines, HstParams, ProfileParams};
use vigil_core::{Baseline, EntityKind, Fit, Observation, ParamGuard};

/// One generated event: entity index, seconds offset, category index, two measures, group.
#[derive(Debug, Clone)]
struct Ev {
    entity: u8,
    dt: u32,
    cat: u8,
    a: f64,
    b: f64,
    shard: bool,
}

const ENTITIES: [&str; 5] = ["alice", "bob", "web-1", "10.0.0.7", "db"];
const CATS: [&str; 4] = ["logon", "ssh", "dns", "mail"];

fn time(t: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_700_000_000 + t, 0).unwrap()
}

fn observe(m: &mut EntityBaselines, e: &Ev, t: i64) -> vigil_core::AnomalyScore {
    let cats = [("kind", CATS[e.cat as usize % 4])];
    let measures = [("bytes", e.a), ("count", e.b)];
    let obs = Observation {
        categories: &cats,
        measures: &measures,
        peer_group: Some(if e.entity.is_multiple_of(2) {
            "even"
        } else {
            "odd"
        }),
        ..Observation::occurrence(ENTITIES[e.entity as usize % 5], EntityKind::User, time(t))
    };
    m.observe_observation(&obs).unwrap()
}

fn events() -> impl Strategy<Value = Vec<Ev>> {
    // ≤ 120 events, ≤ 4 category values: below the hour histograms' 255 and the top-K size,
    // where merging is exact up to float rounding.
    prop::collection::vec(
        (
            0u8..5,
            0u32..20_000,
            0u8..4,
            -1e6f64..1e9,
            0f64..50.0,
            any::<bool>(),
        )
            .prop_map(|(entity, dt, cat, a, b, shard)| Ev {
                entity,
                dt,
                cat,
                a,
                b,
                shard,
            }),
        1..120,
    )
}

fn params() -> ProfileParams {
    ProfileParams::default().min_history(3).max_dimensions(1)
}

/// Scores a fixed probe for every entity; used to compare models by behaviour.
fn probes(m: &EntityBaselines, t: i64) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, e) in ENTITIES.iter().enumerate() {
        for cat in ["ssh", "never-seen"] {
            let cats = [("kind", cat)];
            let measures = [("bytes", 5e5), ("count", 3.0)];
            let obs = Observation {
                categories: &cats,
                measures: &measures,
                peer_group: Some(if i.is_multiple_of(2) { "even" } else { "odd" }),
                ..Observation::occurrence(e, EntityKind::User, time(t))
            };
            out.push(m.score_observation(&obs).unwrap().surprisal);
        }
    }
    out
}

fn close(a: &[f64], b: &[f64], abs: f64, rel: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= abs + rel * x.abs().max(y.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Tolerance: probe surprisals within 1e-3 bits + 1e-4 relative; counts exact.
    #[test]
    fn merge_of_halves_equals_one_pass_and_commutes(evs in events()) {
        let cfg = params().check().unwrap();
        let (mut whole, mut a, mut b) = (
            EntityBaselines::new(cfg.clone()),
            EntityBaselines::new(cfg.clone()),
            EntityBaselines::new(cfg),
        );
        let mut t = 0i64;
        for e in &evs {
            t += i64::from(e.dt);
            observe(&mut whole, e, t);
            observe(if e.shard { &mut a } else { &mut b }, e, t);
        }
        let mut ab = a.clone();
        ab.merge(&b).unwrap();
        let mut ba = b.clone();
        ba.merge(&a).unwrap();
        let probe_t = t + 600;
        let (pw, pab, pba) = (probes(&whole, probe_t), probes(&ab, probe_t), probes(&ba, probe_t));
        prop_assert!(close(&pw, &pab, 1e-3, 1e-4), "one pass {pw:?} vs merged {pab:?}");
        prop_assert!(close(&pab, &pba, 1e-9, 1e-9), "a∪b {pab:?} vs b∪a {pba:?}");
        prop_assert_eq!(whole.entities(), ab.entities());
        for e in ENTITIES {
            let (x, y) = (whole.profile(EntityKind::User, e), ab.profile(EntityKind::User, e));
            prop_assert_eq!(x.as_ref().map(|p| p.events), y.as_ref().map(|p| p.events));
            if let (Some(x), Some(y)) = (x, y) {
                prop_assert!((x.rate_per_hour - y.rate_per_hour).abs() <= 1e-4 * x.rate_per_hour.max(1e-9));
                for (mx, my) in x.measures.iter().zip(&y.measures) {
                    prop_assert_eq!(&mx.name, &my.name);
                    prop_assert!((mx.typical - my.typical).abs() <= 1e-6 * mx.typical.abs().max(1.0));
                    prop_assert!((mx.spread - my.spread).abs() <= 1e-6 * mx.spread.max(1.0));
                }
            }
        }
    }

    #[test]
    fn entity_cap_is_never_exceeded(cap in 1usize..20, names in prop::collection::vec(0u32..500, 1..400)) {
        let mut m = EntityBaselines::new(ProfileParams::default().max_entities(cap).check().unwrap());
        for (i, n) in names.iter().enumerate() {
            let name = format!("ip-{n}");
            m.observe(&Observation::occurrence(&name, EntityKind::Ip, time(i as i64))).unwrap();
            prop_assert!(m.entities() <= cap);
        }
    }

    #[test]
    fn finite_input_gives_finite_score(
        xs in prop::collection::vec(prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL, 1..60),
        dts in prop::collection::vec(-100_000i64..10_000_000, 1..60),
        identity in any::<bool>(),
    ) {
        let tr = if identity { vigil_baseline::Transform::Identity } else { vigil_baseline::Transform::SignedLog };
        let mut m = EntityBaselines::new(ProfileParams::default().min_history(1).transform(tr).check().unwrap());
        let mut t = 0i64;
        for (x, dt) in xs.iter().zip(dts.iter().cycle()) {
            t += dt;
            let measures = [("m", *x)];
            let cats = [("c", if *x > 0.0 { "pos" } else { "neg" })];
            let obs = Observation { measures: &measures, categories: &cats, ..Observation::occurrence("h", EntityKind::Host, time(t)) };
            let s = m.observe_observation(&obs).unwrap();
            prop_assert!(s.surprisal.is_finite() && s.surprisal >= 0.0);
            prop_assert!((0.0..=1.0).contains(&s.tail_probability));
            for d in &s.deviations {
                prop_assert!(d.surprisal.is_finite() && d.expected.is_finite() && d.observed.is_finite());
            }
        }
    }

    #[test]
    fn snapshot_round_trip_is_exact(evs in events()) {
        let mut m = EntityBaselines::new(params().check().unwrap());
        let mut t = 0i64;
        for e in &evs {
            t += i64::from(e.dt);
            observe(&mut m, e, t);
        }
        let bytes = m.snapshot();
        let mut r = EntityBaselines::from_snapshot(&bytes).unwrap();
        prop_assert_eq!(r.snapshot(), bytes.clone());
        // The restored model goes on exactly as the original.
        for e in evs.iter().take(10) {
            t += 60;
            let (x, y) = (observe(&mut m, e, t), observe(&mut r, e, t));
            prop_assert_eq!(x, y);
        }
        prop_assert_eq!(m.snapshot(), r.snapshot());
    }

    #[test]
    fn batch_equals_one_call_per_observation(evs in events(), cap in 1usize..6) {
        // A small cap too, so that batches evict profiles found earlier in the same batch.
        let p = params().max_entities(cap);
        let (mut one, mut many) = (
            EntityBaselines::new(p.clone().check().unwrap()),
            EntityBaselines::new(p.check().unwrap()),
        );
        let mut t = 0i64;
        let mut arrays = Vec::new();
        for e in &evs {
            t += i64::from(e.dt);
            arrays.push(([("kind", CATS[e.cat as usize % 4])], [("bytes", e.a), ("count", e.b)], t));
        }
        let batch: Vec<Observation<'_>> = evs
            .iter()
            .zip(&arrays)
            .map(|(e, (cats, measures, t))| Observation {
                categories: cats,
                measures,
                // Some without a peer group: that path views one row for scoring and learning.
                peer_group: (!e.entity.is_multiple_of(3))
                    .then_some(if e.entity.is_multiple_of(2) { "even" } else { "odd" }),
                ..Observation::occurrence(ENTITIES[e.entity as usize % 5], EntityKind::User, time(*t))
            })
            .collect();
        let singles: Vec<_> = batch.iter().map(|o| one.observe_observation(o).unwrap()).collect();
        let mut scores = Vec::new();
        for part in batch.chunks(37) {
            many.observe_batch(part, &mut scores).unwrap();
        }
        prop_assert_eq!(singles, scores);
        prop_assert_eq!(one.snapshot(), many.snapshot());
    }
}

#[test]
fn non_finite_input_is_a_typed_error_and_changes_nothing() {
    let mut m = EntityBaselines::new(ProfileParams::default().check().unwrap());
    let ok = [("bytes", 10.0)];
    m.observe(&Observation {
        measures: &ok,
        ..Observation::occurrence("h", EntityKind::Host, time(0))
    })
    .unwrap();
    let before = m.snapshot();
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let ms = [("bytes", 1.0), ("latency", bad)];
        let obs = Observation {
            measures: &ms,
            ..Observation::occurrence("h", EntityKind::Host, time(5))
        };
        match m.observe_observation(&obs) {
            Err(BaselineError::NonFinite { measure, .. }) => assert_eq!(measure, "latency"),
            other => panic!("expected NonFinite, got {other:?}"),
        }
        // Through the trait the error is core's NonFinite.
        assert!(matches!(
            m.observe(&obs),
            Err(vigil_core::CoreError::NonFinite { .. })
        ));
        assert!(m.score(&obs).is_err());
    }
    assert_eq!(m.snapshot(), before);

    let data = vec![vec![1.0, 2.0]; 10];
    let mut h = HstParams::default()
        .trees(2)
        .depth(3)
        .check()
        .unwrap()
        .fit(&data)
        .unwrap();
    assert!(matches!(
        h.observe(&[f64::NAN, 1.0]),
        Err(BaselineError::NonFinite { .. })
    ));
    assert!(matches!(
        h.score(&[1.0]),
        Err(BaselineError::Width {
            expected: 2,
            found: 1
        })
    ));
    let bad = vec![vec![1.0, f64::INFINITY]];
    assert!(HstParams::default().check().unwrap().fit(&bad).is_err());
}

/// A flood of distinct entities stays under the cap and under the memory of a full model.
/// 200k entities here (debug build); `vigil bench baseline --flood 10000000` runs 10M.
#[test]
fn flood_of_distinct_entities_keeps_memory_bounded() {
    let cap = 5_000;
    let r = vigil_baseline::bench::flood(200_000, cap, 7).unwrap();
    assert_eq!(r.max_entities, cap);
    assert!(r.full_memory_bytes > 0);
    // Memory never exceeds the full model's by more than the index's slack (≤ 5 %).
    assert!(
        r.max_memory_bytes as f64 <= r.full_memory_bytes as f64 * 1.05,
        "{r:?}"
    );
}

#[test]
fn corrupt_snapshots_are_rejected_with_a_reason() {
    let mut m = EntityBaselines::new(ProfileParams::default().check().unwrap());
    m.observe(&Observation::occurrence("a", EntityKind::User, time(0)))
        .unwrap();
    let bytes = m.snapshot();
    assert!(matches!(
        EntityBaselines::from_snapshot(&bytes[..bytes.len() - 3]),
        Err(BaselineError::Snapshot { .. })
    ));
    let mut flipped = bytes.clone();
    flipped[40] ^= 1;
    assert!(matches!(
        EntityBaselines::from_snapshot(&flipped),
        Err(BaselineError::Snapshot { .. })
    ));
    // A snapshot of another format version (here the previous one) is refused by name.
    let mut v1 = bytes.clone();
    v1[8] = 1;
    assert!(matches!(
        EntityBaselines::from_snapshot(&v1),
        Err(BaselineError::SnapshotVersion {
            found: 1,
            supported: vigil_baseline::SNAPSHOT_VERSION
        })
    ));
    assert!(EntityBaselines::from_snapshot(b"nope").is_err());
}

#[test]
fn new_entity_borrows_its_peer_group_profile() {
    let mut m = EntityBaselines::new(ProfileParams::default().min_history(5).check().unwrap());
    // Ten workstations in group "desk" all log on via "kerberos" with ~2 kB.
    for i in 0..200 {
        let name = format!("ws-{}", i % 10);
        let cats = [("auth", "kerberos")];
        let ms = [("bytes", 2_000.0 + (i % 5) as f64)];
        let obs = Observation {
            categories: &cats,
            measures: &ms,
            peer_group: Some("desk"),
            ..Observation::occurrence(&name, EntityKind::Host, time(i * 60))
        };
        m.observe(&obs).unwrap();
    }
    // A brand-new workstation doing something the group never does is flagged at once…
    let cats = [("auth", "ntlm")];
    let ms = [("bytes", 9e7)];
    let odd = Observation {
        categories: &cats,
        measures: &ms,
        peer_group: Some("desk"),
        ..Observation::occurrence("ws-new", EntityKind::Host, time(200 * 60))
    };
    let s = m.score(&odd).unwrap();
    assert!(s.surprisal > 20.0, "{s:?}");
    assert!(s.deviations.iter().any(|d| d.measure == "auth=ntlm"));
    // A `dimension=value` name past the short (stack-joined) length is whole too.
    let long = "x".repeat(300);
    let cats = [("auth", long.as_str())];
    let s_long = m
        .score(&Observation {
            categories: &cats,
            ..odd
        })
        .unwrap();
    let want = format!("auth={long}");
    assert!(s_long.deviations.iter().any(|d| d.measure == want));
    assert!(
        s.deviations
            .iter()
            .any(|d| d.measure == "bytes" && d.expected > 1_000.0 && d.expected < 3_000.0)
    );
    // …while without a group it has no history to deviate from.
    let alone = Observation {
        peer_group: None,
        ..odd
    };
    assert_eq!(m.score(&alone).unwrap().surprisal, 0.0);
}

#[test]
fn rate_burst_and_odd_hour_are_flagged() {
    let mut m = EntityBaselines::new(ProfileParams::default().check().unwrap());
    // A user active once an hour during office hours (09–17 UTC) for four weeks.
    let day0 = 1_699_920_000i64; // 2023-11-14 00:00 UTC
    let mut n = 0;
    for d in 0..28 {
        for h in 9..17 {
            let t = DateTime::<Utc>::from_timestamp(day0 + d * 86_400 + h * 3_600, 0).unwrap();
            m.observe(&Observation::occurrence("carol", EntityKind::User, t))
                .unwrap();
            n += 1;
        }
    }
    assert_eq!(m.profile(EntityKind::User, "carol").unwrap().events, n);
    // 03:00: an hour she never works.
    let night = DateTime::<Utc>::from_timestamp(day0 + 28 * 86_400 + 3 * 3_600, 0).unwrap();
    let s = m
        .score(&Observation::occurrence("carol", EntityKind::User, night))
        .unwrap();
    let hour = s
        .deviations
        .iter()
        .find(|d| d.measure == "hour_of_day")
        .expect("odd hour flagged");
    assert!(hour.observed < hour.expected / 10.0, "{hour:?}");
    // 30 events in 5 minutes at 10:00 on a working day: a burst.
    let mut last = None;
    for k in 0..30 {
        let t =
            DateTime::<Utc>::from_timestamp(day0 + 28 * 86_400 + 10 * 3_600 + k * 10, 0).unwrap();
        last = Some(
            m.observe(&Observation::occurrence("carol", EntityKind::User, t))
                .unwrap(),
        );
    }
    let s = last.unwrap();
    let rate = s
        .deviations
        .iter()
        .find(|d| d.measure == "rate")
        .expect("burst flagged");
    assert!(rate.observed > 10.0 * rate.expected, "{rate:?}");
}

#[test]
fn memory_accounting_tracks_entities() {
    let mut m = EntityBaselines::new(
        ProfileParams::default()
            .max_entities(1_000)
            .check()
            .unwrap(),
    );
    let empty = m.memory_bytes();
    for i in 0..1_000 {
        let name = format!("u{i}");
        m.observe(&Observation::occurrence(&name, EntityKind::User, time(i)))
            .unwrap();
    }
    let per = (m.memory_bytes() - empty) as f64 / 1_000.0;
    // 80 + 2·48 + 44 bytes of profile, plus index and growth slack.
    assert!((220.0..400.0).contains(&per), "{per}");
}

#[test]
fn hst_merge_adds_masses_and_flags_outliers() {
    let data: Vec<Vec<f64>> = (0..2_000)
        .map(|i| vec![(i % 17) as f64, ((i * 7) % 13) as f64, 100.0])
        .collect();
    let cfg = HstParams::default()
        .trees(10)
        .depth(6)
        .window(256)
        .check()
        .unwrap();
    let mut a = cfg.fit(&data).unwrap();
    let b = a.clone();
    let normal = a.score(&[5.0, 5.0, 100.0]).unwrap();
    let odd = a.score(&[5e4, -3.0, 1e7]).unwrap();
    assert!(odd > normal + 1.0, "{odd} vs {normal}");
    a.merge(&b).unwrap();
    assert!(
        a.score(&[5.0, 5.0, 100.0]).unwrap() < normal,
        "merged mass is larger"
    );
    let other = HstParams::default()
        .trees(10)
        .depth(6)
        .window(256)
        .seed(9)
        .check()
        .unwrap()
        .fit(&data)
        .unwrap();
    assert!(matches!(
        a.merge(&other),
        Err(BaselineError::Incompatible { .. })
    ));
}

#[test]
fn invalid_parameters_are_rejected() {
    assert!(matches!(
        ProfileParams::default().max_entities(0).check(),
        Err(BaselineError::InvalidParameter {
            name: "max_entities",
            ..
        })
    ));
    assert!(
        ProfileParams::default()
            .half_life_secs(f64::NAN)
            .check()
            .is_err()
    );
    assert!(HstParams::default().depth(0).check().is_err());
    let mut m = EntityBaselines::new(ProfileParams::default().max_measures(1).check().unwrap());
    let ms = [("a", 1.0), ("b", 2.0)];
    let obs = Observation {
        measures: &ms,
        ..Observation::occurrence("h", EntityKind::Host, time(0))
    };
    assert!(matches!(
        m.observe_observation(&obs),
        Err(BaselineError::TooManyNames { limit: 1, .. })
    ));
}

#[test]
fn batch_stops_at_a_non_finite_measure_keeping_what_came_before() {
    let (mut one, mut many) = (
        EntityBaselines::new(ProfileParams::default().check().unwrap()),
        EntityBaselines::new(ProfileParams::default().check().unwrap()),
    );
    let good = [("bytes", 10.0)];
    let bad = [("bytes", f64::NAN)];
    let batch: Vec<Observation<'_>> = (0..5)
        .map(|i| Observation {
            measures: if i == 3 { &bad } else { &good },
            ..Observation::occurrence(["a", "b"][i % 2], EntityKind::Host, time(i as i64))
        })
        .collect();
    let mut scores = Vec::new();
    assert!(matches!(
        many.observe_batch(&batch, &mut scores),
        Err(BaselineError::NonFinite { .. })
    ));
    // The three before the bad one were scored and learned, as three single calls would be.
    assert_eq!(scores.len(), 3);
    for obs in &batch[..3] {
        one.observe_observation(obs).unwrap();
    }
    assert_eq!(one.snapshot(), many.snapshot());
}

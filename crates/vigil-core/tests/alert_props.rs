//! Property tests of the alert model: JSON round trip of any alert, technique id validation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

use chrono::DateTime;
use proptest::prelude::*;
use vigil_core::{
    Alert, Entity, EntityKind, EntityRole, GroundTruth, Severity, TechniqueId, Verdict,
};

fn technique() -> impl Strategy<Value = TechniqueId> {
    "T[0-9]{4}(\\.[0-9]{3})?".prop_map(|s| TechniqueId::parse(&s).unwrap())
}

fn entity() -> impl Strategy<Value = Entity> {
    (
        prop::sample::select(EntityKind::ALL.to_vec()),
        ".{0,16}",
        prop_oneof![
            Just(EntityRole::Actor),
            Just(EntityRole::Impacted),
            Just(EntityRole::Related)
        ],
    )
        .prop_map(|(k, v, r)| Entity::new(k, v, r))
}

fn severity() -> impl Strategy<Value = Severity> {
    prop_oneof![
        Just(Severity::Unknown),
        Just(Severity::Info),
        Just(Severity::Low),
        Just(Severity::Medium),
        Just(Severity::High),
        Just(Severity::Critical)
    ]
}

fn alert() -> impl Strategy<Value = Alert> {
    let head = (
        ".{0,24}",
        // Any time chrono can print as RFC 3339 (years 0..=9999), to the nanosecond.
        -62_167_219_200i64..253_402_300_799,
        0u32..1_000_000_000,
        ".{0,32}",
        prop::option::of(".{0,12}"),
        prop::option::of(".{0,12}"),
        prop::option::of(".{0,12}"),
        prop::option::of(".{0,12}"),
    );
    let tail = (
        severity(),
        prop::collection::vec(technique(), 0..4),
        prop::collection::vec(entity(), 0..5),
        prop::option::of(".{0,12}"),
        prop::collection::vec((".{0,10}", ".{0,10}"), 0..6),
        prop::option::of(prop::sample::select(Verdict::ALL.to_vec())),
        prop::option::of((
            any::<bool>(),
            prop::option::of(".{0,8}"),
            prop::option::of(".{0,8}"),
        )),
    );
    (head, tail).prop_map(
        |(
            (id, secs, nanos, title, tenant, source, detector, category),
            (sev, techniques, entities, incident, raw, verdict, truth),
        )| {
            let time = DateTime::from_timestamp(secs, nanos).unwrap();
            let mut a = Alert::new(id, time, title);
            a.tenant = tenant;
            a.source = source;
            a.detector = detector;
            a.category = category;
            a.severity = sev;
            a.techniques = techniques;
            a.entities = entities;
            a.incident = incident;
            a.raw = raw.into_iter().collect();
            a.verdict = verdict;
            a.truth = truth.map(|(malicious, phase, step)| GroundTruth {
                malicious,
                phase,
                step,
            });
            a
        },
    )
}

/// The specification the parser must meet, written independently of it.
fn is_valid_technique(s: &str) -> bool {
    let t: Vec<char> = s.trim().chars().collect();
    let digits = |r: &[char]| r.iter().all(|c| c.is_ascii_digit());
    match t.as_slice() {
        [p, rest @ ..] if *p == 'T' || *p == 't' => match rest.len() {
            4 => digits(rest),
            8 => digits(&rest[..4]) && rest[4] == '.' && digits(&rest[5..]),
            _ => false,
        },
        _ => false,
    }
}

proptest! {
    #[test]
    fn any_alert_round_trips_through_json(a in alert()) {
        let json = serde_json::to_string(&a).unwrap();
        let back: Alert = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &a);
        // Raw fields keep their order.
        prop_assert!(back.raw.keys().eq(a.raw.keys()));
    }

    #[test]
    fn valid_technique_forms_are_accepted(
        n in 0u32..10_000,
        sub in prop::option::of(0u32..1000),
        lower in any::<bool>(),
        pad in "[ \t]{0,2}",
    ) {
        let id = match sub {
            Some(s) => format!("T{n:04}.{s:03}"),
            None => format!("T{n:04}"),
        };
        let text = if lower { id.to_lowercase() } else { id.clone() };
        let t = TechniqueId::parse(&format!("{pad}{text}{pad}")).unwrap();
        prop_assert_eq!(t.as_str(), id.as_str());
        prop_assert_eq!(t.is_subtechnique(), sub.is_some());
        let parent = t.parent();
        prop_assert_eq!(parent.as_str(), &id[..5]);
    }

    #[test]
    fn any_string_is_accepted_exactly_when_well_formed(s in "\\PC{0,12}|[Tt][0-9.]{3,9}") {
        let parsed = TechniqueId::parse(&s);
        prop_assert_eq!(parsed.is_ok(), is_valid_technique(&s), "{:?}", s);
        if let Ok(t) = parsed {
            // Through serde as well: a valid id deserialises, the same text.
            let back: TechniqueId = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
            prop_assert_eq!(back, t);
        } else {
            prop_assert!(serde_json::from_value::<TechniqueId>(serde_json::Value::String(s)).is_err());
        }
    }

    #[test]
    fn technique_lists_never_panic(s in "\\PC{0,40}") {
        let _ = TechniqueId::parse_list(&s);
    }
}

mod enrich_batch {
    use vigil_core::{
        Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, Provenance,
    };

    /// Adds one item per alert, and fails on alerts titled "bad".
    struct Tag(&'static str);
    impl Enricher for Tag {
        fn name(&self) -> &str {
            self.0
        }
        fn enrich(&self, a: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
            if a.title == "bad" {
                return Err(CoreError::InvalidData {
                    reason: "bad".into(),
                });
            }
            ctx.items.push(ContextItem {
                provenance: Provenance {
                    source: self.0.into(),
                    at: chrono::DateTime::UNIX_EPOCH,
                    valid_for_s: None,
                },
                value: ContextValue::Other {
                    key: self.0.into(),
                    value: format!("{} saw {}", self.0, ctx.items.len()),
                },
            });
            Ok(())
        }
    }

    #[test]
    fn batch_equals_one_by_one_and_records_failures() {
        let t = chrono::DateTime::UNIX_EPOCH;
        let alerts = vec![
            Alert::new("1", t, "ok"),
            Alert::new("2", t, "bad"),
            Alert::new("3", t, "ok"),
        ];
        let pipeline = vec![Tag("a"), Tag("b")];
        let mut batch = vec![Enrichment::default(); alerts.len()];
        pipeline.enrich_batch(&alerts, &mut batch);
        for (alert, got) in alerts.iter().zip(&batch) {
            let mut one = alert.clone();
            pipeline.enrich_alert(&mut one);
            assert_eq!(&one.enrichment, got);
        }
        assert_eq!(batch[0].items.len(), 2);
        assert_eq!(batch[1].failures.len(), 2);
    }
}

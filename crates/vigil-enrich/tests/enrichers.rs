//! Built-in enrichers: history, related events, assets, KEV scanning, the JSONL stream.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{TimeZone, Utc};
use vigil_core::{
    Alert, AnomalyScore, Baseline, ContextValue, CoreError, Enricher, Entity, EntityKind,
    EntityRole, Observation,
};
use vigil_enrich::kev::scan_cves;
use vigil_enrich::stream::enrich_jsonl;
use vigil_enrich::{
    Asset, AssetEnricher, AssetInventory, HistoryEnricher, RelatedEnricher, RelatedIndex,
    RelatedParams,
};

fn alert(id: &str, t: i64, host: &str) -> Alert {
    let mut a = Alert::new(id, Utc.timestamp_opt(t, 0).unwrap(), "x");
    a.entities
        .push(Entity::new(EntityKind::Host, host, EntityRole::Impacted));
    a
}

/// Surprisal = 10 bits for an entity seen fewer than 2 times, else 1.
#[derive(Default)]
struct Counting(std::collections::BTreeMap<String, u64>);
impl Baseline for Counting {
    fn observe(&mut self, o: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        let s = self.score(o)?;
        *self.0.entry(o.entity.to_owned()).or_default() += 1;
        Ok(s)
    }
    fn score(&self, o: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        let n = self.0.get(o.entity).copied().unwrap_or(0);
        Ok(AnomalyScore {
            surprisal: if n < 2 { 10.0 } else { 1.0 },
            tail_probability: 0.5,
            deviations: Default::default(),
        })
    }
    fn entities(&self) -> usize {
        self.0.len()
    }
    fn memory_bytes(&self) -> usize {
        0
    }
}

#[test]
fn entity_history_first_seen_events_surprisal() {
    let h = HistoryEnricher::new(Counting::default(), "baseline:test", 1);
    let mut out = vec![];
    for (i, t) in [100, 200, 300].into_iter().enumerate() {
        let mut a = alert(&i.to_string(), t, "mail");
        h.enrich_alert(&mut a);
        out.push(a.enrichment.items[0].value.clone());
    }
    match (&out[0], &out[2]) {
        (
            ContextValue::EntityHistory {
                first_seen: None,
                events: 0,
                surprisal: s0,
                ..
            },
            ContextValue::EntityHistory {
                first_seen: Some(f),
                events: 2,
                surprisal: s2,
                ..
            },
        ) => {
            assert_eq!(f.timestamp(), 100);
            assert_eq!((*s0, *s2), (10.0, 1.0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.with_baseline(|b| b.entities()), 1);
}

#[test]
fn related_events_window_order_and_eviction() {
    let e = RelatedEnricher::new(
        RelatedParams {
            window_s: 100,
            capacity: 3,
            max_ids: 2,
        },
        5,
    )
    .unwrap();
    for (id, t) in [("a", 0), ("b", 50), ("c", 90), ("far", 1000)] {
        e.enrich_alert(&mut alert(id, t, "mail"));
    }
    // Capacity 3: "a" (oldest) was evicted.
    assert_eq!(e.with_index(|i| (i.len(), i.evicted())), (3, 1));
    let mut q = alert("q", 95, "mail");
    e.enrich_alert(&mut q);
    match &q.enrichment.items[0].value {
        ContextValue::RelatedEvents {
            entity,
            alert_ids,
            total,
        } => {
            assert_eq!(entity, "mail");
            assert_eq!(alert_ids, &["c", "b"]);
            assert_eq!(*total, 2);
        }
        other => panic!("{other:?}"),
    }
    let mut other = alert("o", 95, "web");
    e.enrich_alert(&mut other);
    assert!(other.enrichment.items.is_empty());
    assert!(
        RelatedIndex::new(
            RelatedParams {
                capacity: 0,
                ..Default::default()
            },
            1
        )
        .is_err()
    );
}

#[test]
fn asset_criticality_feeds_enrichment() {
    let mut inv = AssetInventory::new("assets.csv");
    inv.insert(Asset {
        host: "Mail".into(),
        criticality: 0.8,
        owner: Some("it".into()),
        os: None,
    });
    let e = AssetEnricher::new(inv, Utc::now(), Some(86400));
    let mut a = alert("1", 0, "MAIL");
    e.enrich_alert(&mut a);
    assert_eq!(a.enrichment.asset_criticality(), Some(0.8));
    assert_eq!(a.enrichment.items[0].provenance.valid_for_s, Some(86400));
}

#[test]
fn cve_scanner() {
    let mut v = vec![];
    scan_cves(
        "x CVE-2021-44228, cve-2019-0708;CVE-2021-1 xCVE-2020-1234 CVE-2017-0144123",
        |c| v.push(c),
    );
    assert_eq!(v, ["CVE-2021-44228", "CVE-2019-0708", "CVE-2017-0144123"]);
}

#[test]
fn jsonl_stream_skips_bad_lines_with_line_numbers() {
    let a = serde_json::to_string(&alert("1", 0, "mail")).unwrap();
    let input = format!("{a}\n\nnot json\n{a}\n");
    let mut out = Vec::new();
    let mut errs = vec![];
    let e: Vec<Box<dyn Enricher>> = vec![];
    let s = enrich_jsonl(input.as_bytes(), &mut out, &e, "stdin", |r| errs.push(r)).unwrap();
    assert_eq!((s.read, s.enriched, s.rejected), (3, 2, 1));
    assert_eq!(errs[0].line, 3);
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
}

#[test]
fn jsonl_stream_keeps_order_and_counts_across_batches() {
    // More lines than one batch, a bad line in the middle: every good alert comes out once,
    // in input order, and read = enriched + rejected.
    let mut input = String::new();
    for i in 0..600 {
        if i == 300 {
            input.push_str("{broken\n");
        }
        input.push_str(&serde_json::to_string(&alert(&i.to_string(), i, "mail")).unwrap());
        input.push('\n');
    }
    let mut out = Vec::new();
    let mut errs = vec![];
    let e: Vec<Box<dyn Enricher>> = vec![];
    let s = enrich_jsonl(input.as_bytes(), &mut out, &e, "stdin", |r| errs.push(r)).unwrap();
    assert_eq!((s.read, s.enriched, s.rejected), (601, 600, 1));
    assert_eq!(errs[0].line, 301);
    let ids: Vec<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Alert>(l).unwrap().id)
        .collect();
    let want: Vec<String> = (0..600).map(|i| i.to_string()).collect();
    assert_eq!(ids, want);
}

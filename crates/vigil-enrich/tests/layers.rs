//! Layers and compositions: timeout, cache, rate limit, fallback, pipeline, fan-out.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vigil_core::{
    Alert, AsyncEnricher, BoxFuture, ContextItem, ContextValue, CoreError, Enricher, Enrichment,
    Entity, EntityKind, EntityRole, Provenance, Ready,
};
use vigil_enrich::exec::{Sleep, block_on};
use vigil_enrich::layer::{CacheLayer, EnricherExt, FallbackLayer, RateLimitLayer, TimeoutLayer};
use vigil_enrich::{AsyncPipeline, Clock, FanOut, ManualClock};

fn item(key: &str, value: String) -> ContextItem {
    ContextItem {
        provenance: Provenance {
            source: key.into(),
            at: chrono::DateTime::UNIX_EPOCH,
            valid_for_s: None,
        },
        value: ContextValue::Other {
            key: key.into(),
            value,
        },
    }
}

fn alert(id: &str, ip: &str) -> Alert {
    let mut a = Alert::new(id, chrono::DateTime::UNIX_EPOCH, "t");
    a.entities
        .push(Entity::new(EntityKind::Ip, ip, EntityRole::Actor));
    a
}

struct Tag(&'static str);
impl Enricher for Tag {
    fn name(&self) -> &str {
        self.0
    }
    fn enrich(&self, _: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        ctx.items.push(item(self.0, "v".into()));
        Ok(())
    }
}

struct Fails(&'static str);
impl Enricher for Fails {
    fn name(&self) -> &str {
        self.0
    }
    fn enrich(&self, _: &Alert, _: &mut Enrichment) -> Result<(), CoreError> {
        Err(CoreError::Component {
            component: self.0.into(),
            reason: "down".into(),
        })
    }
}

/// A remote enricher that never answers.
struct Hangs;
impl AsyncEnricher for Hangs {
    fn name(&self) -> &str {
        "hangs"
    }
    fn enrich_async<'a>(
        &'a self,
        _: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        Box::pin(std::future::pending())
    }
}

/// A remote enricher that answers after a delay.
struct Slow(Duration, &'static str);
impl AsyncEnricher for Slow {
    fn name(&self) -> &str {
        self.1
    }
    fn enrich_async<'a>(
        &'a self,
        _: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        Box::pin(async move {
            Sleep::new(self.0).await;
            Ok(vec![item(self.1, "late".into())])
        })
    }
}

/// A blocking enricher stuck until its channel is closed.
struct Blocks(Mutex<mpsc::Receiver<()>>);
impl Enricher for Blocks {
    fn name(&self) -> &str {
        "blocks"
    }
    fn enrich(&self, _: &Alert, _: &mut Enrichment) -> Result<(), CoreError> {
        let _ = self.0.lock().unwrap().recv();
        Ok(())
    }
}

#[test]
fn async_timeout_cuts_a_hanging_enricher_and_the_alert_goes_on() {
    let p = AsyncPipeline::new()
        .stage(Hangs.with(TimeoutLayer::new(Duration::from_millis(50))))
        .stage(Ready(Tag("after")));
    let mut a = alert("1", "10.0.0.1");
    let t = Instant::now();
    block_on(p.enrich_alert(&mut a));
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(a.enrichment.items.len(), 1);
    assert_eq!(a.enrichment.failures.len(), 1);
    assert_eq!(a.enrichment.failures[0].enricher, "hangs");
    assert!(
        a.enrichment.failures[0]
            .reason
            .contains("timeout after 50 ms")
    );
}

#[test]
fn sync_timeout_cuts_a_blocking_enricher() {
    let (tx, rx) = mpsc::channel();
    let e = vec![
        Box::new(Blocks(Mutex::new(rx)).with(TimeoutLayer::new(Duration::from_millis(50))))
            as Box<dyn Enricher>,
        Box::new(Tag("after")),
    ];
    let mut a = alert("1", "10.0.0.1");
    let t = Instant::now();
    e.enrich_alert(&mut a);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(a.enrichment.items.len(), 1);
    assert_eq!(a.enrichment.failures.len(), 1);
    assert!(a.enrichment.failures[0].reason.contains("timeout"));
    drop(tx);
}

#[test]
fn sync_timeout_passes_fast_answers() {
    let e = Tag("x").with(TimeoutLayer::new(Duration::from_secs(5)));
    let mut a = alert("1", "10.0.0.1");
    e.enrich_alert(&mut a);
    assert_eq!(a.enrichment.items.len(), 1);
    assert!(a.enrichment.failures.is_empty());
}

#[test]
fn fan_out_runs_concurrently_and_keeps_stage_order() {
    let f = FanOut::new()
        .stage(Slow(Duration::from_millis(300), "a"))
        .stage(Slow(Duration::from_millis(10), "b"))
        .stage(Slow(Duration::from_millis(300), "c"));
    let mut a = alert("1", "10.0.0.1");
    let t = Instant::now();
    block_on(f.enrich_alert(&mut a));
    let el = t.elapsed();
    let names: Vec<_> = a
        .enrichment
        .items
        .iter()
        .map(|i| i.provenance.source.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    // Concurrent: well under the 610 ms a sequential run needs.
    assert!(el < Duration::from_millis(550), "{el:?}");
}

#[test]
fn fallback_used_on_failure_and_both_failures_named() {
    let e = Fails("primary").with(FallbackLayer::new(TagClone("backup")));
    let mut a = alert("1", "10.0.0.1");
    e.enrich_alert(&mut a);
    assert_eq!(a.enrichment.items[0].provenance.source, "backup");
    assert!(a.enrichment.failures.is_empty());

    let e = Fails("primary").with(FallbackLayer::new(FailsClone("backup")));
    let mut a = alert("1", "10.0.0.1");
    e.enrich_alert(&mut a);
    assert_eq!(a.enrichment.failures.len(), 1);
    assert!(a.enrichment.failures[0].reason.contains("backup"));

    let e = Ready(Fails("p")).with(FallbackLayer::new(Ready(TagClone("b"))));
    let items = block_on(e.enrich_async(&alert("1", "x"))).unwrap();
    assert_eq!(items.len(), 1);
}

#[derive(Clone)]
struct TagClone(&'static str);
impl Enricher for TagClone {
    fn name(&self) -> &str {
        self.0
    }
    fn enrich(&self, a: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        Tag(self.0).enrich(a, ctx)
    }
}
#[derive(Clone)]
struct FailsClone(&'static str);
impl Enricher for FailsClone {
    fn name(&self) -> &str {
        self.0
    }
    fn enrich(&self, a: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        Fails(self.0).enrich(a, ctx)
    }
}

#[test]
fn rate_limit_token_bucket() {
    let clock = ManualClock::default();
    let e = Tag("x").with(RateLimitLayer::new(2.0, 2).unwrap().clock(clock.clone()));
    let mut ok = 0;
    for _ in 0..5 {
        let mut c = Enrichment::default();
        if e.enrich(&alert("1", "x"), &mut c).is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 2, "burst of 2");
    clock.advance(Duration::from_millis(500));
    assert!(
        e.enrich(&alert("1", "x"), &mut Enrichment::default())
            .is_ok()
    );
    assert!(
        e.enrich(&alert("1", "x"), &mut Enrichment::default())
            .is_err()
    );
    assert!(RateLimitLayer::new(0.0, 1).is_err());
    assert!(RateLimitLayer::new(1.0, 0).is_err());
}

/// Returns one item stamped with the clock's time at the call, and counts calls.
struct Stamp {
    clock: ManualClock,
    calls: Mutex<u64>,
}
impl Enricher for Stamp {
    fn name(&self) -> &str {
        "stamp"
    }
    fn enrich(&self, _: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        *self.calls.lock().unwrap() += 1;
        ctx.items
            .push(item("stamp", self.clock.now().as_millis().to_string()));
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the sequence of calls and clock moves, a cached answer is never older than
    /// the TTL, and the cache never holds more keys than its capacity.
    #[test]
    fn cache_never_returns_an_expired_entry(
        ttl_ms in 1u64..500,
        cap in 1usize..6,
        ops in prop::collection::vec((0u64..300, 0u8..8), 1..200),
    ) {
        let clock = ManualClock::default();
        let inner = Stamp { clock: clock.clone(), calls: Mutex::new(0) };
        let cache = inner.with(
            CacheLayer::new(Duration::from_millis(ttl_ms), cap).unwrap().clock(clock.clone()),
        );
        for (adv, key) in ops {
            clock.advance(Duration::from_millis(adv));
            let mut c = Enrichment::default();
            cache.enrich(&alert("a", &format!("10.0.0.{key}")), &mut c).unwrap();
            let now = clock.now().as_millis();
            for it in &c.items {
                let ContextValue::Other { value, .. } = &it.value else { panic!() };
                let at: u128 = value.parse().unwrap();
                prop_assert!(now - at < u128::from(ttl_ms), "served {at} at {now}, ttl {ttl_ms}");
            }
            prop_assert!(cache.stats().len <= cap);
        }
    }
}

#[test]
fn cache_hits_within_ttl_and_validates_params() {
    let clock = ManualClock::default();
    let inner = Stamp {
        clock: clock.clone(),
        calls: Mutex::new(0),
    };
    let cache = inner.with(
        CacheLayer::new(Duration::from_secs(10), 4)
            .unwrap()
            .clock(clock.clone()),
    );
    for _ in 0..3 {
        cache.enrich_alert(&mut alert("a", "10.0.0.1"));
    }
    assert_eq!(cache.stats().hits, 2);
    clock.advance(Duration::from_secs(10));
    cache.enrich_alert(&mut alert("a", "10.0.0.1"));
    assert_eq!(cache.stats().misses, 2);
    assert!(CacheLayer::new(Duration::ZERO, 1).is_err());
    assert!(CacheLayer::new(Duration::from_secs(1), 0).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Whatever mix of answering and hanging enrichers a fan-out holds, each hanging one is
    /// cut by its timeout and recorded as a failure, every answering one contributes its
    /// context, and the alert comes out.
    #[test]
    fn timeout_cuts_every_hanging_enricher(hangs in prop::collection::vec(any::<bool>(), 1..6)) {
        let mut f = FanOut::new();
        for &h in &hangs {
            f = if h {
                f.stage(Hangs.with(TimeoutLayer::new(Duration::from_millis(20))))
            } else {
                f.stage(Ready(Tag("ok")).with(TimeoutLayer::new(Duration::from_millis(20))))
            };
        }
        let mut a = alert("1", "10.0.0.1");
        block_on(f.enrich_alert(&mut a));
        let n_hang = hangs.iter().filter(|&&h| h).count();
        prop_assert_eq!(a.enrichment.failures.len(), n_hang);
        prop_assert_eq!(a.enrichment.items.len(), hangs.len() - n_hang);
        prop_assert!(a.enrichment.failures.iter().all(|f| f.reason.contains("timeout")));
    }

    /// The same for blocking enrichers in the synchronous pipeline.
    #[test]
    fn sync_timeout_cuts_every_blocking_enricher(hangs in prop::collection::vec(any::<bool>(), 1..5)) {
        let mut senders = Vec::new();
        let mut p: Vec<Box<dyn Enricher>> = Vec::new();
        for &h in &hangs {
            if h {
                let (tx, rx) = mpsc::channel();
                senders.push(tx);
                p.push(Box::new(Blocks(Mutex::new(rx)).with(TimeoutLayer::new(Duration::from_millis(20)))));
            } else {
                p.push(Box::new(Tag("ok").with(TimeoutLayer::new(Duration::from_secs(10)))));
            }
        }
        let mut a = alert("1", "10.0.0.1");
        p.enrich_alert(&mut a);
        let n_hang = hangs.iter().filter(|&&h| h).count();
        prop_assert_eq!(a.enrichment.failures.len(), n_hang);
        prop_assert_eq!(a.enrichment.items.len(), hangs.len() - n_hang);
        drop(senders);
    }
}

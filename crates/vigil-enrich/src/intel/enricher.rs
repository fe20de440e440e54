//! The threat-intel enricher: looks up an alert's IPs, domains, URLs and hashes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use vigil_core::{
    Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, EntityKind, Provenance,
};

use super::batch::QueryKind;
use super::store::{IndicatorStore, Match, parse_ip_fast};

/// Adds a [`ContextValue::ThreatIntel`] item per list entry matching one of the alert's IP,
/// domain, URL or hash entities (hosts too, when they look like a DNS name).
#[derive(Debug, Clone)]
pub struct ThreatIntelEnricher {
    store: Arc<IndicatorStore>,
    loaded_at: DateTime<Utc>,
    valid_for_s: Option<u64>,
}

impl ThreatIntelEnricher {
    /// Enriches from `store`, loaded at `loaded_at`; context holds for `valid_for_s` seconds
    /// (`None`: until the lists are reloaded).
    pub fn new(
        store: Arc<IndicatorStore>,
        loaded_at: DateTime<Utc>,
        valid_for_s: Option<u64>,
    ) -> Self {
        Self {
            store,
            loaded_at,
            valid_for_s,
        }
    }

    /// The store.
    pub fn store(&self) -> &IndicatorStore {
        &self.store
    }

    /// Enriches a batch of alerts at once: the same items as [`Enricher::enrich`] on each
    /// alert in turn (`ctxs[i]` receives `alerts[i]`'s, in the same order), but every
    /// indicator of the batch is looked up through [`IndicatorStore::for_each_batch_typed`],
    /// so the store's cache misses overlap. Extra contexts (or alerts) beyond the shorter of
    /// the two slices are left alone.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use vigil_core::{Alert, Enricher, Enrichment, Entity, EntityKind, EntityRole};
    /// use vigil_enrich::intel::{IndicatorStoreBuilder, IpRange, ThreatIntelEnricher};
    /// let mut b = IndicatorStoreBuilder::default();
    /// let src = b.add_source("ipsum", false);
    /// b.insert_range(src, IpRange::parse("203.0.113.9").unwrap(), 3);
    /// let e = ThreatIntelEnricher::new(Arc::new(b.build()), chrono::Utc::now(), None);
    /// let mut alert = Alert::new("a1", chrono::DateTime::UNIX_EPOCH, "scan");
    /// let empty = alert.clone();
    /// alert
    ///     .entities
    ///     .push(Entity::new(EntityKind::Ip, "203.0.113.9", EntityRole::Actor));
    /// let alerts = vec![alert.clone(), empty, alert];
    /// let mut ctxs = vec![Enrichment::default(); 3];
    /// e.enrich_batch(&alerts, &mut ctxs);
    /// let mut one = Enrichment::default();
    /// e.enrich(&alerts[0], &mut one).unwrap();
    /// assert_eq!(ctxs[0].items, one.items);
    /// assert!(ctxs[1].items.is_empty());
    /// assert_eq!(ctxs[2].items.len(), 1);
    /// ```
    pub fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        let mut queries: Vec<(QueryKind, &str)> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (i, a) in alerts.iter().enumerate().take(ctxs.len()) {
            for e in &a.entities {
                let v = e.value.as_str();
                let kind = match e.kind {
                    EntityKind::Ip => QueryKind::Ip,
                    EntityKind::Domain => QueryKind::Domain,
                    EntityKind::Host if v.contains('.') => QueryKind::Any,
                    EntityKind::Url => QueryKind::Url,
                    EntityKind::Hash => QueryKind::Hash,
                    _ => continue,
                };
                queries.push((kind, v));
                owner.push(i);
            }
        }
        self.store.for_each_batch_typed(&queries, |q, m| {
            let (Some(&i), Some(&(_, v))) = (owner.get(q), queries.get(q)) else {
                return;
            };
            if let Some(ctx) = ctxs.get_mut(i) {
                ctx.items.push(self.item(v, m));
            }
        });
    }

    fn item(&self, indicator: &str, m: Match<'_>) -> ContextItem {
        ContextItem {
            provenance: Provenance {
                source: m.source.name.clone(),
                at: self.loaded_at,
                valid_for_s: self.valid_for_s,
            },
            value: ContextValue::ThreatIntel {
                indicator: indicator.to_owned(),
                matched: m.matched.to_text(),
                benign: m.source.benign,
                reputation: m.reputation,
            },
        }
    }
}

impl Enricher for ThreatIntelEnricher {
    fn name(&self) -> &str {
        "threat-intel"
    }

    /// The batched store path: the lookups of a whole batch overlap their memory reads.
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        ThreatIntelEnricher::enrich_batch(self, alerts, ctxs);
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        for e in &alert.entities {
            let v = e.value.as_str();
            let mut push = |m: Match<'_>| ctx.items.push(self.item(v, m));
            match e.kind {
                EntityKind::Ip => {
                    if let Some(ip) = parse_ip_fast(v.trim()) {
                        self.store.for_each_ip(ip, &mut push);
                    }
                }
                EntityKind::Domain => self.store.for_each_domain(v, &mut push),
                // A host named by its FQDN is a domain too; bare host names cost one check.
                EntityKind::Host if v.contains('.') => self.store.for_each_match(v, &mut push),
                EntityKind::Url => self.store.for_each_url(v, &mut push),
                EntityKind::Hash => self.store.for_each_hash(v, &mut push),
                _ => {}
            }
        }
        Ok(())
    }
}

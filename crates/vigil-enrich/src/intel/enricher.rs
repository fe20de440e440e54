//! The threat-intel enricher: looks up an alert's IPs, domains, URLs and hashes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use vigil_core::{
    Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, EntityKind, Provenance,
};

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

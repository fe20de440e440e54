//! The enrichment traits: context gathered before an analyst looks, with provenance.
//!
//! # Design: two traits, sync and async
//!
//! In-memory lookups (an indicator store, the ATT&CK catalogue, an asset table) take tens of
//! nanoseconds; wrapping them in futures and a runtime would cost more than the lookup. Remote
//! lookups (a reputation API, a CMDB) take milliseconds and must not block a thread each. So:
//!
//! - [`Enricher`] is synchronous and appends to the alert's [`Enrichment`] in place: the fast
//!   path, no allocation when nothing matches, no runtime.
//! - [`AsyncEnricher`] returns a boxed `std::future::Future` of the items it found. vigil-core
//!   depends on no async runtime; any executor drives it, and timeouts, caching and rate limits
//!   are layers that wrap it. [`Ready`] lifts any [`Enricher`] into one, so a single async
//!   pipeline can run both kinds.
//!
//! Both are object-safe. A failing enricher never loses the alert: pipelines record an
//! [`EnrichFailure`] on it and go on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Alert, CoreError, TechniqueId};

/// A boxed, sendable future, as [`AsyncEnricher`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a piece of context came from, and for how long it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The source (`misp:amazon-aws`, `ipsum`, `attack:v18.1`, `assets.csv`).
    pub source: String,
    /// When the source's data was observed or loaded.
    pub at: DateTime<Utc>,
    /// Seconds it stays valid from `at`; `None` when it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for_s: Option<u64>,
}

impl Provenance {
    /// True when the context has expired at `now`.
    pub fn expired_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_for_s.is_some_and(|s| {
            let ttl = chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
            self.at
                .checked_add_signed(ttl)
                .is_some_and(|end| now >= end)
        })
    }
}

/// Typed context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContextValue {
    /// An indicator matched a threat-intel or known-benign list.
    ThreatIntel {
        /// The alert's value that matched (an IP, a domain, a hash).
        indicator: String,
        /// The list entry that matched it (a CIDR, a parent domain).
        matched: String,
        /// True for a known-benign list (MISP warninglists): a likely false positive.
        benign: bool,
        /// Reputation: how many blocklists name it (IPsum), or 0.
        reputation: u32,
    },
    /// What ATT&CK says of a technique.
    Technique {
        /// The technique.
        id: TechniqueId,
        /// Its name.
        name: String,
        /// Tactics (kill-chain phases) it serves.
        tactics: Vec<String>,
        /// Platforms.
        platforms: Vec<String>,
        /// Data sources that detect it.
        data_sources: Vec<String>,
    },
    /// A CVE and whether it is known to be exploited.
    Vulnerability {
        /// CVE id.
        cve: String,
        /// In CISA's Known Exploited Vulnerabilities catalogue.
        known_exploited: bool,
        /// Known use in ransomware campaigns.
        ransomware: bool,
    },
    /// The asset behind a host entity.
    Asset {
        /// Host name.
        host: String,
        /// Business criticality in `[0, 1]`.
        criticality: f64,
        /// Owner.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
        /// Operating system.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        os: Option<String>,
    },
    /// An entity's usual behaviour, from a baseline.
    EntityHistory {
        /// The entity.
        entity: String,
        /// When it was first seen.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_seen: Option<DateTime<Utc>>,
        /// Events observed so far.
        events: u64,
        /// Surprisal of this alert under its baseline, in bits.
        surprisal: f64,
    },
    /// Other alerts sharing an entity within a time window.
    RelatedEvents {
        /// The shared entity.
        entity: String,
        /// Ids of the related alerts, nearest in time first.
        alert_ids: Vec<String>,
        /// How many there were in all (the list may be capped).
        total: usize,
    },
    /// Anything else, as a key and a value.
    Other {
        /// Name.
        key: String,
        /// Value.
        value: String,
    },
}

/// One piece of context and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextItem {
    /// Where it came from.
    pub provenance: Provenance,
    /// The context.
    pub value: ContextValue,
}

/// An enricher that failed on an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichFailure {
    /// Which enricher.
    pub enricher: String,
    /// Why (error text, or `timeout after 200 ms`).
    pub reason: String,
}

/// All context gathered on an alert, and what failed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Enrichment {
    /// Context, in the order enrichers added it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ContextItem>,
    /// Enrichers that failed; the alert went on without their context.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<EnrichFailure>,
}

impl Enrichment {
    /// True when there is neither context nor failure.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.failures.is_empty()
    }

    /// The highest asset criticality found, if any.
    pub fn asset_criticality(&self) -> Option<f64> {
        self.items
            .iter()
            .filter_map(|i| match &i.value {
                ContextValue::Asset { criticality, .. } => Some(*criticality),
                _ => None,
            })
            .reduce(f64::max)
    }

    /// True when any indicator matched a known-benign list.
    pub fn has_benign_match(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i.value, ContextValue::ThreatIntel { benign: true, .. }))
    }

    /// The highest blocklist reputation of any matched indicator (0 when none).
    pub fn max_reputation(&self) -> u32 {
        self.items
            .iter()
            .filter_map(|i| match i.value {
                ContextValue::ThreatIntel { reputation, .. } => Some(reputation),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }
}

/// A synchronous enricher: in-memory lookups that append context in place.
///
/// ```
/// use vigil_core::{Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, Provenance};
/// struct Tag;
/// impl Enricher for Tag {
///     fn name(&self) -> &str { "tag" }
///     fn enrich(&self, _a: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
///         ctx.items.push(ContextItem {
///             provenance: Provenance { source: "tag".into(), at: chrono::DateTime::UNIX_EPOCH, valid_for_s: None },
///             value: ContextValue::Other { key: "k".into(), value: "v".into() },
///         });
///         Ok(())
///     }
/// }
/// // A Vec of enrichers is an ordered pipeline.
/// let pipeline: Vec<Box<dyn Enricher>> = vec![Box::new(Tag), Box::new(Tag)];
/// let mut alert = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x");
/// pipeline.enrich_alert(&mut alert);
/// assert_eq!(alert.enrichment.items.len(), 2);
/// ```
pub trait Enricher: Send + Sync {
    /// Name used in provenance and failure records.
    fn name(&self) -> &str;

    /// Appends what it knows of `alert` to `ctx` (which holds what earlier enrichers found).
    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError>;

    /// Enriches many alerts: `ctxs[i]` receives what is known of `alerts[i]` (pairs beyond the
    /// shorter slice are left alone). A failure is recorded on that alert's context and the
    /// batch goes on. The default calls [`Enricher::enrich`] per alert; an enricher whose
    /// lookups can overlap memory reads across a batch (an indicator store) overrides it.
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        for (alert, ctx) in alerts.iter().zip(ctxs.iter_mut()) {
            if let Err(e) = self.enrich(alert, ctx) {
                ctx.failures.push(EnrichFailure {
                    enricher: self.name().to_owned(),
                    reason: e.to_string(),
                });
            }
        }
    }

    /// Enriches many alerts in place through [`Enricher::enrich_batch`] (so an enricher that
    /// batches its lookups does so); failures are recorded on their alerts, never lost.
    ///
    /// ```
    /// use vigil_core::{Alert, CoreError, Enricher, Enrichment};
    /// struct Failing;
    /// impl Enricher for Failing {
    ///     fn name(&self) -> &str { "failing" }
    ///     fn enrich(&self, _a: &Alert, _c: &mut Enrichment) -> Result<(), CoreError> {
    ///         Err(CoreError::Component { component: "failing".into(), reason: "down".into() })
    ///     }
    /// }
    /// let mut alerts = vec![Alert::new("1", chrono::DateTime::UNIX_EPOCH, "x"); 3];
    /// Failing.enrich_alerts(&mut alerts);
    /// assert!(alerts.iter().all(|a| a.enrichment.failures.len() == 1));
    /// ```
    fn enrich_alerts(&self, alerts: &mut [Alert]) {
        let mut ctxs: Vec<Enrichment> = alerts
            .iter_mut()
            .map(|a| std::mem::take(&mut a.enrichment))
            .collect();
        self.enrich_batch(alerts, &mut ctxs);
        for (alert, ctx) in alerts.iter_mut().zip(ctxs) {
            alert.enrichment = ctx;
        }
    }

    /// Enriches the alert in place; a failure is recorded on the alert, never lost.
    fn enrich_alert(&self, alert: &mut Alert) {
        let mut ctx = std::mem::take(&mut alert.enrichment);
        if let Err(e) = self.enrich(alert, &mut ctx) {
            ctx.failures.push(EnrichFailure {
                enricher: self.name().to_owned(),
                reason: e.to_string(),
            });
        }
        alert.enrichment = ctx;
    }
}

impl<T: Enricher + ?Sized> Enricher for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        (**self).enrich(alert, ctx)
    }
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        (**self).enrich_batch(alerts, ctxs)
    }
}

impl<T: Enricher + ?Sized> Enricher for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        (**self).enrich(alert, ctx)
    }
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        (**self).enrich_batch(alerts, ctxs)
    }
}

/// `None` enriches nothing, so an optional enricher composes.
impl<T: Enricher> Enricher for Option<T> {
    fn name(&self) -> &str {
        self.as_ref().map_or("none", Enricher::name)
    }
    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        match self {
            Some(e) => e.enrich(alert, ctx),
            None => Ok(()),
        }
    }
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        if let Some(e) = self {
            e.enrich_batch(alerts, ctxs);
        }
    }
}

/// A list is an ordered pipeline: each runs in turn and sees what the earlier ones added; one
/// that fails is recorded on the alert and the rest still run, so the list itself never fails.
impl<T: Enricher> Enricher for Vec<T> {
    fn name(&self) -> &str {
        "pipeline"
    }
    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        for e in self {
            if let Err(err) = e.enrich(alert, ctx) {
                ctx.failures.push(EnrichFailure {
                    enricher: e.name().to_owned(),
                    reason: err.to_string(),
                });
            }
        }
        Ok(())
    }
    /// Stage by stage over the whole batch, so each stage still sees what earlier ones added
    /// to the same alert, and a stage with a batched path uses it.
    fn enrich_batch(&self, alerts: &[Alert], ctxs: &mut [Enrichment]) {
        for e in self {
            e.enrich_batch(alerts, ctxs);
        }
    }
}

/// An asynchronous enricher: remote lookups, driven by any executor.
pub trait AsyncEnricher: Send + Sync {
    /// Name used in provenance and failure records.
    fn name(&self) -> &str;

    /// Looks the alert up and resolves to the context found.
    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>>;
}

impl<T: AsyncEnricher + ?Sized> AsyncEnricher for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        (**self).enrich_async(alert)
    }
}

impl<T: AsyncEnricher + ?Sized> AsyncEnricher for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        (**self).enrich_async(alert)
    }
}

/// Lifts a synchronous [`Enricher`] into an [`AsyncEnricher`] whose future is ready at once.
#[derive(Debug, Clone)]
pub struct Ready<E>(pub E);

impl<E: Enricher> AsyncEnricher for Ready<E> {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        let mut ctx = Enrichment::default();
        let r = self.0.enrich(alert, &mut ctx).map(|()| ctx.items);
        Box::pin(std::future::ready(r))
    }
}

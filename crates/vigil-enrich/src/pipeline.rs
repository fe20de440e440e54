//! Composing async enrichers: an ordered [`AsyncPipeline`] and a concurrent [`FanOut`].
//!
//! [`AsyncEnricher`] resolves to context items or an error; a composition must keep both what
//! its parts found and which of them failed, so compositions are [`Stage`]s, which resolve to a
//! whole [`Enrichment`]. Every [`AsyncEnricher`] is a stage (its error becomes a recorded
//! [`EnrichFailure`]), and pipelines and fan-outs are stages too, so they nest.

use std::marker::PhantomData;

use vigil_core::{Alert, AsyncEnricher, BoxFuture, EnrichFailure, Enrichment};

use crate::exec::join_all;

/// Something that enriches an alert asynchronously and never fails: failures are recorded in
/// the [`Enrichment`] it resolves to.
pub trait Stage: Send + Sync {
    /// Enriches `alert`, resolving to the context found and the failures met.
    fn run<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, Enrichment>;
}

impl<E: AsyncEnricher> Stage for E {
    fn run<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, Enrichment> {
        Box::pin(async move {
            match self.enrich_async(alert).await {
                Ok(items) => Enrichment {
                    items,
                    failures: Vec::new(),
                },
                Err(e) => Enrichment {
                    items: Vec::new(),
                    failures: vec![EnrichFailure {
                        enricher: self.name().to_owned(),
                        reason: e.to_string(),
                    }],
                },
            }
        })
    }
}

fn merge(into: &mut Enrichment, from: Enrichment) {
    into.items.extend(from.items);
    into.failures.extend(from.failures);
}

/// A list of stages; `M` says how they run: [`Sequential`] ([`AsyncPipeline`]) or
/// [`Concurrent`] ([`FanOut`]). Either way context is appended in the order the stages were
/// added, and the list is itself a [`Stage`], so lists nest.
pub struct Stages<M> {
    stages: Vec<Box<dyn Stage>>,
    mode: PhantomData<M>,
}

/// Marker: stages run one after another.
#[derive(Debug, Clone, Copy)]
pub enum Sequential {}

/// Marker: stages run concurrently on one task.
#[derive(Debug, Clone, Copy)]
pub enum Concurrent {}

/// Stages run one after another, in order; their context is appended in that order.
///
/// ```
/// use vigil_core::{Alert, Ready};
/// use vigil_enrich::exec::block_on;
/// use vigil_enrich::{AsyncPipeline, KevCatalogue, KevEnricher};
/// let kev = KevCatalogue::default();
/// let p = AsyncPipeline::new().stage(Ready(KevEnricher::new(kev)));
/// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "exploit of CVE-2021-44228");
/// block_on(p.enrich_alert(&mut a));
/// assert_eq!(a.enrichment.items.len(), 1);
/// ```
pub type AsyncPipeline = Stages<Sequential>;

/// Stages run concurrently on one task; the result is merged in the order the stages were
/// added, whatever order they finish in, so output is deterministic.
///
/// A slow stage delays the result only until it answers or its own timeout cuts it: wrap
/// remote enrichers in [`crate::layer::TimeoutLayer`].
pub type FanOut = Stages<Concurrent>;

impl<M> Default for Stages<M> {
    fn default() -> Self {
        Self {
            stages: Vec::new(),
            mode: PhantomData,
        }
    }
}

impl<M> Stages<M>
where
    Self: Stage,
{
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a stage (any [`AsyncEnricher`], pipeline or fan-out).
    #[must_use]
    pub fn stage(mut self, s: impl Stage + 'static) -> Self {
        self.stages.push(Box::new(s));
        self
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// True when there is no stage.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Enriches the alert in place: context and failures are appended to `alert.enrichment`.
    pub async fn enrich_alert(&self, alert: &mut Alert) {
        let e = self.run(alert).await;
        merge(&mut alert.enrichment, e);
    }
}

impl Stage for Stages<Sequential> {
    fn run<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, Enrichment> {
        Box::pin(async move {
            let mut acc = Enrichment::default();
            for s in &self.stages {
                merge(&mut acc, s.run(alert).await);
            }
            acc
        })
    }
}

impl Stage for Stages<Concurrent> {
    fn run<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, Enrichment> {
        Box::pin(async move {
            let futs = self.stages.iter().map(|s| s.run(alert)).collect();
            let mut acc = Enrichment::default();
            for e in join_all(futs).await {
                merge(&mut acc, e);
            }
            acc
        })
    }
}

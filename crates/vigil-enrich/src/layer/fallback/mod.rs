//! Fallback: when the primary enricher fails, ask another.

use vigil_core::{Alert, AsyncEnricher, BoxFuture, ContextItem, CoreError, Enricher, Enrichment};

use super::Layer;

/// Uses `fallback` when `primary` fails. The primary's partial context is dropped, so the alert
/// never mixes half of one answer with another. When both fail, the error names both.
#[derive(Debug, Clone)]
pub struct Fallback<P, F> {
    primary: P,
    fallback: F,
}

impl<P, F> Fallback<P, F> {
    /// The primary and its fallback.
    pub fn new(primary: P, fallback: F) -> Self {
        Self { primary, fallback }
    }
}

fn both_failed(p: &str, pe: &CoreError, f: &str, fe: &CoreError) -> CoreError {
    CoreError::Component {
        component: p.to_owned(),
        reason: format!("{pe}; fallback {f}: {fe}"),
    }
}

impl<P: Enricher, F: Enricher> Enricher for Fallback<P, F> {
    fn name(&self) -> &str {
        self.primary.name()
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let mut tmp = Enrichment::default();
        match self.primary.enrich(alert, &mut tmp) {
            Ok(()) => {
                ctx.items.append(&mut tmp.items);
                ctx.failures.append(&mut tmp.failures);
                Ok(())
            }
            Err(pe) => self
                .fallback
                .enrich(alert, ctx)
                .map_err(|fe| both_failed(self.primary.name(), &pe, self.fallback.name(), &fe)),
        }
    }
}

impl<P: AsyncEnricher, F: AsyncEnricher> AsyncEnricher for Fallback<P, F> {
    fn name(&self) -> &str {
        self.primary.name()
    }

    fn enrich_async<'a>(
        &'a self,
        alert: &'a Alert,
    ) -> BoxFuture<'a, Result<Vec<ContextItem>, CoreError>> {
        Box::pin(async move {
            match self.primary.enrich_async(alert).await {
                Ok(v) => Ok(v),
                Err(pe) => {
                    self.fallback.enrich_async(alert).await.map_err(|fe| {
                        both_failed(self.primary.name(), &pe, self.fallback.name(), &fe)
                    })
                }
            }
        })
    }
}

/// Layer form of [`Fallback`]: the wrapped enricher is the primary.
#[derive(Debug, Clone)]
pub struct FallbackLayer<F> {
    fallback: F,
}

impl<F> FallbackLayer<F> {
    /// Falls back to `fallback`.
    pub fn new(fallback: F) -> Self {
        Self { fallback }
    }
}

impl<P, F: Clone> Layer<P> for FallbackLayer<F> {
    type Enricher = Fallback<P, F>;
    fn layer(&self, inner: P) -> Self::Enricher {
        Fallback::new(inner, self.fallback.clone())
    }
}

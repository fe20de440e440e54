//! The ATT&CK enricher: what the catalogue says of each technique on an alert.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use vigil_core::{Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, Provenance};

use super::AttackCatalogue;

/// Adds a [`ContextValue::Technique`] per technique of the alert that the catalogue knows (a
/// sub-technique it does not know resolves to its parent). Revoked or deprecated techniques
/// are described with `[revoked]` / `[deprecated]` after their name.
#[derive(Debug, Clone)]
pub struct AttackEnricher {
    catalogue: Arc<AttackCatalogue>,
    source: String,
    loaded_at: DateTime<Utc>,
}

impl AttackEnricher {
    /// Enriches from `catalogue`, loaded at `loaded_at`.
    pub fn new(catalogue: Arc<AttackCatalogue>, loaded_at: DateTime<Utc>) -> Self {
        let source = if catalogue.version().is_empty() {
            "attack".to_owned()
        } else {
            format!("attack:{}", catalogue.version())
        };
        Self {
            catalogue,
            source,
            loaded_at,
        }
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &AttackCatalogue {
        &self.catalogue
    }
}

impl Enricher for AttackEnricher {
    fn name(&self) -> &str {
        "attack"
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        for id in &alert.techniques {
            let Some(t) = self.catalogue.technique_or_parent(id) else {
                continue;
            };
            let mut name = t.name.clone();
            if t.revoked {
                name.push_str(" [revoked]");
            } else if t.deprecated {
                name.push_str(" [deprecated]");
            }
            ctx.items.push(ContextItem {
                provenance: Provenance {
                    source: self.source.clone(),
                    at: self.loaded_at,
                    valid_for_s: None,
                },
                value: ContextValue::Technique {
                    id: t.id.clone(),
                    name,
                    tactics: t.tactics.clone(),
                    platforms: t.platforms.clone(),
                    data_sources: t.data_sources.clone(),
                },
            });
        }
        Ok(())
    }
}

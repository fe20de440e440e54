//! User and entity history: what a baseline knows of an alert's users and hosts.
//!
//! Written against [`vigil_core::Baseline`] only, so any baseline (Vigil's own or a product's)
//! plugs in. The baseline sits behind a mutex because enrichers take `&self`; first-seen times
//! and event counts are kept here, since the trait does not expose them.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use vigil_core::{
    Alert, Baseline, ContextItem, ContextValue, CoreError, Enricher, Enrichment, EntityKind,
    Observation, Provenance, SeededMap, SeededState,
};

#[derive(Debug, Clone, Copy)]
struct Seen {
    first: DateTime<Utc>,
    events: u64,
}

struct State<B> {
    baseline: B,
    seen: Vec<(EntityKind, SeededMap<Box<str>, Seen>)>,
    tracked: usize,
}

/// Adds a [`ContextValue::EntityHistory`] per user and host entity (by default): when it was
/// first seen before this alert (`None` for a new entity), how many alerts it had, and the
/// surprisal of this alert under its baseline (dimension `alert_type` = the alert's detector,
/// or its title).
///
/// In *learning* mode (the default) each alert is scored, then learned, so a stream is
/// enriched in one pass; in scoring-only mode the baseline and the history stay as given.
pub struct HistoryEnricher<B> {
    state: Mutex<State<B>>,
    kinds: Vec<EntityKind>,
    learn: bool,
    max_entities: usize,
    source: String,
}

impl<B: Baseline> HistoryEnricher<B> {
    /// Wraps `baseline`, named `source` in provenance; seeded maps for entity names.
    pub fn new(baseline: B, source: impl Into<String>, seed: u64) -> Self {
        let kinds = vec![EntityKind::User, EntityKind::Host];
        let seen = kinds
            .iter()
            .enumerate()
            .map(|(i, &k)| {
                (
                    k,
                    SeededMap::with_hasher(SeededState::with_seed(seed ^ i as u64)),
                )
            })
            .collect();
        Self {
            state: Mutex::new(State {
                baseline,
                seen,
                tracked: 0,
            }),
            kinds,
            learn: true,
            max_entities: 1_000_000,
            source: source.into(),
        }
    }

    /// Entity kinds to describe (default: users and hosts).
    #[must_use]
    pub fn kinds(mut self, kinds: &[EntityKind]) -> Self {
        let seed_state = SeededState::default();
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        for &k in kinds {
            if !st.seen.iter().any(|(x, _)| *x == k) {
                st.seen
                    .push((k, SeededMap::with_hasher(seed_state.clone())));
            }
        }
        self.kinds = kinds.to_vec();
        self
    }

    /// Scores without learning (the baseline and the history stay unchanged).
    #[must_use]
    pub fn scoring_only(mut self) -> Self {
        self.learn = false;
        self
    }

    /// Caps the entities whose first-seen time is tracked (default one million); past it, new
    /// entities are still scored but reported without history.
    #[must_use]
    pub fn max_entities(mut self, n: usize) -> Self {
        self.max_entities = n;
        self
    }

    /// Runs `f` on the baseline (to inspect it, or to train it beforehand).
    pub fn with_baseline<R>(&self, f: impl FnOnce(&mut B) -> R) -> R {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut st.baseline)
    }
}

impl<B: Baseline> Enricher for HistoryEnricher<B> {
    fn name(&self) -> &str {
        "entity-history"
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let alert_type = alert.detector.as_deref().unwrap_or(&alert.title);
        let categories = [("alert_type", alert_type)];
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *st;
        for e in &alert.entities {
            if !self.kinds.contains(&e.kind) {
                continue;
            }
            let obs = Observation {
                entity: &e.value,
                kind: e.kind,
                peer_group: None,
                time: alert.time,
                categories: &categories,
                measures: &[],
            };
            let score = if self.learn {
                st.baseline.observe(&obs)?
            } else {
                st.baseline.score(&obs)?
            };
            let Some((_, seen)) = st.seen.iter_mut().find(|(k, _)| *k == e.kind) else {
                continue;
            };
            let prior = seen.get(e.value.as_str()).copied();
            if self.learn {
                match seen.get_mut(e.value.as_str()) {
                    Some(s) => {
                        s.events += 1;
                        s.first = s.first.min(alert.time);
                    }
                    None if st.tracked < self.max_entities => {
                        seen.insert(
                            e.value.as_str().into(),
                            Seen {
                                first: alert.time,
                                events: 1,
                            },
                        );
                        st.tracked += 1;
                    }
                    None => {}
                }
            }
            ctx.items.push(ContextItem {
                provenance: Provenance {
                    source: self.source.clone(),
                    at: alert.time,
                    valid_for_s: None,
                },
                value: ContextValue::EntityHistory {
                    entity: e.value.clone(),
                    first_seen: prior.map(|s| s.first),
                    events: prior.map_or(0, |s| s.events),
                    surprisal: if score.surprisal.is_finite() {
                        score.surprisal
                    } else {
                        0.0
                    },
                },
            });
        }
        Ok(())
    }
}

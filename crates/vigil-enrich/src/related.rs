//! Related events: other alerts sharing an entity with this one within a time window, from a
//! bounded in-memory index.
//!
//! The index holds at most `capacity` (alert, entity) entries; past it, the oldest in alert
//! time is evicted. Per entity, entries are kept sorted by time so a window query is two
//! binary searches, whatever order alerts arrive in. Entity names come from the data, so the
//! map is seeded.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use vigil_core::{
    Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, EntityKind, Provenance,
    SeededMap, SeededState,
};

use crate::EnrichError;

/// Parameters of a [`RelatedIndex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelatedParams {
    /// Half-width of the window, in seconds: alerts within ±`window_s` are related.
    pub window_s: i64,
    /// Most (alert, entity) entries held.
    pub capacity: usize,
    /// Most alert ids listed per related-events item (the total is always given).
    pub max_ids: usize,
}

impl Default for RelatedParams {
    fn default() -> Self {
        Self {
            window_s: 3600,
            capacity: 1_000_000,
            max_ids: 10,
        }
    }
}

impl RelatedParams {
    /// Checks the parameters.
    pub fn check(self) -> Result<Self, EnrichError> {
        if self.window_s < 0 {
            return Err(EnrichError::InvalidParameter {
                name: "window_s",
                reason: format!("must be non-negative, got {}", self.window_s),
            });
        }
        if self.capacity == 0 {
            return Err(EnrichError::InvalidParameter {
                name: "capacity",
                reason: "must be at least 1".into(),
            });
        }
        Ok(self)
    }
}

/// Key of one entry: alert time (seconds) and arrival number.
type Stamp = (i64, u64);

struct Rec {
    alert_id: Box<str>,
    key: Box<str>,
}

/// The bounded index of recent alerts per entity.
pub struct RelatedIndex {
    params: RelatedParams,
    by_entity: SeededMap<Box<str>, VecDeque<Stamp>>,
    entries: BTreeMap<Stamp, Rec>,
    seq: u64,
    evicted: u64,
}

/// The alerts related to one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// Ids, nearest in time first, at most `max_ids`.
    pub alert_ids: Vec<String>,
    /// How many in all.
    pub total: usize,
}

fn entity_key(kind: EntityKind, value: &str) -> String {
    let mut k = String::with_capacity(value.len() + 12);
    k.push_str(kind.as_str());
    k.push(':');
    k.push_str(value);
    k
}

impl RelatedIndex {
    /// An empty index; `seed` keys the entity map.
    pub fn new(params: RelatedParams, seed: u64) -> Result<Self, EnrichError> {
        Ok(Self {
            params: params.check()?,
            by_entity: SeededMap::with_hasher(SeededState::with_seed(seed)),
            entries: BTreeMap::new(),
            seq: 0,
            evicted: 0,
        })
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries evicted so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Alerts sharing `(kind, value)` within the window around `time` (seconds).
    pub fn query(&self, kind: EntityKind, value: &str, time: i64, exclude: &str) -> Related {
        let key = entity_key(kind, value);
        let Some(q) = self.by_entity.get(key.as_str()) else {
            return Related {
                alert_ids: Vec::new(),
                total: 0,
            };
        };
        let lo_t = time.saturating_sub(self.params.window_s);
        let hi_t = time.saturating_add(self.params.window_s);
        let lo = q.partition_point(|s| s.0 < lo_t);
        let hi = q.partition_point(|s| s.0 <= hi_t);
        let mid = q.partition_point(|s| s.0 < time).clamp(lo, hi);
        // Walk outwards from `time`, nearest first, until enough ids are listed; the total is
        // the window's size less the entries of the excluded alert met on the way.
        let (mut l, mut r) = (mid, mid);
        let mut ids = Vec::new();
        let mut excluded = 0;
        while (l > lo || r < hi) && ids.len() < self.params.max_ids {
            let take_left = match (l > lo, r < hi) {
                (true, true) => {
                    let dl = q.get(l - 1).map_or(i64::MAX, |s| time.saturating_sub(s.0));
                    let dr = q.get(r).map_or(i64::MAX, |s| s.0.saturating_sub(time));
                    dl <= dr
                }
                (true, false) => true,
                _ => false,
            };
            let stamp = if take_left {
                l -= 1;
                q.get(l)
            } else {
                r += 1;
                q.get(r - 1)
            };
            let Some(rec) = stamp.and_then(|s| self.entries.get(s)) else {
                continue;
            };
            if &*rec.alert_id == exclude {
                excluded += 1;
                continue;
            }
            ids.push(rec.alert_id.to_string());
        }
        Related {
            alert_ids: ids,
            total: (hi - lo).saturating_sub(excluded),
        }
    }

    /// Adds an alert under each of its entities (`Other` entities are skipped), evicting the
    /// oldest entries past capacity.
    pub fn insert(&mut self, alert: &Alert) {
        let t = alert.time.timestamp();
        for e in &alert.entities {
            if e.kind == EntityKind::Other {
                continue;
            }
            let key = entity_key(e.kind, &e.value);
            self.seq += 1;
            let stamp = (t, self.seq);
            let q = match self.by_entity.get_mut(key.as_str()) {
                Some(q) => q,
                None => self
                    .by_entity
                    .entry(key.clone().into_boxed_str())
                    .or_default(),
            };
            // Usually the newest: append; otherwise insert in order.
            if q.back().is_none_or(|b| *b <= stamp) {
                q.push_back(stamp);
            } else {
                let at = q.partition_point(|s| *s < stamp);
                q.insert(at, stamp);
            }
            self.entries.insert(
                stamp,
                Rec {
                    alert_id: alert.id.as_str().into(),
                    key: key.into_boxed_str(),
                },
            );
        }
        while self.entries.len() > self.params.capacity {
            let Some((stamp, rec)) = self.entries.pop_first() else {
                break;
            };
            self.evicted += 1;
            if let Some(q) = self.by_entity.get_mut(&rec.key) {
                // The globally oldest entry is the oldest of its entity: at the front.
                if q.front() == Some(&stamp) {
                    q.pop_front();
                } else if let Some(i) = q.iter().position(|s| *s == stamp) {
                    q.remove(i);
                }
                if q.is_empty() {
                    self.by_entity.remove(&rec.key);
                }
            }
        }
    }
}

/// Adds a [`ContextValue::RelatedEvents`] per entity that earlier alerts share within the
/// window, then indexes the alert, so a stream is enriched in one pass.
pub struct RelatedEnricher {
    index: Mutex<RelatedIndex>,
}

impl RelatedEnricher {
    /// An enricher over an empty index.
    pub fn new(params: RelatedParams, seed: u64) -> Result<Self, EnrichError> {
        Ok(Self {
            index: Mutex::new(RelatedIndex::new(params, seed)?),
        })
    }

    /// Runs `f` on the index (to pre-load it or inspect it).
    pub fn with_index<R>(&self, f: impl FnOnce(&mut RelatedIndex) -> R) -> R {
        let mut g = self.index.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

impl Enricher for RelatedEnricher {
    fn name(&self) -> &str {
        "related-events"
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let mut idx = self.index.lock().unwrap_or_else(|p| p.into_inner());
        let t = alert.time.timestamp();
        for e in &alert.entities {
            if e.kind == EntityKind::Other {
                continue;
            }
            let r = idx.query(e.kind, &e.value, t, &alert.id);
            if r.total > 0 {
                ctx.items.push(ContextItem {
                    provenance: Provenance {
                        source: "related-events".to_owned(),
                        at: alert.time,
                        valid_for_s: u64::try_from(idx.params.window_s).ok(),
                    },
                    value: ContextValue::RelatedEvents {
                        entity: e.value.clone(),
                        alert_ids: r.alert_ids,
                        total: r.total,
                    },
                });
            }
        }
        idx.insert(alert);
        Ok(())
    }
}

//! Read-only views of a profile, for enrichment ("user and entity history") and features.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::EntityKind;

use crate::EntityBaselines;
use crate::model::fingerprint;
use crate::params::inverse;
use crate::stats::Rarity;

/// What a baseline knows about one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityProfile {
    /// Events seen (saturates at `u32::MAX`).
    pub events: u32,
    /// Time of the earliest event.
    pub first_seen: Option<DateTime<Utc>>,
    /// Time of the latest event.
    pub last_seen: Option<DateTime<Utc>>,
    /// Long-run event rate, events per hour (time-decayed).
    pub rate_per_hour: f64,
    /// The busiest hour of day (UTC) in its history.
    pub busiest_hour: u8,
    /// One entry per measure this entity has values for.
    pub measures: Vec<MeasureProfile>,
    /// One entry per categorical dimension this entity has values for.
    pub dimensions: Vec<DimensionProfile>,
}

/// A measure's long-memory and windowed statistics, in the measure's own units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureProfile {
    /// The measure's name.
    pub name: String,
    /// Typical value (the decayed mean, mapped back from the transformed scale).
    pub typical: f64,
    /// Decayed standard deviation on the transformed scale.
    pub spread: f64,
    /// Values in the current and previous window panes.
    pub window_count: f64,
    /// Their mean, mapped back to the measure's units.
    pub window_typical: f64,
}

/// A categorical dimension's diversity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionProfile {
    /// The dimension's name.
    pub name: String,
    /// Estimated distinct values ever seen (±26 %).
    pub distinct: f64,
    /// Share of events carrying the most frequent value.
    pub top_share: f64,
}

impl EntityBaselines {
    /// What the baseline knows about an entity, or `None` if it is not profiled.
    pub fn profile(&self, kind: EntityKind, entity: &str) -> Option<EntityProfile> {
        let i = self.entities.find(self.entity_key(kind, entity))?;
        let (core, ms, cs) = self.entities.row(i)?;
        let tr = self.config.transform;
        let to_time = |t: f64| DateTime::<Utc>::from_timestamp(t.floor() as i64, 0);
        let hl = self.config.half_life_secs;
        let age = (core.last_time - core.first_time).max(self.config.burst_half_life_secs);
        let t_eff = hl / std::f64::consts::LN_2 * (1.0 - (-age / hl).exp2());
        let busiest = core
            .seasonal
            .hours()
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
            .map_or(0, |(i, _)| i as u8);
        let measures = self
            .measures
            .names
            .iter()
            .zip(ms.iter())
            .filter(|(_, s)| s.ew.weight > 0.0)
            .map(|(n, s)| {
                let (wn, wm, _) = s.window.summary();
                MeasureProfile {
                    name: n.to_string(),
                    typical: inverse(tr, s.ew.mean),
                    spread: s.ew.variance().sqrt(),
                    window_count: wn,
                    window_typical: inverse(tr, wm),
                }
            })
            .collect();
        let dimensions = self
            .dimensions
            .names
            .iter()
            .zip(cs.iter())
            .filter(|(_, s)| s.top.total > 0.0)
            .map(|(n, s)| DimensionProfile {
                name: n.to_string(),
                distinct: s.distinct.estimate(),
                top_share: f64::from(s.top.counts.iter().copied().fold(0.0f32, f32::max))
                    / f64::from(s.top.total),
            })
            .collect();
        Some(EntityProfile {
            events: core.events,
            first_seen: to_time(core.first_time),
            last_seen: to_time(core.last_time),
            rate_per_hour: if t_eff > 0.0 {
                f64::from(core.weight) / t_eff * 3_600.0
            } else {
                0.0
            },
            busiest_hour: busiest,
            measures,
            dimensions,
        })
    }

    /// How familiar `value` of dimension `dim` is for this entity: its estimated frequency and
    /// the tail probability of a value at least as rare (`None` when the entity or the
    /// dimension has no history). "Has this host ever raised this alert type?" is
    /// `observed > 0`.
    pub fn familiarity(
        &self,
        kind: EntityKind,
        entity: &str,
        dim: &str,
        value: &str,
    ) -> Option<Rarity> {
        let i = self.entities.find(self.entity_key(kind, entity))?;
        let (_, _, cs) = self.entities.row(i)?;
        let d = self.dimensions.id(dim, 0)?;
        let slot = cs.get(d)?;
        if slot.top.total <= 0.0 {
            return None;
        }
        Some(slot.top.rarity(fingerprint(self.category_hash(value)), 1.0))
    }
}

//! [`EntityBaselines`]: streaming per-entity profiles behind [`vigil_core::Baseline`].

use std::f64::consts::LN_2;
use std::hash::{BuildHasher, Hash, Hasher};

use vigil_core::{AnomalyScore, Baseline, CoreError, EntityKind, Observation, SeededState};

use crate::BaselineError;
use crate::error::finite;
use crate::memo::{Memo, NameMemo};
use crate::names::Names;
use crate::params::ProfileConfig;
use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::store::Store;
use crate::strhash::{StrKey, hash_str};
use crate::tail::{normal_z_for_bits, tail_from_bits};

mod learn;
mod score;
mod tally;

pub(crate) use tally::Tally;

/// Per-entity streaming behaviour profiles in bounded memory.
///
/// For each entity (user, host, IP, process…, keyed by kind and name) it learns: the event
/// rate with hour-of-day and day-of-week seasonality; the time-decayed and the windowed mean
/// and variance of each numeric measure; the frequent values and the distinct count of each
/// categorical dimension. Each observation is scored against what was learned before it; the
/// score names each deviating measure with expected and observed values, a tail probability
/// and its surprisal, and the components are combined with Fisher's method.
///
/// A new entity with a peer group borrows the group's profile (measures, categories, hour of
/// day) until it has `min_history` events of its own. Entities beyond `max_entities` evict the
/// least recently seen (sampled LRU). States [`merge`](Self::merge) and
/// [`snapshot`](Self::snapshot) to bytes.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use vigil_baseline::{EntityBaselines, ProfileParams};
/// use vigil_core::{Baseline, EntityKind, Observation, ParamGuard};
///
/// let mut model = EntityBaselines::new(ProfileParams::default().check()?);
/// let t0 = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap();
/// for i in 0..200 {
///     let time = t0 + chrono::Duration::minutes(10 * i);
///     let obs = Observation {
///         categories: &[("alert_type", "ClamAV update")],
///         measures: &[("bytes_out", 2_000.0 + (i % 7) as f64)],
///         ..Observation::occurrence("mail", EntityKind::Host, time)
///     };
///     model.observe(&obs)?;
/// }
/// let time = t0 + chrono::Duration::minutes(2_005);
/// let odd = Observation {
///     categories: &[("alert_type", "webshell command")],
///     measures: &[("bytes_out", 9_000_000.0)],
///     ..Observation::occurrence("mail", EntityKind::Host, time)
/// };
/// let score = model.score(&odd)?;
/// assert!(score.surprisal > 20.0);
/// assert_eq!(score.deviations.len(), 2);
/// assert!(score.deviations.iter().any(|d| d.measure == "alert_type=webshell command"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct EntityBaselines {
    pub(crate) config: ProfileConfig,
    pub(crate) hasher: SeededState,
    pub(crate) entities: Store,
    pub(crate) groups: Store,
    pub(crate) measures: Names,
    pub(crate) dimensions: Names,
    pub(crate) tick: u32,
    /// Reciprocals and scales derived from the configuration, so that the hot path
    /// multiplies where it would divide, and the other constants scoring reads.
    k: Derived,
}

/// Quantities derived once from a [`ProfileConfig`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Derived {
    /// `1 / half_life_secs`.
    inv_hl: f64,
    /// `1 / burst_half_life_secs`.
    inv_hs: f64,
    /// The short memory's effective length, `burst_half_life_secs / ln 2` seconds.
    window: f64,
    /// `3600 / window`: events in the short window to events per hour.
    per_hour: f64,
    /// The long memory's longest effective history, `half_life_secs / ln 2` seconds.
    hl_eff: f64,
    /// `1 / window_secs`.
    inv_win: f64,
    /// Key of the category-value hash (derived from the seed).
    str_key: StrKey,
    /// `2^−report_bits`: a component with a smaller tail probability is reported.
    report_p: f64,
    /// `z²/2` of a measure whose Gaussian surprisal is `report_bits`.
    report_u: f64,
    /// `min_sd²`: the variance floor of a measure.
    var_floor: f64,
}

impl Derived {
    fn of(c: &ProfileConfig) -> Self {
        let window = c.burst_half_life_secs / LN_2;
        Self {
            inv_hl: 1.0 / c.half_life_secs,
            inv_hs: 1.0 / c.burst_half_life_secs,
            window,
            per_hour: 3_600.0 / window,
            hl_eff: c.half_life_secs / LN_2,
            inv_win: 1.0 / c.window_secs,
            str_key: StrKey::from_seed(c.seed),
            report_p: tail_from_bits(c.report_bits),
            report_u: {
                let z = normal_z_for_bits(c.report_bits);
                0.5 * z * z
            },
            var_floor: c.min_sd * c.min_sd,
        }
    }

    /// `⌊t / window_secs⌋` (the tumbling pane of `t`) by a multiplication, corrected to the
    /// exact floor; saturates like `f64 as i64`.
    #[inline]
    fn pane_of(&self, t: f64, win: f64) -> i64 {
        let q = t * self.inv_win;
        let mut p = q as i64;
        if (p as f64) > q {
            p -= 1;
        }
        if (p.saturating_add(1) as f64) * win <= t {
            p.saturating_add(1)
        } else if (p as f64) * win > t {
            p - 1
        } else {
            p
        }
    }
}

/// Seconds since the epoch, hour of day and day of week (Monday = 0) of an observation.
#[derive(Clone, Copy)]
pub(crate) struct When {
    t: f64,
    hour: usize,
    day: usize,
}

impl When {
    #[inline(always)]
    fn of(obs: &Observation<'_>, memo: &mut Memo<'_>) -> Self {
        use chrono::Timelike;
        // Hour and weekday straight from chrono's stored date and time of day (no Euclidean
        // divisions of the epoch seconds); the date's midnight and weekday once per date in a
        // batch (chrono's days-from-date conversion showed in the per-event profile).
        let naive = obs.time.naive_utc();
        let date = naive.date();
        let sod = naive.time().num_seconds_from_midnight();
        let (midnight, day) = match memo.day(date) {
            Some(known) => known,
            None => Self::new_day(date, obs.time.timestamp() - i64::from(sod), memo),
        };
        let secs = midnight + i64::from(sod);
        let t = secs as f64 + f64::from(obs.time.timestamp_subsec_nanos()) * 1e-9;
        let hour = (sod / 3_600) as usize;
        Self { t, hour, day }
    }

    /// `midnight` (epoch seconds) and the weekday of `date`, remembered in `memo`. Out of
    /// line: a batch meets a new date rarely, and chrono's date arithmetic was inlined into
    /// the per-event loop.
    #[cold]
    #[inline(never)]
    fn new_day(date: chrono::NaiveDate, midnight: i64, memo: &mut Memo<'_>) -> (i64, usize) {
        use chrono::Datelike;
        let day = date.weekday().num_days_from_monday() as usize;
        memo.set_day(date, midnight, day);
        (midnight, day)
    }
}

/// Categories scored per observation; further ones are ignored.
pub const MAX_CATEGORIES: usize = 16;

/// Measures and categories whose slot, transformed value and value hash are resolved once per
/// observation, before scoring (later ones are resolved where used).
pub(crate) const PREP: usize = 4;

/// Marks a name not registered.
pub(crate) const NO_ID: u16 = u16::MAX;

/// Everything derived from an observation before touching a profile.
#[derive(Clone, Copy)]
pub(crate) struct Prepared {
    when: When,
    /// The tumbling pane of `when`.
    pane: u32,
    /// Slots of the first [`PREP`] measure names ([`NO_ID`]: not registered).
    mids: [u16; PREP],
    /// Their transformed values.
    xts: [f64; PREP],
    /// Slots of the first [`PREP`] dimension names.
    dids: [u16; PREP],
    /// Seeded hashes of their values.
    hashes: [u64; PREP],
}

impl Prepared {
    /// Nothing prepared yet (`prepare_into` overwrites every field but the positions of
    /// `xts` and `hashes` past the observation's measures and categories, which nothing
    /// reads).
    pub(crate) fn empty() -> Self {
        Self {
            when: When {
                t: 0.0,
                hour: 0,
                day: 0,
            },
            pane: 0,
            mids: [NO_ID; PREP],
            xts: [0.0; PREP],
            dids: [NO_ID; PREP],
            hashes: [0; PREP],
        }
    }
}

/// One profile's row, read-only.
type RowRef<'r> = (&'r Core, &'r [MeasureSlot], &'r [CatSlot]);
/// One profile's row, to learn into.
type RowMut<'r> = (&'r mut Core, &'r mut [MeasureSlot], &'r mut [CatSlot]);

/// What scoring and learning read besides the profiles, borrowed field by field from the
/// model so that a profile row can be borrowed mutably alongside it (one view of the row
/// serves both scoring and learning).
#[derive(Clone, Copy)]
struct Ctx<'a> {
    config: &'a ProfileConfig,
    /// With the constants scoring reads (behind one pointer: held by value, they were
    /// spilled to the stack and reloaded in the per-event loop).
    k: &'a Derived,
    measures: &'a Names,
    dimensions: &'a Names,
}

/// Decay factors of one profile from its last event to now (`dt ≥ 0`), computed once and
/// shared by scoring and learning.
#[derive(Clone, Copy)]
struct Decay {
    dt: f64,
    long: f64,
    short: f64,
}

impl EntityBaselines {
    /// An empty model from checked parameters.
    pub fn new(config: ProfileConfig) -> Self {
        let (m, d) = (config.max_measures, config.max_dimensions);
        Self {
            hasher: SeededState::with_seed(config.seed),
            entities: Store::new(m, d, config.max_entities, config.seed ^ 0x01),
            groups: Store::new(m, d, config.max_groups, config.seed ^ 0x02),
            measures: Names::new("measures", m),
            dimensions: Names::new("dimensions", d),
            tick: 0,
            k: Derived::of(&config),
            config,
        }
    }

    /// The parameters this model was built with.
    pub fn config(&self) -> &ProfileConfig {
        &self.config
    }

    /// Peer groups currently profiled.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// The seeded fingerprint of an entity: the name's seeded hash, with the kind folded in
    /// (a bijection per kind, so distinct `(kind, name)` pairs collide only as their hashes
    /// do).
    #[inline(always)]
    #[allow(clippy::manual_hash_one)] // on purpose: see the comment in the body
    pub(crate) fn entity_key(&self, kind: EntityKind, entity: &str) -> u64 {
        // `hash_one` written out (its very body), so that it inlines into the batch loop:
        // called as `hash_one` it was sometimes compiled as a call of its own.
        let mut h = self.hasher.build_hasher();
        entity.hash(&mut h);
        h.finish() ^ kind_tag(kind)
    }

    pub(crate) fn group_key(&self, kind: EntityKind, group: &str) -> u64 {
        self.hasher.hash_one(group) ^ kind_tag(kind)
    }

    #[inline]
    pub(crate) fn category_hash(&self, value: &str) -> u64 {
        hash_str(self.k.str_key, value)
    }

    /// Checks every measure is finite, before any state changes.
    #[inline(always)]
    fn validate(obs: &Observation<'_>) -> Result<(), BaselineError> {
        // One test per measure on the hot path; the error, which names the measure, is built
        // out of line.
        // A fold, not `all`: no early exit, so no branch per measure.
        if obs
            .measures
            .iter()
            .fold(true, |ok, (_, v)| ok & v.is_finite())
        {
            Ok(())
        } else {
            Self::invalid(obs)
        }
    }

    /// The error of [`validate`](Self::validate) for the first non-finite measure.
    #[cold]
    #[inline(never)]
    fn invalid(obs: &Observation<'_>) -> Result<(), BaselineError> {
        for (name, v) in obs.measures {
            finite(name, *v)?;
        }
        Ok(())
    }

    /// The read-only context of scoring and learning.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            config: &self.config,
            k: &self.k,
            measures: &self.measures,
            dimensions: &self.dimensions,
        }
    }

    /// The read-only context and the two row stores, borrowed apart: scoring reads the first
    /// while learning writes a row of the others.
    #[inline(always)]
    fn split(&mut self) -> (Ctx<'_>, &mut Store, &mut Store) {
        let ctx = Ctx {
            config: &self.config,
            k: &self.k,
            measures: &self.measures,
            dimensions: &self.dimensions,
        };
        (ctx, &mut self.entities, &mut self.groups)
    }

    /// Scores an observation against the current state without learning.
    pub fn score_observation(&self, obs: &Observation<'_>) -> Result<AnomalyScore, BaselineError> {
        Self::validate(obs)?;
        let (mut mids, mut dids) = ([NO_ID; PREP], [NO_ID; PREP]);
        for (j, (slot, (name, _))) in mids.iter_mut().zip(obs.measures).enumerate() {
            *slot = self.measures.id(name, j).map_or(NO_ID, short_id);
        }
        for (j, (slot, (dim, _))) in dids.iter_mut().zip(obs.categories).enumerate() {
            *slot = self.dimensions.id(dim, j).map_or(NO_ID, short_id);
        }
        let ctx = self.ctx();
        let prep = ctx.prepare(obs, mids, dids, &mut Memo::new());
        let own = self.entities.find(self.entity_key(obs.kind, obs.entity));
        let group = obs
            .peer_group
            .and_then(|g| self.groups.find(self.group_key(obs.kind, g)));
        let own_row = own.and_then(|i| self.entities.row(i));
        let group_row = group.and_then(|i| self.groups.row(i));
        let mut tally = Tally::new();
        ctx.score(obs, &prep, self.reference(own_row, group_row), &mut tally);
        Ok(tally.finish(obs, &self.measures, self.config.transform))
    }

    /// Own history when there is enough of it; otherwise the peer group's.
    #[inline]
    fn reference<'r>(
        &self,
        own: Option<RowRef<'r>>,
        group: Option<RowRef<'r>>,
    ) -> Option<(RowRef<'r>, bool)> {
        let min = self.config.min_history;
        match (own, group) {
            (Some(r), _) if r.0.events >= min => Some((r, true)),
            (_, Some(g)) if g.0.events >= min => Some((g, false)),
            _ => None,
        }
    }

    /// Scores, then learns: the streaming step.
    pub fn observe_observation(
        &mut self,
        obs: &Observation<'_>,
    ) -> Result<AnomalyScore, BaselineError> {
        let key = self.entity_key(obs.kind, obs.entity);
        self.observe_keyed(obs, key, None)
    }

    /// [`observe_observation`](Self::observe_observation) with the entity key already
    /// computed, and optionally the profile slot it was found at (a hint: used only if that
    /// slot still holds `key`; a hint also means `observe_batch` already loaded the row).
    #[inline]
    pub(crate) fn observe_keyed(
        &mut self,
        obs: &Observation<'_>,
        key: u64,
        slot: Option<usize>,
    ) -> Result<AnomalyScore, BaselineError> {
        let prep = self.admit(obs, &mut Memo::new())?;
        let mut tally = Tally::new();
        self.observe_prepared(obs, &prep, key, slot, &mut tally);
        Ok(tally.finish(obs, &self.measures, self.config.transform))
    }

    /// Checks an observation and registers its names (so that an error leaves the profiles
    /// untouched), then prepares what scoring needs from the observation alone. `memo`
    /// holds what the observations before this one in the same call resolved.
    #[inline(always)]
    pub(crate) fn admit<'b>(
        &mut self,
        obs: &Observation<'b>,
        memo: &mut Memo<'b>,
    ) -> Result<Prepared, BaselineError> {
        // One observation: the names the long way (a memo of whole observations only pays
        // within a batch).
        let ids = self.resolve_names(obs, memo)?;
        Ok(self.ctx().prepare(obs, ids.0, ids.1, memo))
    }

    /// The checking and registering part of [`admit`](Self::admit): the slots of the
    /// observation's measure and dimension names. (A batch then prepares in place: moving a
    /// whole [`Prepared`] out through a `Result` cost a dozen stores and loads per event.)
    #[inline(always)]
    pub(crate) fn admit_names<'b>(
        &mut self,
        obs: &Observation<'b>,
        memo: &mut Memo<'b>,
    ) -> Result<([u16; PREP], [u16; PREP]), BaselineError> {
        match memo.shape.ids(obs.measures, obs.categories) {
            Some(ids) => Ok(ids),
            None => self.admit_names_long(obs, memo),
        }
    }

    /// [`admit_names`](Self::admit_names) when the observation's names are not those of the
    /// one before (or a measure is not finite): validates, resolves each name, and
    /// remembers them for the next observation. Out of line: a batch takes it about once
    /// per call, and inlined its code sat in the middle of the per-event loop.
    #[cold]
    #[inline(never)]
    fn admit_names_long<'b>(
        &mut self,
        obs: &Observation<'b>,
        memo: &mut Memo<'b>,
    ) -> Result<([u16; PREP], [u16; PREP]), BaselineError> {
        let ids = self.resolve_names(obs, memo)?;
        memo.shape.set(obs.measures, obs.categories, ids);
        Ok(ids)
    }

    /// Validates the observation's measures and resolves (registering if new) the slots of
    /// its names.
    #[inline(always)]
    fn resolve_names<'b>(
        &mut self,
        obs: &Observation<'b>,
        memo: &mut Memo<'b>,
    ) -> Result<([u16; PREP], [u16; PREP]), BaselineError> {
        Self::validate(obs)?;
        let mids = resolve(
            &mut self.measures,
            &mut memo.measures,
            obs.measures.iter().map(|(name, _)| *name),
        )?;
        let dids = resolve(
            &mut self.dimensions,
            &mut memo.dimensions,
            obs.categories.iter().map(|(dim, _)| *dim),
        )?;
        Ok((mids, dids))
    }

    /// [`admit`](Self::admit) after [`admit_names`](Self::admit_names), written into `prep`
    /// (a batch reuses one: built and returned by value, each field went through a temporary
    /// on the stack and was copied, reloaded as wide words right after narrow stores).
    #[inline(always)]
    pub(crate) fn prepare_into(
        &self,
        obs: &Observation<'_>,
        (mids, dids): ([u16; PREP], [u16; PREP]),
        memo: &mut Memo<'_>,
        prep: &mut Prepared,
    ) {
        self.ctx().prepare_into(obs, mids, dids, memo, prep);
    }

    /// Everything of the streaming step that reads or writes the profiles, in order: finds
    /// (or creates) the rows, scores against them into `tally`, learns. The tally is then
    /// finished by [`Tally::finish`], which needs nothing from the model but the transform.
    #[inline(always)]
    pub(crate) fn observe_prepared(
        &mut self,
        obs: &Observation<'_>,
        prep: &Prepared,
        key: u64,
        slot: Option<usize>,
        tally: &mut Tally,
    ) {
        // The common case: no peer group, the hinted row still holds the key, and this tick
        // does not renumber: one view of the row checks the key, scores and learns (the key
        // was read through a view of its own before). The same steps as below.
        if obs.peer_group.is_none()
            && let Some(i) = slot
            && self.tick.wrapping_add(1) != u32::MAX
        {
            let tick = self.tick.wrapping_add(1);
            let (ctx, entities, _) = self.split();
            if let Some(row) = entities.row_mut(i)
                && row.0.key == key
            {
                ctx.score_then_learn(row, obs, prep, tick, tally);
                self.tick = tick;
                return;
            }
        }
        let seed = self.config.seed;
        let samples = self.config.eviction_samples;
        // The eviction sampler's generator, made only where a row may be inserted (the hint
        // usually finds the row): from the seed and the tick, which do not change before
        // the group's lookup, so the group's draws continue the entity's as before.
        let tick = self.tick;
        let new_rng = || {
            vigil_core::SplitMix64::new(seed ^ u64::from(tick).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        };
        let mut rng = None;
        let own = match slot {
            Some(i) if self.entities.key_at(i) == Some(key) => Some(i),
            _ => self
                .entities
                .find_or_insert(key, rng.insert(new_rng()), samples),
        };
        let group = match obs.peer_group {
            Some(g) => {
                let key = self.group_key(obs.kind, g);
                self.groups
                    .find_or_insert(key, rng.get_or_insert_with(new_rng), samples)
            }
            None => None,
        };
        self.tick = self.tick.wrapping_add(1);
        if self.tick == u32::MAX {
            let a = self.entities.renumber_ticks();
            let b = self.groups.renumber_ticks();
            self.tick = a.max(b);
        }
        let tick = self.tick;
        if let Some(i) = own
            && slot.is_none()
        {
            // Load every cache line of the row now so that their misses overlap instead of
            // being taken one after another as scoring reaches each part.
            self.entities.touch(i);
        }
        if group.is_none() {
            // No peer group: one row, viewed once for scoring and for learning.
            let (ctx, entities, _) = self.split();
            if let Some(row) = own.and_then(|i| entities.row_mut(i)) {
                ctx.score_then_learn(row, obs, prep, tick, tally);
            }
            return;
        }
        let ctx = self.ctx();
        let own_row = own.and_then(|i| self.entities.row(i));
        let group_row = group.and_then(|i| self.groups.row(i));
        let reference = self.reference(own_row, group_row);
        let is_own = reference.is_some_and(|r| r.1);
        let d = ctx.score(obs, prep, reference, tally);
        let (d_own, d_group) = if is_own { (d, None) } else { (None, d) };
        let (ctx, entities, groups) = self.split();
        if let Some(row) = own.and_then(|i| entities.row_mut(i)) {
            ctx.learn(row, obs, prep, tick, d_own);
        }
        if let Some(row) = group.and_then(|i| groups.row_mut(i)) {
            ctx.learn(row, obs, prep, tick, d_group);
        }
    }
}

/// A name's slot as stored in [`Prepared`] (limits are far below `u16::MAX`).
#[inline]
fn short_id(id: usize) -> u16 {
    u16::try_from(id).unwrap_or(NO_ID)
}

/// Distinguishes entity kinds in [`EntityBaselines::entity_key`].
#[inline]
fn kind_tag(kind: EntityKind) -> u64 {
    (kind as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The 32-bit table fingerprint of a category hash (never 0, which marks an empty slot).
#[inline]
pub(crate) fn fingerprint(h: u64) -> u32 {
    ((h >> 32) as u32).max(1)
}

impl Baseline for EntityBaselines {
    fn observe(&mut self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        self.observe_observation(obs).map_err(CoreError::from)
    }

    fn score(&self, obs: &Observation<'_>) -> Result<AnomalyScore, CoreError> {
        self.score_observation(obs).map_err(CoreError::from)
    }

    fn entities(&self) -> usize {
        self.entities.len()
    }

    fn memory_bytes(&self) -> usize {
        self.entities.memory_bytes()
            + self.groups.memory_bytes()
            + self.measures.memory_bytes()
            + self.dimensions.memory_bytes()
            + std::mem::size_of::<Self>()
    }
}

/// The slot of each of an observation's names (measures, or dimensions), by position: from
/// the batch's memo when the same string was resolved before in this call, else looked up
/// (registered if new) and remembered.
#[inline(always)]
fn resolve<'b>(
    names: &mut Names,
    memo: &mut NameMemo<'b>,
    of_obs: impl Iterator<Item = &'b str>,
) -> Result<[u16; PREP], BaselineError> {
    let mut ids = [NO_ID; PREP];
    for (i, name) in of_obs.enumerate() {
        let id = match memo.get(i, name) {
            Some(id) => id,
            None => {
                let id = match names.id(name, i) {
                    Some(id) => id,
                    None => names.id_or_insert(name, i)?,
                };
                memo.set(i, name, short_id(id));
                short_id(id)
            }
        };
        if let Some(slot) = ids.get_mut(i) {
            *slot = id;
        }
    }
    Ok(ids)
}

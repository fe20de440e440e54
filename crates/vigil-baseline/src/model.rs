//! [`EntityBaselines`]: streaming per-entity profiles behind [`vigil_core::Baseline`].

use std::f64::consts::LN_2;
use std::hash::{BuildHasher, Hash, Hasher};

use vigil_core::{
    AnomalyScore, Baseline, CoreError, Deviation, Deviations, EntityKind, MeasureName, Observation,
    SeededState,
};

use crate::BaselineError;
use crate::error::finite;
use crate::fastmath;
use crate::memo::{Memo, NameMemo};
use crate::names::Names;
use crate::params::ProfileConfig;
use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::stats::Scan;
use crate::store::Store;
use crate::strhash::{StrKey, hash_str};
use crate::tail::{
    MAX_SURPRISAL, bits_from_ln_tail, fisher_combined, normal_z_for_bits, poisson_upper_surprisal,
    tail_from_bits,
};

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
        use chrono::{Datelike, Timelike};
        // Hour and weekday straight from chrono's stored date and time of day (no Euclidean
        // divisions of the epoch seconds); the date's midnight and weekday once per date in a
        // batch (chrono's days-from-date conversion showed in the per-event profile).
        let naive = obs.time.naive_utc();
        let date = naive.date();
        let sod = naive.time().num_seconds_from_midnight();
        let (midnight, day) = match memo.day(date) {
            Some(known) => known,
            None => {
                let midnight = obs.time.timestamp() - i64::from(sod);
                let day = date.weekday().num_days_from_monday() as usize;
                memo.set_day(date, midnight, day);
                (midnight, day)
            }
        };
        let secs = midnight + i64::from(sod);
        let t = secs as f64 + f64::from(obs.time.timestamp_subsec_nanos()) * 1e-9;
        let hour = (sod / 3_600) as usize;
        Self { t, hour, day }
    }
}

/// One scored component kept for reporting (at most `MAX_REPORTED` per observation).
#[derive(Clone, Copy)]
enum Which {
    Rate,
    Hour,
    /// A measure, by its registered slot (which names it).
    Measure(usize),
    /// A category, by its position in the observation.
    Category(usize),
}

#[derive(Clone, Copy)]
struct Component {
    which: Which,
    expected: f64,
    observed: f64,
    /// The component's tail probability is `num / den · e^{ln_extra}` (see [`Tally`]).
    num: f64,
    den: f64,
    ln_extra: f64,
}

impl Component {
    /// Surprisal in bits: computed only for reported components.
    fn bits(&self) -> f64 {
        bits_from_ln_tail(fastmath::ln(self.num / self.den) + self.ln_extra)
    }
}

const MAX_REPORTED: usize = 8;

/// `dimension=value` as a [`MeasureName`], with one allocation (the shared text): joined on
/// the stack when short, as nearly every name is, instead of in a `String` copied again.
fn category_name(dimension: &str, value: &str) -> MeasureName {
    let mut buf = [0u8; 128];
    let n = dimension.len() + 1 + value.len();
    if let Some(out) = buf.get_mut(..n) {
        let Some((d, rest)) = out.split_at_mut_checked(dimension.len()) else {
            return MeasureName::from(format!("{dimension}={value}"));
        };
        d.copy_from_slice(dimension.as_bytes());
        if let Some((eq, v)) = rest.split_first_mut() {
            *eq = b'=';
            v.copy_from_slice(value.as_bytes());
        }
        // Two `str`s and an ASCII byte are valid UTF-8, so this always succeeds.
        if let Ok(s) = std::str::from_utf8(out) {
            return MeasureName::from(s);
        }
    }
    MeasureName::from(format!("{dimension}={value}"))
}

/// The name of the rate component in a [`Deviation`].
const RATE: MeasureName = MeasureName::from_static("rate");
/// The name of the hour-of-day component in a [`Deviation`].
const HOUR_OF_DAY: MeasureName = MeasureName::from_static("hour_of_day");

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
    /// Nothing prepared yet (every field is overwritten by `prepare_into`).
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

/// Components of one observation's score, on the stack.
///
/// Each component's tail probability arrives as a ratio `num / den` and, for those whose tail
/// is naturally in log form (Gaussian, Poisson), a natural-log term. Numerators and
/// denominators multiply and the log terms add, so the whole observation costs one logarithm
/// and one division (for the product) instead of one of each per component; a component's
/// own surprisal is computed only when it is reported, and whether it is reported is decided
/// without a logarithm or a division (`num` against `2^−report_bits · den`, or `|z|` against
/// the z-score of `report_bits`).
pub(crate) struct Tally {
    prod: f64,
    den: f64,
    ln_sum: f64,
    scored: usize,
    /// The first two components to report, inline (an allocation per reporting observation
    /// showed in the per-event time: a tenth of the bench's events report one).
    kept: [Option<Component>; 2],
    /// Further components to report (allocated only then).
    more: Vec<Component>,
}

/// Below this (or a denominator product above its inverse) the products are folded into the
/// log sum, so they never underflow or overflow.
const PROD_FLOOR: f64 = 1e-200;
const DEN_CEIL: f64 = 1e200;

impl Tally {
    pub(crate) fn new() -> Self {
        Self {
            prod: 1.0,
            den: 1.0,
            ln_sum: 0.0,
            scored: 0,
            kept: [None; 2],
            more: Vec::new(),
        }
    }

    /// Adds one component with tail probability `num / den · e^{ln_extra}` (`den ≥ 1`;
    /// `num` is clamped to `[0, den]`), kept for reporting when `report`.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        which: Which,
        expected: f64,
        observed: f64,
        num: f64,
        den: f64,
        ln_extra: f64,
        report: bool,
    ) {
        // `max`/`min`, not `clamp`: no panic path even for a NaN bound.
        let num = fastmath::min(fastmath::max(num, 0.0), den);
        self.prod *= num;
        self.den *= den;
        self.ln_sum += ln_extra;
        self.scored += 1;
        if self.prod < PROD_FLOOR || self.den > DEN_CEIL {
            self.fold();
        }
        if report {
            self.keep(Component {
                which,
                expected,
                observed,
                num,
                den,
                ln_extra,
            });
        }
    }

    /// Adds a component whose tail probability is `e^{ln_extra}` alone (`num = den = 1`:
    /// the product is unchanged, so it needs no underflow check).
    #[inline]
    fn add_ln(&mut self, which: Which, expected: f64, observed: f64, ln_extra: f64, report: bool) {
        self.ln_sum += ln_extra;
        self.scored += 1;
        if report {
            self.keep(Component {
                which,
                expected,
                observed,
                num: 1.0,
                den: 1.0,
                ln_extra,
            });
        }
    }

    /// Adds a component of tail probability 1 (0 bits) that is not reported.
    #[inline]
    fn add_unit(&mut self) {
        self.scored += 1;
    }

    #[cold]
    fn keep(&mut self, c: Component) {
        if let Some(slot) = self.kept.iter_mut().find(|k| k.is_none()) {
            *slot = Some(c);
        } else if self.more.len() + 2 < MAX_REPORTED {
            self.more.push(c);
        }
    }

    #[cold]
    fn fold(&mut self) {
        if self.prod > 0.0 {
            self.ln_sum += fastmath::ln(self.prod) - fastmath::ln(self.den);
        } else {
            self.ln_sum = self.ln_sum.min(0.0) - MAX_SURPRISAL;
        }
        self.prod = 1.0;
        self.den = 1.0;
    }

    /// Total surprisal of the components, nats: `−ln P` with `P = prod/den · e^{ln_sum}`
    /// (`prod > 0` here: a zero product was folded). One division and one logarithm: a batch
    /// runs this over a whole chunk, where the latency of the division overlaps.
    #[inline(always)]
    pub(crate) fn total_nats(&self) -> f64 {
        -(self.ln_sum + fastmath::ln(self.prod / self.den))
    }

    /// The score of one observation on its own (a batch runs the same two steps, each over
    /// a whole chunk, so that the chunk's logarithm/exponential chains overlap).
    #[inline]
    pub(crate) fn finish(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
    ) -> AnomalyScore {
        let combined = self.combined();
        self.score(obs, measures, transform, combined)
    }

    /// What [`total_nats`](Self::total_nats) and [`combined`](Self::combined) are computed
    /// from: `(ln_sum, prod, den, components)`.
    #[inline(always)]
    pub(crate) fn parts(&self) -> (f64, f64, f64, usize) {
        (self.ln_sum, self.prod, self.den, self.scored)
    }

    /// Fisher's combination of the components: `(surprisal, tail probability)`.
    #[inline(always)]
    pub(crate) fn combined(&self) -> (f64, f64) {
        fisher_combined(self.total_nats(), self.scored)
    }

    /// The score from [`combined`](Self::combined), with the deviations of the reported
    /// components (taken out of the tally). `measures` names the measures.
    #[inline]
    pub(crate) fn score(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
    ) -> AnomalyScore {
        if self.kept.iter().all(Option::is_none) {
            return AnomalyScore {
                surprisal,
                tail_probability,
                deviations: Deviations::new(),
            };
        }
        self.reported(obs, measures, transform, (surprisal, tail_probability))
    }

    /// [`score`](Self::score), appended to `out`. The common score (nothing reported) is
    /// written straight into `out`, and a reported one is pushed by the out-of-line path:
    /// with one `push` of the value either path returns, the score was built on the stack
    /// and copied, 128 bytes reloaded right after their narrow stores.
    #[inline(always)]
    pub(crate) fn push_score(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
        out: &mut Vec<AnomalyScore>,
    ) {
        if self.kept.iter().all(Option::is_none) {
            out.push(AnomalyScore {
                surprisal,
                tail_probability,
                deviations: Deviations::new(),
            });
        } else {
            self.push_reported(obs, measures, transform, (surprisal, tail_probability), out);
        }
    }

    /// [`push_score`](Self::push_score) when some component is reported.
    #[inline(never)]
    fn push_reported(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        combined: (f64, f64),
        out: &mut Vec<AnomalyScore>,
    ) {
        out.push(self.reported_inline(obs, measures, transform, combined));
    }

    /// [`score`](Self::score) when some component is reported (out of line: most
    /// observations report none).
    #[cold]
    #[inline(never)]
    fn reported(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        combined: (f64, f64),
    ) -> AnomalyScore {
        self.reported_inline(obs, measures, transform, combined)
    }

    /// The body of [`reported`](Self::reported), inlined into the callers that are already
    /// out of line (the score is then built where it is pushed).
    #[inline(always)]
    fn reported_inline(
        &mut self,
        obs: &Observation<'_>,
        measures: &Names,
        transform: crate::Transform,
        (surprisal, tail_probability): (f64, f64),
    ) -> AnomalyScore {
        // Up to two deviations are held inline: most reporting events report one.
        let mut deviations = Deviations::new();
        for c in self.kept.iter().flatten().chain(&self.more) {
            // Fixed and registered names are shared, not copied: a tenth of the bench's
            // events report a deviation, and the allocation showed in the per-event time.
            let measure = match c.which {
                Which::Rate => RATE,
                Which::Hour => HOUR_OF_DAY,
                Which::Measure(id) => measures.names.get(id).cloned().unwrap_or_default(),
                Which::Category(j) => obs
                    .categories
                    .get(j)
                    .map_or_else(MeasureName::default, |(d, v)| category_name(d, v)),
            };
            // Measures keep their mean on the transformed scale until reported.
            let expected = match c.which {
                Which::Measure(_) => crate::params::inverse(transform, c.expected),
                _ => c.expected,
            };
            let bits = c.bits();
            deviations.push(Deviation {
                measure,
                expected,
                observed: c.observed,
                tail_probability: tail_from_bits(bits),
                surprisal: bits,
            });
        }
        deviations.sort_by(|a, b| b.surprisal.total_cmp(&a.surprisal));
        AnomalyScore {
            surprisal,
            tail_probability,
            deviations,
        }
    }
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
        let (mids, dids) = self.admit_names(obs, memo)?;
        Ok(self.ctx().prepare(obs, mids, dids, memo))
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

impl Ctx<'_> {
    /// Scores against the entity's own row (once it has `min_history` events), then learns
    /// the observation into it, reusing the decay factors scoring computed.
    #[inline(always)]
    fn score_then_learn(
        &self,
        (core, ms, cs): RowMut<'_>,
        obs: &Observation<'_>,
        prep: &Prepared,
        tick: u32,
        tally: &mut Tally,
    ) {
        let reference =
            (core.events >= self.config.min_history).then_some(((&*core, &*ms, &*cs), true));
        let d = self.score(obs, prep, reference, tally);
        self.learn((core, ms, cs), obs, prep, tick, d);
    }

    /// Resolves what the first [`PREP`] measures and categories need (their slots `mids`,
    /// `dids` already found).
    #[inline(always)]
    fn prepare(
        &self,
        obs: &Observation<'_>,
        mids: [u16; PREP],
        dids: [u16; PREP],
        memo: &mut Memo<'_>,
    ) -> Prepared {
        let mut prep = Prepared::empty();
        self.prepare_into(obs, mids, dids, memo, &mut prep);
        prep
    }

    /// [`prepare`](Self::prepare), written into `prep` (every field is overwritten).
    #[inline(always)]
    fn prepare_into(
        &self,
        obs: &Observation<'_>,
        mids: [u16; PREP],
        dids: [u16; PREP],
        memo: &mut Memo<'_>,
        prep: &mut Prepared,
    ) {
        let when = When::of(obs, memo);
        let pane = match memo.pane(when.t) {
            Some(p) => p,
            None => {
                let win = self.config.window_secs;
                let p = self.k.pane_of(when.t, win);
                memo.set_pane(p as f64 * win, p.saturating_add(1) as f64 * win, p as u32);
                p as u32
            }
        };
        let tr = self.config.transform;
        prep.xts = [0.0; PREP];
        for (o, (_, x)) in prep.xts.iter_mut().zip(obs.measures.iter()) {
            *o = tr.apply(*x);
        }
        prep.hashes = [0; PREP];
        for (h, (_, v)) in prep.hashes.iter_mut().zip(obs.categories.iter()) {
            *h = hash_str(self.k.str_key, v);
        }
        prep.when = when;
        prep.pane = pane;
        prep.mids = mids;
        prep.dids = dids;
    }

    /// Slot and transformed value of measure `j` of the observation, if its name is
    /// registered.
    #[inline(always)]
    fn measure(&self, prep: &Prepared, j: usize, name: &str, x: f64) -> Option<(usize, f64)> {
        match (prep.mids.get(j), prep.xts.get(j)) {
            (Some(&NO_ID), _) => None,
            (Some(&id), Some(&xt)) => Some((usize::from(id), xt)),
            _ => self
                .measures
                .id(name, j)
                .map(|id| (id, self.config.transform.apply(x))),
        }
    }

    /// Slot and value hash of category `j` of the observation, if its dimension is
    /// registered (none beyond [`MAX_CATEGORIES`]).
    #[inline(always)]
    fn category(&self, prep: &Prepared, j: usize, dim: &str, v: &str) -> Option<(usize, u64)> {
        match (prep.dids.get(j), prep.hashes.get(j)) {
            (Some(&NO_ID), _) => None,
            (Some(&id), Some(&h)) => Some((usize::from(id), h)),
            _ if j < MAX_CATEGORIES => self
                .dimensions
                .id(dim, j)
                .map(|id| (id, hash_str(self.k.str_key, v))),
            _ => None,
        }
    }

    /// Decay factors of a profile from its last event to `t` (clamped at `dt = 0`).
    #[inline(always)]
    fn decay_of(&self, core: &Core, t: f64) -> Decay {
        let dt = fastmath::max(t - core.last_time, 0.0);
        let short = -dt * self.k.inv_hs;
        // Both exponentials as one two-lane computation (the same bits as two calls).
        let [long, short_e] = fastmath::exp2_pair(-dt * self.k.inv_hl, fastmath::max(short, -64.0));
        Decay {
            dt,
            long,
            // Past 64 half-lives the short memory holds under 2^-64 of its count: taken as
            // empty. The `exp2` is computed either way (of at least −64, so in its fast range)
            // and zeroed by a multiplication: skipping it behind a branch saved instructions
            // but the branch went either way about half the time, at random (gaps between an
            // entity's events straddle 64 short half-lives), and its mispredictions cost more.
            // Same bits as the branch: `e·1 = e` and `e·0 = 0` for the finite `e > 0`.
            short: short_e * f64::from(u8::from(short >= -64.0)),
        }
    }

    /// Scores against `reference` (`true`: the entity's own profile, which also scores the
    /// rate); returns the tally and the decay factors computed for the reference so that
    /// learning need not compute them again.
    #[inline(always)]
    fn score(
        &self,
        obs: &Observation<'_>,
        prep: &Prepared,
        reference: Option<(RowRef<'_>, bool)>,
        tally: &mut Tally,
    ) -> Option<Decay> {
        let ((core, ms, cs), is_own) = reference?;
        let when = prep.when;
        let d = self.decay_of(core, when.t);
        let scan = core.seasonal.scan(when.hour, when.day);
        if is_own {
            self.score_rate(core, &scan, when, d, tally);
        }
        self.score_hour(&scan, &core.seasonal, tally);
        self.score_measures(obs, ms, prep, tally);
        self.score_categories(obs, cs, d.long, prep, tally);
        Some(d)
    }

    /// Rate against the seasonal expectation: the other events in the short memory (this
    /// one excluded) against a Poisson with the long-run rate scaled by this hour's and day's
    /// share. Given that an event happens now, the other events of a Poisson process in the
    /// window are Poisson with the same mean (Palm calculus), so this tail is calibrated: a
    /// sparse entity's lone event scores 0 bits, a burst scores high. Activity at a time this
    /// entity is usually quiet is the `hour_of_day` component's job. Nothing to compute unless
    /// the recent count exceeds its expectation.
    #[inline(always)]
    fn score_rate(&self, core: &Core, scan: &Scan, when: When, d: Decay, tally: &mut Tally) {
        let hs = self.config.burst_half_life_secs;
        let Derived {
            inv_hl,
            window,
            per_hour,
            hl_eff,
            ..
        } = *self.k;
        let k = f64::from(core.burst) * d.short;
        let age = fastmath::max(when.t - core.first_time, hs);
        // Expected events in the window per second of effective history; the effective
        // history `t_eff = h/ln2 · (1 − 2^{−age/h})` is at most `min(age, h/ln2)`, which
        // bounds the expectation from below without an `exp2`: when even that bound is not
        // exceeded (most events) the component is 0 bits and nothing more is computed. The
        // test multiplies out the seasonal factor's and the bound's denominators.
        let (f_num, f_den) = scan.factor_parts();
        let per_sec_num = f64::from(core.weight) * d.long * f_num * window;
        if k * fastmath::min(age, hl_eff) * f_den <= per_sec_num && self.config.report_bits > 0.0 {
            tally.add_unit();
            return;
        }
        // The exact expectation (the bound was exceeded): one division.
        let t_eff = hl_eff * (1.0 - fastmath::exp2(-age * inv_hl));
        let lambda = if t_eff > 0.0 {
            per_sec_num / (f_den * t_eff)
        } else {
            0.0
        };
        let bits = if k > lambda {
            poisson_upper_surprisal(k, lambda)
        } else {
            0.0
        };
        tally.add_ln(
            Which::Rate,
            (lambda + 1.0) * per_hour,
            (k + 1.0) * per_hour,
            -bits * LN_2,
            bits >= self.config.report_bits,
        );
    }

    /// Hour of day: how rare an hour this is for the profile, given that an event happened.
    #[inline(always)]
    fn score_hour(&self, scan: &Scan, seasonal: &crate::stats::Seasonal, tally: &mut Tally) {
        let (num, den) = scan.hour_tail_parts();
        let report = num <= self.k.report_p * den;
        // `Σ p²` (the expected share) and this hour's share only when reported.
        let (expected, observed) = if report {
            (seasonal.hour_expected(), scan.hour_share())
        } else {
            (0.0, 0.0)
        };
        tally.add(Which::Hour, expected, observed, num, den, 0.0, report);
    }

    #[inline(always)]
    fn score_measures(
        &self,
        obs: &Observation<'_>,
        ms: &[MeasureSlot],
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        let floor = self.config.min_sd * self.config.min_sd;
        for (j, (name, x)) in obs.measures.iter().enumerate() {
            let Some((id, slot, xt)) = self
                .measure(prep, j, name, *x)
                .and_then(|(id, xt)| Some((id, ms.get(id)?, xt)))
            else {
                continue;
            };
            let ew = &slot.ew;
            if ew.weight <= 0.0 {
                continue;
            }
            // One pseudo-observation of unit variance keeps a measure seen once from
            // calling every other value impossible.
            // var = (M2 + 1)/(W + 1) + floor, and u = z²/2 = d²/(2 var), with one division
            // and no square root (the tail comes from `u`: see `crate::gauss`).
            let w1 = ew.weight + 1.0;
            let d = xt - ew.mean;
            let u = (0.5 * d * d) * (w1 / (ew.m2 + 1.0 + floor * w1));
            let ln_p = crate::gauss::ln_two_sided_tail(u);
            let report = u >= self.k.report_u;
            tally.add_ln(Which::Measure(id), ew.mean, *x, ln_p, report);
        }
    }

    #[inline(always)]
    fn score_categories(
        &self,
        obs: &Observation<'_>,
        cs: &[CatSlot],
        decay: f64,
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        for (j, (dim, v)) in obs.categories.iter().enumerate() {
            let Some((slot, h)) = self
                .category(prep, j, dim, v)
                .and_then(|(id, h)| Some((cs.get(id)?, h)))
            else {
                continue;
            };
            if slot.top.total <= 0.0 {
                continue;
            }
            let key = fingerprint(h);
            let (num, den) = slot.top.tail_parts(key, decay);
            let report = num <= self.k.report_p * den;
            // Expected and observed frequencies only when reported.
            let (expected, observed) = if report {
                let r = slot.top.rarity(key, decay);
                (r.expected, r.observed)
            } else {
                (0.0, 0.0)
            };
            tally.add(
                Which::Category(j),
                expected,
                observed,
                num,
                den,
                0.0,
                report,
            );
        }
    }

    /// Folds one observation into a profile (own or group). `known` are the decay factors
    /// already computed for this profile while scoring (if it was the reference).
    #[inline(always)]
    fn learn(
        &self,
        (core, ms, cs): RowMut<'_>,
        obs: &Observation<'_>,
        prep: &Prepared,
        tick: u32,
        known: Option<Decay>,
    ) {
        let Derived { inv_hl, inv_hs, .. } = *self.k;
        let when = prep.when;
        let pane = prep.pane;
        if core.events == 0 {
            core.first_time = when.t;
            core.last_time = when.t;
            core.pane = pane;
        }
        let dt = when.t - core.last_time;
        // `decay`: the factor the long-memory state is decayed by (1 = none); `w_long`,
        // `w_short`: the weights of this event.
        let (decay, w_long, w_short) = if dt >= 0.0 {
            // Scoring computed these factors from the same `last_time` (dt clamped at 0,
            // equal here since dt ≥ 0).
            let (a, b) = match known {
                Some(d) if d.dt == dt => (d.long, d.short),
                _ => (fastmath::exp2(-dt * inv_hl), fastmath::exp2(-dt * inv_hs)),
            };
            core.burst *= b as f32;
            core.last_time = when.t;
            (a, 1.0, 1.0)
        } else {
            // A late event: weigh it as already decayed instead of decaying the state.
            (
                1.0,
                fastmath::exp2(dt * inv_hl),
                fastmath::exp2(dt * inv_hs),
            )
        };
        let steps = pane.wrapping_sub(core.pane);
        let advance = steps > 0 && steps < u32::MAX / 2;
        if advance {
            core.pane = pane;
        }
        core.first_time = fastmath::min(core.first_time, when.t);
        core.weight = core.weight * decay as f32 + w_long as f32;
        core.burst += w_short as f32;
        core.seasonal.record(when.hour, when.day);
        core.events = core.events.saturating_add(1);
        core.tick = tick;
        // One pass over the measure slots (decay, window step) and one over the dimension
        // slots; then the observation's values go into their slots.
        if decay < 1.0 || advance {
            for m in ms.iter_mut() {
                m.ew.decay(decay);
                if advance {
                    m.window.advance(steps);
                }
            }
        }
        if decay < 1.0 {
            let f = decay as f32;
            for c in cs.iter_mut() {
                c.top.decay(f);
            }
        }
        for (j, (name, x)) in obs.measures.iter().enumerate() {
            if let Some((slot, xt)) = self
                .measure(prep, j, name, *x)
                .and_then(|(id, xt)| Some((ms.get_mut(id)?, xt)))
            {
                slot.ew.push(xt, w_long);
                slot.window.push(xt as f32);
            }
        }
        for (j, (dim, v)) in obs.categories.iter().enumerate() {
            if let Some((slot, h)) = self
                .category(prep, j, dim, v)
                .and_then(|(id, h)| Some((cs.get_mut(id)?, h)))
            {
                // A value the summary already keeps was inserted into the distinct-count
                // sketch when it entered the summary (or merged in with its sketch), and
                // inserting a hash again changes nothing: the sketch is updated only for
                // values not kept (most events repeat a kept value). Exact unless two
                // values share the 32-bit fingerprint.
                if !slot.top.push(fingerprint(h), w_long as f32) {
                    slot.distinct.insert(h);
                }
            }
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

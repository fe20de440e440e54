//! Scoring an observation against a profile: rate, hour of day, measures, categories.

use std::f64::consts::LN_2;

use vigil_core::Observation;

use super::tally::{Tally, Which};
use super::{
    Ctx, Decay, Derived, MAX_CATEGORIES, NO_ID, PREP, Prepared, RowRef, When, fingerprint,
};
use crate::fastmath;
use crate::memo::Memo;
use crate::params::{Transform, signed_log_with};
use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::stats::Scan;
use crate::strhash::hash_str;
use crate::tail::poisson_upper_surprisal;

impl Ctx<'_> {
    /// Resolves what the first [`PREP`] measures and categories need (their slots `mids`,
    /// `dids` already found).
    #[inline(always)]
    pub(super) fn prepare(
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
    pub(super) fn prepare_into(
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
        // Only the observation's own positions are written (and read: every reader zips
        // with its measures or categories); the rest keep the previous event's values.
        // The transform chosen once per observation, not per value.
        match self.config.transform {
            Transform::SignedLog => {
                for (o, (_, x)) in prep.xts.iter_mut().zip(obs.measures.iter()) {
                    *o = signed_log_with(memo.ln1p, *x);
                }
            }
            tr => {
                for (o, (_, x)) in prep.xts.iter_mut().zip(obs.measures.iter()) {
                    *o = tr.apply(*x);
                }
            }
        }
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
    pub(super) fn measure(
        &self,
        prep: &Prepared,
        j: usize,
        name: &str,
        x: f64,
    ) -> Option<(usize, f64)> {
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
    pub(super) fn category(
        &self,
        prep: &Prepared,
        j: usize,
        dim: &str,
        v: &str,
    ) -> Option<(usize, u64)> {
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
    pub(super) fn decay_of(&self, core: &Core, t: f64) -> Decay {
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
    pub(super) fn score(
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
    pub(super) fn score_rate(
        &self,
        core: &Core,
        scan: &Scan,
        when: When,
        d: Decay,
        tally: &mut Tally,
    ) {
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
    pub(super) fn score_hour(
        &self,
        scan: &Scan,
        seasonal: &crate::stats::Seasonal,
        tally: &mut Tally,
    ) {
        let (num, den) = scan.hour_tail_parts();
        let report = num <= self.k.report_p * den;
        // `Σ p²` (the expected share) and this hour's share only when reported.
        let (expected, observed) = if report {
            (seasonal.hour_expected(), scan.hour_share())
        } else {
            (0.0, 0.0)
        };
        tally.add(Which::Hour, expected, observed, num, den, report);
    }

    #[inline(always)]
    pub(super) fn score_measures(
        &self,
        obs: &Observation<'_>,
        ms: &[MeasureSlot],
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        // The first `PREP` measures straight from their prepared slots and values (no
        // position checks per measure); any further ones by name, after them, in order.
        for ((&id, &xt), (_, x)) in prep.mids.iter().zip(&prep.xts).zip(obs.measures) {
            if id == NO_ID {
                continue;
            }
            let id = usize::from(id);
            if let Some(slot) = ms.get(id) {
                self.score_measure(slot, id, xt, x, tally);
            }
        }
        if obs.measures.len() > PREP {
            self.score_measures_past(obs, ms, prep, tally);
        }
    }

    /// The measures past the first [`PREP`], by name (out of line: rare, and inline its
    /// loop cost instructions on every event).
    #[cold]
    #[inline(never)]
    fn score_measures_past(
        &self,
        obs: &Observation<'_>,
        ms: &[MeasureSlot],
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        for (j, (name, x)) in obs.measures.iter().enumerate().skip(PREP) {
            if let Some((id, slot, xt)) = self
                .measure(prep, j, name, *x)
                .and_then(|(id, xt)| Some((id, ms.get(id)?, xt)))
            {
                self.score_measure(slot, id, xt, x, tally);
            }
        }
    }

    /// One measure's component: its transformed value `xt` (raw `x`) against slot `id`.
    #[inline(always)]
    fn score_measure(&self, slot: &MeasureSlot, id: usize, xt: f64, x: &f64, tally: &mut Tally) {
        let ew = &slot.ew;
        if ew.weight <= 0.0 {
            return;
        }
        // One pseudo-observation of unit variance keeps a measure seen once from
        // calling every other value impossible.
        // var = (M2 + 1)/(W + 1) + floor, and u = z²/2 = d²/(2 var), with one division
        // and no square root (the tail comes from `u`: see `crate::gauss`).
        let w1 = ew.weight + 1.0;
        let d = xt - ew.mean;
        let u = (0.5 * d * d) * (w1 / (ew.m2 + 1.0 + self.k.var_floor * w1));
        let ln_p = crate::gauss::ln_two_sided_tail(u);
        let report = u >= self.k.report_u;
        // The raw value is read only when reported (`add_ln` keeps it only then): passed by
        // reference, its load moves into that rare branch.
        tally.add_ln(Which::Measure(id), ew.mean, *x, ln_p, report);
    }

    #[inline(always)]
    pub(super) fn score_categories(
        &self,
        obs: &Observation<'_>,
        cs: &[CatSlot],
        decay: f64,
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        // As in `score_measures`: the first `PREP` from their prepared slots and hashes.
        for (j, ((&id, &h), _)) in prep
            .dids
            .iter()
            .zip(&prep.hashes)
            .zip(obs.categories)
            .enumerate()
        {
            if id == NO_ID {
                continue;
            }
            if let Some(slot) = cs.get(usize::from(id)) {
                self.score_category(slot, j, h, decay, tally);
            }
        }
        if obs.categories.len() > PREP {
            self.score_categories_past(obs, cs, decay, prep, tally);
        }
    }

    /// The categories past the first [`PREP`], by name (out of line: rare).
    #[cold]
    #[inline(never)]
    fn score_categories_past(
        &self,
        obs: &Observation<'_>,
        cs: &[CatSlot],
        decay: f64,
        prep: &Prepared,
        tally: &mut Tally,
    ) {
        for (j, (dim, v)) in obs.categories.iter().enumerate().skip(PREP) {
            if let Some((slot, h)) = self
                .category(prep, j, dim, v)
                .and_then(|(id, h)| Some((cs.get(id)?, h)))
            {
                self.score_category(slot, j, h, decay, tally);
            }
        }
    }

    /// Category `j`'s component: its value hash `h` against its slot.
    #[inline(always)]
    fn score_category(&self, slot: &CatSlot, j: usize, h: u64, decay: f64, tally: &mut Tally) {
        if slot.top.total <= 0.0 {
            return;
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
        tally.add(Which::Category(j), expected, observed, num, den, report);
    }
}

//! Learning an observation into a profile (own or peer group).

use vigil_core::Observation;

use super::tally::Tally;
use super::{Ctx, Decay, Derived, NO_ID, PREP, Prepared, RowMut, fingerprint};
use crate::fastmath;
use crate::profile::{CatSlot, MeasureSlot};

impl Ctx<'_> {
    /// Scores against the entity's own row (once it has `min_history` events), then learns
    /// the observation into it, reusing the decay factors scoring computed.
    #[inline(always)]
    pub(super) fn score_then_learn(
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

    /// Folds one observation into a profile (own or group). `known` are the decay factors
    /// already computed for this profile while scoring (if it was the reference).
    #[inline(always)]
    pub(super) fn learn(
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
        // `0 < steps < u32::MAX / 2` as one unsigned comparison (0 wraps to the top).
        let advance = steps.wrapping_sub(1) < u32::MAX / 2 - 1;
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
        // The first `PREP` measures and categories from their prepared slots (as in
        // scoring), then any further ones by name, in order.
        for ((&id, &xt), _) in prep.mids.iter().zip(&prep.xts).zip(obs.measures) {
            if id != NO_ID
                && let Some(slot) = ms.get_mut(usize::from(id))
            {
                learn_measure(slot, xt, w_long);
            }
        }
        if obs.measures.len() > PREP {
            self.learn_measures_past(ms, obs, prep, w_long);
        }
        for ((&id, &h), _) in prep.dids.iter().zip(&prep.hashes).zip(obs.categories) {
            if id != NO_ID
                && let Some(slot) = cs.get_mut(usize::from(id))
            {
                learn_category(slot, h, w_long);
            }
        }
        if obs.categories.len() > PREP {
            self.learn_categories_past(cs, obs, prep, w_long);
        }
    }

    /// Learning's measures past the first [`PREP`], by name (out of line: rare).
    #[cold]
    #[inline(never)]
    fn learn_measures_past(
        &self,
        ms: &mut [MeasureSlot],
        obs: &Observation<'_>,
        prep: &Prepared,
        w_long: f64,
    ) {
        for (j, (name, x)) in obs.measures.iter().enumerate().skip(PREP) {
            if let Some((slot, xt)) = self
                .measure(prep, j, name, *x)
                .and_then(|(id, xt)| Some((ms.get_mut(id)?, xt)))
            {
                learn_measure(slot, xt, w_long);
            }
        }
    }

    /// Learning's categories past the first [`PREP`], by name (out of line: rare).
    #[cold]
    #[inline(never)]
    fn learn_categories_past(
        &self,
        cs: &mut [CatSlot],
        obs: &Observation<'_>,
        prep: &Prepared,
        w_long: f64,
    ) {
        for (j, (dim, v)) in obs.categories.iter().enumerate().skip(PREP) {
            if let Some((slot, h)) = self
                .category(prep, j, dim, v)
                .and_then(|(id, h)| Some((cs.get_mut(id)?, h)))
            {
                learn_category(slot, h, w_long);
            }
        }
    }
}

/// Folds a measure's transformed value `xt` with weight `w` into its slot.
#[inline(always)]
fn learn_measure(slot: &mut MeasureSlot, xt: f64, w: f64) {
    slot.ew.push(xt, w);
    slot.window.push(xt as f32);
}

/// Counts a category value (seeded hash `h`) with weight `w` in its slot.
#[inline(always)]
fn learn_category(slot: &mut CatSlot, h: u64, w: f64) {
    // A value the summary already keeps was inserted into the distinct-count sketch when it
    // entered the summary (or merged in with its sketch), and inserting a hash again changes
    // nothing: the sketch is updated only for values not kept (most events repeat a kept
    // value). Exact unless two values share the 32-bit fingerprint.
    if !slot.top.push(fingerprint(h), w as f32) {
        slot.distinct.insert(h);
    }
}

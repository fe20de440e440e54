//! Merging two shards' baselines into one, as if one model had seen both streams.

use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::store::Store;
use crate::{BaselineError, EntityBaselines};

impl EntityBaselines {
    /// Merges `other` into `self`.
    ///
    /// Both must share parameters and seed. Every decayed statistic is a weighted sum over
    /// events, so after decaying both sides to the later of their two last times the sums add:
    /// time-decayed means and variances (Chan's formula), rates and category counts match one
    /// pass up to rounding; the hour/day histograms match exactly unless a bin passed 255 (then
    /// both are halved, as one pass would, at a slightly different moment); category tables
    /// match exactly while an entity has at most [`crate::stats::TOP_K`] values per dimension
    /// (beyond, the merged Space-Saving summary keeps the largest merged counts); distinct
    /// counts (HyperLogLog) merge exactly. The result does not depend on the order of the
    /// operands, except for slot order and name order, which no score depends on.
    /// If the union exceeds the entity cap, the least recently active entities are dropped.
    pub fn merge(&mut self, other: &EntityBaselines) -> Result<(), BaselineError> {
        if self.config != other.config {
            return Err(BaselineError::Incompatible {
                reason: "parameters (or seed) differ".into(),
            });
        }
        // Map the other side's name slots onto ours, registering new names.
        let mut mmap = Vec::with_capacity(other.measures.names.len());
        for (i, n) in other.measures.names.iter().enumerate() {
            mmap.push(self.measures.id_or_insert(n, i)?);
        }
        let mut dmap = Vec::with_capacity(other.dimensions.names.len());
        for (i, n) in other.dimensions.names.iter().enumerate() {
            dmap.push(self.dimensions.id_or_insert(n, i)?);
        }
        let c = Ctx {
            half_life: self.config.half_life_secs,
            burst_half_life: self.config.burst_half_life_secs,
            mmap: &mmap,
            dmap: &dmap,
        };
        merge_store(&mut self.entities, &other.entities, &c);
        merge_store(&mut self.groups, &other.groups, &c);
        self.tick = self.tick.max(other.tick);
        Ok(())
    }
}

struct Ctx<'a> {
    half_life: f64,
    burst_half_life: f64,
    mmap: &'a [usize],
    dmap: &'a [usize],
}

fn merge_store(into: &mut Store, from: &Store, c: &Ctx<'_>) {
    let (m, d) = into.strides();
    for i in 0..from.len() {
        let Some((core, ms, cs)) = from.row(i) else {
            continue;
        };
        // Remap the other side's rows into our slot order.
        let mut ms2 = vec![MeasureSlot::default(); m];
        for (j, s) in ms.iter().enumerate() {
            if let Some(t) = c.mmap.get(j).and_then(|&k| ms2.get_mut(k)) {
                *t = *s;
            }
        }
        let mut cs2 = vec![CatSlot::default(); d];
        for (j, s) in cs.iter().enumerate() {
            if let Some(t) = c.dmap.get(j).and_then(|&k| cs2.get_mut(k)) {
                *t = *s;
            }
        }
        match into.find(core.key) {
            Some(k) => {
                if let Some((a, am, ac)) = into.row_mut(k) {
                    merge_rows((a, am, ac), (core, &ms2, &cs2), c);
                }
            }
            None => into.push_row(*core, &ms2, &cs2),
        }
    }
    into.shrink_to_cap();
}

fn merge_rows(
    (a, am, ac): (&mut Core, &mut [MeasureSlot], &mut [CatSlot]),
    (b, bm, bc): (&Core, &[MeasureSlot], &[CatSlot]),
    c: &Ctx<'_>,
) {
    let t = a.last_time.max(b.last_time);
    let fa = crate::fastmath::exp2(-(t - a.last_time) / c.half_life);
    let fb = crate::fastmath::exp2(-(t - b.last_time) / c.half_life);
    let sa = crate::fastmath::exp2(-(t - a.last_time) / c.burst_half_life);
    let sb = crate::fastmath::exp2(-(t - b.last_time) / c.burst_half_life);
    a.weight = (f64::from(a.weight) * fa + f64::from(b.weight) * fb) as f32;
    a.burst = (f64::from(a.burst) * sa + f64::from(b.burst) * sb) as f32;
    a.first_time = a.first_time.min(b.first_time);
    a.last_time = t;
    a.tick = a.tick.max(b.tick);
    a.events = a.events.saturating_add(b.events);
    a.seasonal.merge(&b.seasonal);
    // Align tumbling panes to the later one before adding.
    let pane = if b.pane.wrapping_sub(a.pane) < u32::MAX / 2 {
        b.pane
    } else {
        a.pane
    };
    let (adv_a, adv_b) = (pane.wrapping_sub(a.pane), pane.wrapping_sub(b.pane));
    a.pane = pane;
    for (x, y) in am.iter_mut().zip(bm.iter()) {
        let mut y = *y;
        x.ew.decay(fa);
        y.ew.decay(fb);
        x.ew.merge(&y.ew);
        x.window.advance(adv_a);
        y.window.advance(adv_b);
        x.window.merge(&y.window);
    }
    for (x, y) in ac.iter_mut().zip(bc.iter()) {
        let mut y = *y;
        x.top.decay(fa as f32);
        y.top.decay(fb as f32);
        x.top.merge(&y.top);
        x.distinct.merge(&y.distinct);
    }
}

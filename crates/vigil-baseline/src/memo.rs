//! What a batch remembers from one observation to the next: name slots, the time pane and
//! the date.
//!
//! Within one [`observe_batch`](crate::EntityBaselines::observe_batch) call every name the
//! observations hold is borrowed for the whole call, so it can neither change nor be freed:
//! a name at the same address with the same length as one already resolved *is* that name,
//! and its slot is reused with two comparisons instead of a lookup. (Across calls an address
//! may be reused by another string, so a memo never outlives its call.)

use chrono::NaiveDate;

use crate::model::{NO_ID, PREP};

/// The slots of the names resolved last, by position, and the pane last computed.
pub(crate) struct Memo<'b> {
    /// Measure names.
    pub(crate) measures: NameMemo<'b>,
    /// Dimension names.
    pub(crate) dimensions: NameMemo<'b>,
    /// `(lo, hi, pane)`: times in `[lo, hi)` fall in `pane` (the bounds computed as
    /// `pane_of` checks them, so the answer is the same).
    pane: (f64, f64, u32),
    /// `(date, its midnight in seconds since the epoch, weekday with Monday = 0)`.
    day: Option<(NaiveDate, i64, usize)>,
}

/// The slot of the name last resolved at each position (of an observation's measures, or of
/// its dimensions).
pub(crate) struct NameMemo<'b>([(&'b str, u16); PREP]);

/// The same string: same address and length (see the module docs for why that suffices).
#[inline(always)]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && std::ptr::eq(a.as_ptr(), b.as_ptr())
}

impl<'b> NameMemo<'b> {
    /// The slot remembered at position `i` if it is `name`'s.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize, name: &str) -> Option<u16> {
        self.0
            .get(i)
            .filter(|(s, id)| *id != NO_ID && same(s, name))
            .map(|(_, id)| *id)
    }

    /// Remembers `name`'s slot at position `i`.
    #[inline(always)]
    pub(crate) fn set(&mut self, i: usize, name: &'b str, id: u16) {
        if let Some(m) = self.0.get_mut(i) {
            *m = (name, id);
        }
    }
}

impl<'b> Memo<'b> {
    pub(crate) fn new() -> Self {
        Self {
            measures: NameMemo([("", NO_ID); PREP]),
            dimensions: NameMemo([("", NO_ID); PREP]),
            // An empty range: the first time is always computed.
            pane: (f64::INFINITY, f64::NEG_INFINITY, 0),
            day: None,
        }
    }

    /// The pane of `t` if it is the one remembered.
    #[inline(always)]
    pub(crate) fn pane(&self, t: f64) -> Option<u32> {
        let (lo, hi, p) = self.pane;
        (lo <= t && t < hi).then_some(p)
    }

    #[inline(always)]
    pub(crate) fn set_pane(&mut self, lo: f64, hi: f64, pane: u32) {
        self.pane = (lo, hi, pane);
    }

    /// Midnight (epoch seconds) and weekday of `date` if it is the one remembered.
    #[inline(always)]
    pub(crate) fn day(&self, date: NaiveDate) -> Option<(i64, usize)> {
        self.day
            .filter(|(d, _, _)| *d == date)
            .map(|(_, midnight, weekday)| (midnight, weekday))
    }

    #[inline(always)]
    pub(crate) fn set_day(&mut self, date: NaiveDate, midnight: i64, weekday: usize) {
        self.day = Some((date, midnight, weekday));
    }
}

//! What a batch remembers from one observation to the next: name slots (the whole list of
//! the observation before, and the last name at each position), the time pane and the date.
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
    /// The names of the observation admitted last, whole.
    pub(crate) shape: Shape<'b>,
    /// Measure names.
    pub(crate) measures: NameMemo<'b>,
    /// Dimension names.
    pub(crate) dimensions: NameMemo<'b>,
    /// `(lo, hi, pane)`: times in `[lo, hi)` fall in `pane` (the bounds computed as
    /// `pane_of` checks them, so the answer is the same).
    pane: (f64, f64, u32),
    /// `(date, its midnight in seconds since the epoch, weekday with Monday = 0)`.
    day: Option<(NaiveDate, i64, usize)>,
    /// The signed-log transform's table, looked up once per call (through its lazy static
    /// it cost a check on every value).
    pub(crate) ln1p: &'static [f64; crate::params::SMALL],
}

/// The slot of the name last resolved at each position (of an observation's measures, or of
/// its dimensions).
pub(crate) struct NameMemo<'b>([(&'b str, u16); PREP]);

/// The measure and dimension names of the observation admitted last, with their slots. A
/// stream's observations usually carry the same names in the same order (the same
/// `&'static str`s, even), so the next one is checked against these whole: one comparison
/// per name, fused with the finiteness test of its measures, instead of a validation pass and
/// a memo lookup per name.
pub(crate) struct Shape<'b> {
    /// Measure names by position (unused positions hold `""`).
    measures: [&'b str; PREP],
    /// Dimension names by position.
    dimensions: [&'b str; PREP],
    /// How many of each the observation had (`usize::MAX`: nothing remembered yet).
    counts: (usize, usize),
    /// Their slots, as `admit_names` returned them.
    ids: ([u16; PREP], [u16; PREP]),
}

impl<'b> Shape<'b> {
    /// Nothing remembered: no observation matches.
    fn new() -> Self {
        Self {
            measures: [""; PREP],
            dimensions: [""; PREP],
            counts: (usize::MAX, usize::MAX),
            ids: ([NO_ID; PREP], [NO_ID; PREP]),
        }
    }

    /// The slots of `measures` and `dimensions` (an observation's, by position) if they are
    /// the names remembered and every measure value is finite; `None` otherwise (the caller
    /// then validates and resolves them the long way, which also reports a non-finite value).
    /// Branch-free over the names: the differences are or-ed together and tested once.
    #[inline(always)]
    pub(crate) fn ids(
        &self,
        measures: &[(&str, f64)],
        dimensions: &[(&str, &str)],
    ) -> Option<([u16; PREP], [u16; PREP])> {
        // Address and length xor-ed with the remembered ones: 0 for the same string.
        let differ =
            |a: &str, b: &str| (a.as_ptr().addr() ^ b.as_ptr().addr()) | (a.len() ^ b.len());
        let mut diff = (measures.len() ^ self.counts.0) | (dimensions.len() ^ self.counts.1);
        // `v · 0` is ±0 for a finite `v` and NaN for ±∞ or NaN, so the sum is 0 exactly when
        // every value is finite.
        let mut zero = 0.0;
        // With equal counts (at most `PREP`), the zips cover every name.
        for ((name, v), m) in measures.iter().zip(&self.measures) {
            diff |= differ(name, m);
            zero += v * 0.0;
        }
        for ((dim, _), d) in dimensions.iter().zip(&self.dimensions) {
            diff |= differ(dim, d);
        }
        (diff == 0 && zero == 0.0).then_some(self.ids)
    }

    /// Remembers an admitted observation's names and their slots (only when each list fits
    /// in `PREP`, so that a match covers every name).
    #[inline(always)]
    pub(crate) fn set(
        &mut self,
        measures: &[(&'b str, f64)],
        dimensions: &[(&'b str, &'b str)],
        ids: ([u16; PREP], [u16; PREP]),
    ) {
        if measures.len() > PREP || dimensions.len() > PREP {
            self.counts = (usize::MAX, usize::MAX);
            return;
        }
        self.measures = [""; PREP];
        self.dimensions = [""; PREP];
        for (m, (name, _)) in self.measures.iter_mut().zip(measures) {
            *m = name;
        }
        for (d, (dim, _)) in self.dimensions.iter_mut().zip(dimensions) {
            *d = dim;
        }
        self.counts = (measures.len(), dimensions.len());
        self.ids = ids;
    }
}

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
            shape: Shape::new(),
            measures: NameMemo([("", NO_ID); PREP]),
            dimensions: NameMemo([("", NO_ID); PREP]),
            // An empty range: the first time is always computed.
            pane: (f64::INFINITY, f64::NEG_INFINITY, 0),
            day: None,
            ln1p: crate::params::small_ln1p(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_matches_the_same_names_only_with_finite_values() {
        let mut shape = Shape::new();
        let (bytes, count, kind) = ("bytes", "count", "kind");
        let ids = ([3, 1, NO_ID, NO_ID], [0, NO_ID, NO_ID, NO_ID]);
        let ms = [(bytes, 1.0), (count, 2.0)];
        let cs = [(kind, "x")];
        assert_eq!(shape.ids(&ms, &cs), None, "nothing remembered yet");
        shape.set(&ms, &cs, ids);
        // The same names with other values (and another category value).
        assert_eq!(
            shape.ids(&[(bytes, -7.5), (count, 0.0)], &[(kind, "y")]),
            Some(ids)
        );
        // A non-finite value, the names swapped, one missing, one more, no category: no match.
        assert_eq!(shape.ids(&[(bytes, f64::NAN), (count, 0.0)], &cs), None);
        assert_eq!(shape.ids(&[(count, 1.0), (bytes, 2.0)], &cs), None);
        assert_eq!(shape.ids(&[(bytes, 1.0)], &cs), None);
        assert_eq!(
            shape.ids(&[(bytes, 1.0), (count, 2.0), ("ms", 3.0)], &cs),
            None
        );
        assert_eq!(shape.ids(&ms, &[]), None);
        // Equal text at another address is not taken for the same name (the long way then
        // finds its slot by content).
        let copy = String::from("count");
        assert_eq!(shape.ids(&[(bytes, 1.0), (copy.as_str(), 2.0)], &cs), None);
        assert_eq!(shape.ids(&[(bytes, 1.0), (&count[..4], 2.0)], &cs), None);
        // More names than a shape holds are never remembered.
        let five = [("a", 1.0), ("b", 1.0), ("c", 1.0), ("d", 1.0), ("e", 1.0)];
        shape.set(&five, &cs, ids);
        assert_eq!(shape.ids(&five, &cs), None);
        assert_eq!(shape.ids(&ms, &cs), None);
    }
}

//! [`Deviations`]: the list of deviations an [`AnomalyScore`](crate::AnomalyScore) carries,
//! held inline up to two.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Deviation;

/// The deviations of one score, most surprising first: a list that holds up to two inline
/// and spills to a `Vec` past that.
///
/// A baseline returns one score per event, and for a fair share of events it reports one
/// deviation, rarely more than two; a `Vec` would allocate and free for each of them. This
/// list derefs to `[Deviation]` (so it has `len`, `is_empty`, `iter`, indexing and sorting),
/// adds [`push`](Self::push), compares by its items, and serializes as the same JSON list
/// as the `Vec<Deviation>` it replaced.
///
/// ```
/// use vigil_core::{Deviation, Deviations, MeasureName};
///
/// let d = |name: &'static str, bits: f64| Deviation {
///     measure: MeasureName::from_static(name),
///     expected: 1.0,
///     observed: 9.0,
///     tail_probability: (-bits).exp2(),
///     surprisal: bits,
/// };
/// let mut list = Deviations::new();
/// assert!(list.is_empty());
/// list.push(d("rate", 12.0));
/// list.push(d("hour_of_day", 14.0));
/// list.sort_by(|a, b| b.surprisal.total_cmp(&a.surprisal));
/// assert_eq!(list.len(), 2);
/// assert_eq!(list[0].measure, "hour_of_day");
/// assert_eq!(list, Deviations::from(vec![d("hour_of_day", 14.0), d("rate", 12.0)]));
/// let json = serde_json::to_string(&list).unwrap();
/// assert!(json.starts_with("[{\"measure\":\"hour_of_day\""));
/// ```
#[derive(Clone, Default)]
pub struct Deviations(ManuallyDrop<Repr>);

/// Each length up to two has its own variant, so every variant is a valid slice of
/// deviations (no placeholders, no `unsafe`), and an empty list is only a tag.
#[derive(Clone, Default)]
enum Repr {
    #[default]
    Empty,
    One(Deviation),
    Two([Deviation; 2]),
    Many(Vec<Deviation>),
}

impl Deviations {
    /// The empty list (allocates nothing).
    pub const fn new() -> Self {
        Self(ManuallyDrop::new(Repr::Empty))
    }

    /// Appends a deviation; the third moves the list to the heap. (Inlined: pushed onto a
    /// list known to be empty, it is a single store.)
    #[inline]
    pub fn push(&mut self, deviation: Deviation) {
        match &mut *self.0 {
            Repr::Empty => *self.0 = Repr::One(deviation),
            Repr::Many(v) => v.push(deviation),
            full => {
                *full = match std::mem::take(full) {
                    Repr::One(a) => Repr::Two([a, deviation]),
                    Repr::Two([a, b]) => Repr::Many(vec![a, b, deviation]),
                    Repr::Empty => Repr::One(deviation),
                    Repr::Many(mut v) => {
                        v.push(deviation);
                        Repr::Many(v)
                    }
                }
            }
        }
    }

    /// Removes every deviation (the list is then empty and holds no allocation).
    pub fn clear(&mut self) {
        drop(std::mem::take(&mut *self.0));
    }

    /// The deviations as a slice.
    #[inline]
    pub fn as_slice(&self) -> &[Deviation] {
        match &*self.0 {
            Repr::Empty => &[],
            Repr::One(d) => std::slice::from_ref(d),
            Repr::Two(ds) => ds,
            Repr::Many(v) => v,
        }
    }

    /// The deviations as a mutable slice (to sort them, for instance).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [Deviation] {
        match &mut *self.0 {
            Repr::Empty => &mut [],
            Repr::One(d) => std::slice::from_mut(d),
            Repr::Two(ds) => ds,
            Repr::Many(v) => v,
        }
    }
}

/// Most scores carry no deviation, so dropping an empty list is one test of the tag, inlined
/// where the score is dropped; the items are dropped out of line. (With the enum's own drop
/// glue, every drop was a call that saved and restored five registers first.)
impl Drop for Deviations {
    #[inline]
    fn drop(&mut self) {
        if !matches!(*self.0, Repr::Empty) {
            self.drop_items();
        }
    }
}

impl Deviations {
    #[inline(never)]
    fn drop_items(&mut self) {
        self.clear();
    }
}

impl Deref for Deviations {
    type Target = [Deviation];
    #[inline]
    fn deref(&self) -> &[Deviation] {
        self.as_slice()
    }
}

impl DerefMut for Deviations {
    #[inline]
    fn deref_mut(&mut self) -> &mut [Deviation] {
        self.as_mut_slice()
    }
}

impl<'a> IntoIterator for &'a Deviations {
    type Item = &'a Deviation;
    type IntoIter = std::slice::Iter<'a, Deviation>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl From<Vec<Deviation>> for Deviations {
    fn from(v: Vec<Deviation>) -> Self {
        v.into_iter().collect()
    }
}

impl From<Deviations> for Vec<Deviation> {
    fn from(mut d: Deviations) -> Self {
        match std::mem::take(&mut *d.0) {
            Repr::Empty => Vec::new(),
            Repr::One(a) => vec![a],
            Repr::Two(ds) => ds.into(),
            Repr::Many(v) => v,
        }
    }
}

impl FromIterator<Deviation> for Deviations {
    fn from_iter<I: IntoIterator<Item = Deviation>>(iter: I) -> Self {
        let mut list = Self::new();
        for d in iter {
            list.push(d);
        }
        list
    }
}

/// Equal when the items are, however they are held.
impl PartialEq for Deviations {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// Shown as a list, like a `Vec`.
impl fmt::Debug for Deviations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// Serialized as a plain list.
impl Serialize for Deviations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.as_slice())
    }
}

/// Read from a plain list.
impl<'de> Deserialize<'de> for Deviations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Deviation>::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MeasureName;

    fn dev(i: usize) -> Deviation {
        Deviation {
            measure: MeasureName::from(format!("m{i}")),
            expected: i as f64,
            observed: 2.0 * i as f64,
            tail_probability: 0.5,
            surprisal: 1.0,
        }
    }

    #[test]
    fn pushes_stay_in_order_across_the_spill() {
        let mut list = Deviations::new();
        let mut want = Vec::new();
        for i in 0..5 {
            assert_eq!(list.as_slice(), want.as_slice());
            assert_eq!(list.len(), i);
            list.push(dev(i));
            want.push(dev(i));
        }
        assert!(matches!(*list.0, Repr::Many(_)));
        assert_eq!(
            list.iter().map(|d| d.expected).collect::<Vec<_>>(),
            [0.0, 1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(Vec::from(list.clone()), want);
        list.as_mut_slice().reverse();
        assert_eq!(list[0].measure, "m4");
    }

    #[test]
    fn dropping_drops_every_item_however_held() {
        let name: std::sync::Arc<str> = "shared".into();
        for n in 0..5 {
            let mut list = Deviations::new();
            for _ in 0..n {
                list.push(Deviation {
                    measure: MeasureName::from(name.clone()),
                    ..dev(0)
                });
            }
            assert_eq!(std::sync::Arc::strong_count(&name), 1 + n);
            let copy = list.clone();
            drop(list);
            assert_eq!(std::sync::Arc::strong_count(&name), 1 + n);
            let mut copy = copy;
            copy.clear();
            assert!(copy.is_empty());
            assert_eq!(std::sync::Arc::strong_count(&name), 1);
        }
    }

    #[test]
    fn equal_by_items_not_by_storage() {
        let inline: Deviations = (0..2).map(dev).collect();
        let spilled = Deviations(ManuallyDrop::new(Repr::Many((0..2).map(dev).collect())));
        assert!(matches!(*inline.0, Repr::Two(_)));
        assert_eq!(inline, spilled);
        assert_ne!(inline, (0..1).map(dev).collect::<Deviations>());
    }

    #[test]
    fn serde_is_the_plain_list_for_every_length() {
        for n in 0..5 {
            let want: Vec<Deviation> = (0..n).map(dev).collect();
            let list = Deviations::from(want.clone());
            let json = serde_json::to_string(&list).unwrap();
            assert_eq!(json, serde_json::to_string(&want).unwrap());
            let back: Deviations = serde_json::from_str(&json).unwrap();
            assert_eq!(back, list);
            assert_eq!(format!("{list:?}"), format!("{want:?}"));
        }
    }
}

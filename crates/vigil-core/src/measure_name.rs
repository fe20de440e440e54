//! [`MeasureName`]: the name a [`Deviation`](crate::Deviation) reports, cheap to copy.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The name of a measure that deviated: a fixed name (`rate`), or text shared with the
/// baseline's own name registry.
///
/// A baseline reports a deviation for a fair share of the events it sees, so copying the name
/// must not allocate: a fixed name is a `&'static str`, and a registered one an [`Arc<str>`]
/// whose clone is a reference-count increment. It reads as a `str` (it derefs to one), compares
/// equal to strings with the same text, and serializes as that string, exactly like the
/// `String` it replaced.
///
/// ```
/// use vigil_core::MeasureName;
///
/// let fixed = MeasureName::from_static("rate");
/// let shared = MeasureName::from("bytes_out");
/// assert_eq!(fixed, "rate");
/// assert_eq!(shared.len(), 9);
/// assert_eq!(shared.clone(), MeasureName::from(String::from("bytes_out")));
/// assert_eq!(serde_json::to_string(&fixed).unwrap(), "\"rate\"");
/// ```
#[derive(Clone)]
pub struct MeasureName(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl MeasureName {
    /// A fixed name, without allocating (usable in a `const`).
    pub const fn from_static(name: &'static str) -> Self {
        Self(Repr::Static(name))
    }

    /// The name's text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

impl Default for MeasureName {
    /// The empty name.
    fn default() -> Self {
        Self::from_static("")
    }
}

impl Deref for MeasureName {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for MeasureName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Equality, ordering and hashing are the text's, so `Borrow<str>` is consistent.
impl Borrow<str> for MeasureName {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for MeasureName {
    fn from(s: &str) -> Self {
        Self(Repr::Shared(Arc::from(s)))
    }
}

impl From<String> for MeasureName {
    fn from(s: String) -> Self {
        Self(Repr::Shared(Arc::from(s)))
    }
}

impl From<Arc<str>> for MeasureName {
    fn from(s: Arc<str>) -> Self {
        Self(Repr::Shared(s))
    }
}

impl From<MeasureName> for String {
    fn from(n: MeasureName) -> Self {
        n.as_str().to_owned()
    }
}

impl PartialEq for MeasureName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for MeasureName {}

impl PartialEq<str> for MeasureName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MeasureName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for MeasureName {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<MeasureName> for str {
    fn eq(&self, other: &MeasureName) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<MeasureName> for &str {
    fn eq(&self, other: &MeasureName) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for MeasureName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MeasureName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for MeasureName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// Shown as the text, quoted, like a `String`.
impl fmt::Debug for MeasureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MeasureName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as the plain string.
impl Serialize for MeasureName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Read from a plain string.
impl<'de> Deserialize<'de> for MeasureName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn static_and_shared_with_the_same_text_are_one_name() {
        let a = MeasureName::from_static("bytes");
        let b = MeasureName::from("bytes");
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        let set: HashSet<MeasureName> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(set.contains("bytes"));
        let (lo, hi) = (MeasureName::from("a"), MeasureName::from_static("b"));
        assert_eq!(lo.cmp(&hi), std::cmp::Ordering::Less);
    }

    #[test]
    fn serde_is_the_plain_string() {
        let n = MeasureName::from("alert_type=webshell");
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, serde_json::to_string("alert_type=webshell").unwrap());
        let back: MeasureName = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert_eq!(format!("{n:?}"), format!("{:?}", "alert_type=webshell"));
        assert_eq!(n.to_string(), "alert_type=webshell");
    }

    #[test]
    fn a_clone_shares_the_text() {
        let n = MeasureName::from("count");
        let c = n.clone();
        assert!(std::ptr::eq(n.as_str(), c.as_str()));
    }
}

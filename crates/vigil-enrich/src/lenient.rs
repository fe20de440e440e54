//! JSON arrays read element by element: one element of the wrong shape (a number where a
//! string belongs, a null field) is a record for the loader to reject and count, not a reason
//! to refuse the whole file.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One element of an array of records: the record, or the element as written and why it is
/// not one.
pub(crate) enum Lenient<T> {
    /// A well-formed record.
    Ok(T),
    /// Not a record of this kind.
    Bad {
        /// The element as written.
        value: serde_json::Value,
        /// What serde expected and found.
        reason: String,
    },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Broken JSON still fails the file here; only a well-formed element of the wrong
        // shape becomes `Bad`.
        let value = serde_json::Value::deserialize(d)?;
        Ok(match T::deserialize(&value) {
            Ok(t) => Lenient::Ok(t),
            Err(e) => Lenient::Bad {
                value,
                reason: e.to_string(),
            },
        })
    }
}

/// One element of an array of strings, borrowed where the text allows: the string, or what
/// was found instead ("a number", "an object", ...).
pub(crate) enum LenientStr<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// Something else, named.
    Bad(&'static str),
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LenientStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientStr::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientStr::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientStr::Str(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("a number"))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("null"))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(LenientStr::Bad("null"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LenientStr::Bad("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientStr::Bad("an object"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

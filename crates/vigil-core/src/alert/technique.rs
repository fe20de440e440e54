//! Validated ATT&CK technique ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// An ATT&CK technique or sub-technique id such as `T1059` or `T1059.001`.
///
/// Only well-formed ids can be built, so code downstream never re-validates.
///
/// ```
/// use vigil_core::TechniqueId;
/// let t = TechniqueId::parse("T1059.001").unwrap();
/// assert_eq!(t.parent().as_str(), "T1059");
/// assert!(TechniqueId::parse("T59").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TechniqueId(String);

impl TechniqueId {
    /// Parses and validates an id (surrounding whitespace is ignored; the `T` may be lower case).
    pub fn parse(s: &str) -> Result<Self, CoreError> {
        let t = s.trim();
        let b = t.as_bytes();
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            5 => matches!(b[0], b'T' | b't') && digits(&b[1..5]),
            9 => {
                matches!(b[0], b'T' | b't') && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..9])
            }
            _ => false,
        };
        if ok {
            let mut id = t.to_owned();
            id.make_ascii_uppercase();
            Ok(Self(id))
        } else {
            Err(CoreError::InvalidTechnique {
                value: s.to_owned(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a sub-technique (`T1059.001`).
    pub fn is_subtechnique(&self) -> bool {
        self.0.len() == 9
    }

    /// The parent technique (itself when it is not a sub-technique).
    pub fn parent(&self) -> TechniqueId {
        TechniqueId(self.0[..5].to_owned())
    }

    /// Parses a list separated by `;`, `,` or whitespace, as GUIDE and Sigma write them.
    /// Empty items are skipped; the first invalid one is an error.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, CoreError> {
        s.split([';', ',', ' ', '\t', '|'])
            .filter(|p| !p.trim().is_empty())
            .map(Self::parse)
            .collect()
    }
}

impl fmt::Display for TechniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TechniqueId {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TechniqueId {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TechniqueId> for String {
    fn from(t: TechniqueId) -> Self {
        t.0
    }
}

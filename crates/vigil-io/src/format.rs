//! The formats Vigil reads, by name.

use std::fmt;
use std::str::FromStr;

use crate::IoError;

/// A supported alert format.
///
/// ```
/// use vigil_io::Format;
/// let f: Format = "ait-ads".parse().unwrap();
/// assert_eq!(f, Format::AitAds);
/// assert_eq!(f.to_string(), "ait-ads");
/// assert!("syslog".parse::<Format>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// AIT Alert Data Set CSV (optionally gzipped): `time,name,ip,host,short,time_label,event_label`.
    AitAds,
    /// Microsoft GUIDE CSV (Defender XDR evidence rows with analyst grades).
    Guide,
    /// OCSF 1.x Detection Finding (class 2004) or Security Finding (class 2001) JSON.
    Ocsf,
    /// Elastic Common Schema alert JSON.
    Ecs,
    /// Vigil's own JSON Lines: one serialised [`vigil_core::Alert`] per line.
    Jsonl,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 5] = [
        Self::AitAds,
        Self::Guide,
        Self::Ocsf,
        Self::Ecs,
        Self::Jsonl,
    ];

    /// The canonical name (`ait-ads`, `guide`, `ocsf`, `ecs`, `jsonl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AitAds => "ait-ads",
            Self::Guide => "guide",
            Self::Ocsf => "ocsf",
            Self::Ecs => "ecs",
            Self::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = IoError;

    /// Accepts the canonical names case-insensitively, with `-`, `_` or nothing between words
    /// (`ait-ads`, `ait_ads`, `aitads`), and `vigil` for JSON Lines.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match k.as_str() {
            "aitads" | "ait" => Ok(Self::AitAds),
            "guide" => Ok(Self::Guide),
            "ocsf" => Ok(Self::Ocsf),
            "ecs" | "elastic" => Ok(Self::Ecs),
            "jsonl" | "vigil" | "ndjson" => Ok(Self::Jsonl),
            _ => Err(IoError::UnknownFormat { name: s.to_owned() }),
        }
    }
}

//! Alert severity.

use serde::{Deserialize, Serialize};

/// Severity as the source set it, on the scale OCSF uses.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// The source gave none.
    #[default]
    Unknown,
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Severity as a number in `[0, 1]` (Unknown counts as Low-Medium, 0.3), for risk formulas.
    pub fn weight(self) -> f64 {
        match self {
            Self::Unknown => 0.3,
            Self::Info => 0.1,
            Self::Low => 0.25,
            Self::Medium => 0.5,
            Self::High => 0.75,
            Self::Critical => 1.0,
        }
    }

    /// From an OCSF `severity_id` (0 unknown, 1 info … 5 critical, 6 fatal as critical).
    pub fn from_ocsf_id(id: i64) -> Self {
        match id {
            1 => Self::Info,
            2 => Self::Low,
            3 => Self::Medium,
            4 => Self::High,
            5 | 6 => Self::Critical,
            _ => Self::Unknown,
        }
    }

    /// From a name such as `high` or `Critical` (case-insensitive); unknown names give Unknown.
    pub fn from_name(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "info" | "informational" => Self::Info,
            "low" => Self::Low,
            "medium" | "moderate" => Self::Medium,
            "high" => Self::High,
            "critical" | "fatal" => Self::Critical,
            _ => Self::Unknown,
        }
    }
}

//! Analyst verdicts and research ground truth.

use serde::{Deserialize, Serialize};

/// An analyst's grade of an alert, as Microsoft's GUIDE data set and most SOCs use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Verdict {
    /// Real malicious activity.
    TruePositive,
    /// Real activity that fired correctly but is benign (a sanctioned scan, an admin action).
    BenignPositive,
    /// The detector was wrong.
    FalsePositive,
}

impl Verdict {
    /// The three verdicts, in class-index order.
    pub const ALL: [Verdict; 3] = [
        Self::TruePositive,
        Self::BenignPositive,
        Self::FalsePositive,
    ];

    /// True only for a true positive: the alert needed an analyst.
    pub fn is_threat(self) -> bool {
        matches!(self, Self::TruePositive)
    }

    /// Class index (TP 0, BP 1, FP 2), the order of [`Verdict::ALL`].
    pub fn index(self) -> usize {
        match self {
            Self::TruePositive => 0,
            Self::BenignPositive => 1,
            Self::FalsePositive => 2,
        }
    }

    /// Inverse of [`Verdict::index`].
    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    /// Parses `TruePositive`, `TP`, `true_positive` and the like (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        let k: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match k.as_str() {
            "truepositive" | "tp" => Some(Self::TruePositive),
            "benignpositive" | "bp" => Some(Self::BenignPositive),
            "falsepositive" | "fp" => Some(Self::FalsePositive),
            _ => None,
        }
    }
}

/// Ground truth of a labelled research data set (AIT-ADS, NSL-KDD): what really happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroundTruth {
    /// True when the alert was caused by the attack.
    pub malicious: bool,
    /// Attack phase whose time window holds the alert (AIT-ADS `time_label`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Attack step behind the alert (AIT-ADS `event_label`), if malicious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

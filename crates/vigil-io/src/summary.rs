//! What `vigil inspect` prints: counts, distinct entities, label balance, time span.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil_core::{Alert, EntityKind, ReadStats, SeededSet, Verdict};

/// A running summary of alerts read from one or more sources.
///
/// ```
/// use vigil_io::Summary;
/// use vigil_core::{Alert, ReadStats};
/// let mut s = Summary::default();
/// s.add(&Alert::new("1", chrono::DateTime::UNIX_EPOCH, "t"));
/// s.add_stats(ReadStats { read: 1, accepted: 1, rejected: 0 });
/// assert_eq!(s.stats.accepted, 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Conserved counts over every source.
    pub stats: ReadStats,
    entities: BTreeMap<EntityKind, SeededSet<String>>,
    verdicts: [u64; 3],
    no_verdict: u64,
    malicious: u64,
    benign: u64,
    no_truth: u64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

/// The summary as plain numbers (what `--json` prints).
#[derive(Debug, Clone, Serialize)]
pub struct SummaryReport {
    /// Records read.
    pub alerts: u64,
    /// Records that became alerts.
    pub accepted: u64,
    /// Records rejected.
    pub rejected: u64,
    /// Distinct entity values per kind.
    pub entities: BTreeMap<&'static str, usize>,
    /// Analyst verdicts: `true_positive`, `benign_positive`, `false_positive`, `none`.
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Ground truth: `malicious`, `benign`, `none`.
    pub labels: BTreeMap<&'static str, u64>,
    /// Earliest alert time.
    pub first: Option<DateTime<Utc>>,
    /// Latest alert time.
    pub last: Option<DateTime<Utc>>,
    /// `last - first` in seconds.
    pub span_seconds: Option<i64>,
}

impl Summary {
    /// Counts one accepted alert.
    pub fn add(&mut self, alert: &Alert) {
        for e in &alert.entities {
            let set = self.entities.entry(e.kind).or_default();
            if !set.contains(&e.value) {
                set.insert(e.value.clone());
            }
        }
        match alert.verdict {
            Some(v) => {
                if let Some(c) = self.verdicts.get_mut(v.index()) {
                    *c += 1;
                }
            }
            None => self.no_verdict += 1,
        }
        match &alert.truth {
            Some(t) if t.malicious => self.malicious += 1,
            Some(_) => self.benign += 1,
            None => self.no_truth += 1,
        }
        self.first = Some(self.first.map_or(alert.time, |f| f.min(alert.time)));
        self.last = Some(self.last.map_or(alert.time, |l| l.max(alert.time)));
    }

    /// Adds a source's read counts.
    pub fn add_stats(&mut self, stats: ReadStats) {
        self.stats.merge(stats);
    }

    /// Adds another summary (of other files, or of another thread's share).
    pub fn merge(&mut self, other: &Summary) {
        self.stats.merge(other.stats);
        for (kind, values) in &other.entities {
            let set = self.entities.entry(*kind).or_default();
            for v in values {
                if !set.contains(v) {
                    set.insert(v.clone());
                }
            }
        }
        for (a, b) in self.verdicts.iter_mut().zip(other.verdicts) {
            *a += b;
        }
        self.no_verdict += other.no_verdict;
        self.malicious += other.malicious;
        self.benign += other.benign;
        self.no_truth += other.no_truth;
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The numbers.
    pub fn report(&self) -> SummaryReport {
        let verdict_name = |v: Verdict| match v {
            Verdict::TruePositive => "true_positive",
            Verdict::BenignPositive => "benign_positive",
            _ => "false_positive",
        };
        let mut verdicts: BTreeMap<&'static str, u64> = Verdict::ALL
            .iter()
            .map(|&v| {
                (
                    verdict_name(v),
                    self.verdicts.get(v.index()).copied().unwrap_or(0),
                )
            })
            .collect();
        verdicts.insert("none", self.no_verdict);
        let labels = BTreeMap::from([
            ("malicious", self.malicious),
            ("benign", self.benign),
            ("none", self.no_truth),
        ]);
        SummaryReport {
            alerts: self.stats.read,
            accepted: self.stats.accepted,
            rejected: self.stats.rejected,
            entities: self
                .entities
                .iter()
                .map(|(k, s)| (k.as_str(), s.len()))
                .collect(),
            verdicts,
            labels,
            first: self.first,
            last: self.last,
            span_seconds: self
                .first
                .zip(self.last)
                .map(|(f, l)| (l - f).num_seconds()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_core::{Entity, EntityRole, GroundTruth};

    fn alert(secs: i64, host: &str, verdict: Option<Verdict>, malicious: Option<bool>) -> Alert {
        let time = DateTime::from_timestamp(secs, 0).unwrap_or_default();
        let mut a = Alert::new(secs.to_string(), time, "t");
        a.entities
            .push(Entity::new(EntityKind::Host, host, EntityRole::Impacted));
        a.verdict = verdict;
        a.truth = malicious.map(|m| GroundTruth {
            malicious: m,
            phase: None,
            step: None,
        });
        a
    }

    #[test]
    fn merge_equals_adding_everything_to_one() {
        let alerts = [
            alert(50, "a", Some(Verdict::TruePositive), None),
            alert(10, "b", None, Some(true)),
            alert(90, "a", Some(Verdict::FalsePositive), Some(false)),
        ];
        let mut one = Summary::default();
        alerts.iter().for_each(|a| one.add(a));
        let (mut x, mut y) = (Summary::default(), Summary::default());
        x.add(&alerts[0]);
        alerts[1..].iter().for_each(|a| y.add(a));
        x.merge(&y);
        let (r1, r2) = (one.report(), x.report());
        assert_eq!(
            serde_json::to_value(&r1).ok(),
            serde_json::to_value(&r2).ok()
        );
        assert_eq!(r1.entities.get("host"), Some(&2));
        assert_eq!(r1.verdicts.get("none"), Some(&1));
        assert_eq!(r1.labels.get("malicious"), Some(&1));
        assert_eq!(r1.span_seconds, Some(80));
    }
}

//! Smoothed target encodings of alert types, hierarchical and organisation-aware.
//!
//! For each key family (detector, title, category, ...) and each key, the encoder keeps the
//! grade counts (TP, BP, FP) and the number of distinct organisations that raised it. An
//! alert's encoding is, per family: the three smoothed grade rates
//! `(n_c + m · parent_c) / (n + m)`, `ln(1 + n)` and `ln(1 + organisations)`. The `parent`
//! rates are the encoding of a coarser family for the same alert (a title backs off to its
//! detector, a detector to its category, a category to the overall rates), so a key never
//! seen in training, or seen a few times, gets its parent's rates instead of a guess.
//!
//! Tables are `BTreeMap`s: ordered, so a saved encoder is the same bytes every time, and not
//! hash-based, so keys an attacker chooses cannot flood a bucket.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use vigil_core::Alert;

use super::keys;

/// Number of columns each family writes.
pub(crate) const PER_FAMILY: usize = 5;
/// Column suffixes of each family, in order.
pub(crate) const SUFFIXES: [&str; PER_FAMILY] =
    ["tp_rate", "bp_rate", "fp_rate", "log_count", "log_orgs"];

/// The key families, coarse before fine; each names its parent (an earlier family) or none.
pub(crate) const FAMILIES: [(&str, Option<usize>); 7] = [
    ("category", None),
    ("entity_type", None),
    ("techniques", Some(0)),
    ("detector", Some(0)),
    ("title", Some(3)),
    ("detector_entity", Some(3)),
    ("title_entity", Some(4)),
];

/// The key of family `f` for an alert.
pub(crate) fn key(f: usize, a: &Alert) -> String {
    let det = a.detector.as_deref().unwrap_or("");
    match f {
        0 => a.category.clone().unwrap_or_default(),
        1 => keys::entity_type(a),
        2 => keys::techniques(a),
        3 => det.to_owned(),
        4 => a.title.clone(),
        5 => format!("{det}\u{1f}{}", keys::entity_type(a)),
        _ => format!("{}\u{1f}{}", a.title, keys::entity_type(a)),
    }
}

/// Grade counts and organisation count of one key.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct KeyStats {
    counts: [f64; 3],
    orgs: u32,
}

/// Per key: grade counts and the organisations seen, while fitting.
type Accumulator<'a> = BTreeMap<String, ([f64; 3], BTreeSet<&'a str>)>;

/// A fitted encoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TargetEncoder {
    smoothing: f64,
    prior: [f64; 3],
    tables: Vec<BTreeMap<String, KeyStats>>,
}

impl TargetEncoder {
    /// Fits on the graded alerts among `rows` of `alerts`.
    pub(crate) fn fit(alerts: &[Alert], rows: &[usize], smoothing: f64) -> Self {
        let mut total = [0.0_f64; 3];
        let mut acc: Vec<Accumulator<'_>> = vec![BTreeMap::new(); FAMILIES.len()];
        for a in rows.iter().filter_map(|&i| alerts.get(i)) {
            let Some(y) = keys::label(a) else { continue };
            if let Some(t) = total.get_mut(y) {
                *t += 1.0;
            }
            for (f, table) in acc.iter_mut().enumerate() {
                let e = table.entry(key(f, a)).or_default();
                if let Some(c) = e.0.get_mut(y) {
                    *c += 1.0;
                }
                e.1.insert(keys::org(a));
            }
        }
        let n: f64 = total.iter().sum();
        let prior = if n > 0.0 {
            total.map(|t| t / n)
        } else {
            [1.0 / 3.0; 3]
        };
        let tables = acc
            .into_iter()
            .map(|t| {
                t.into_iter()
                    .map(|(k, (counts, orgs))| {
                        let orgs = u32::try_from(orgs.len()).unwrap_or(u32::MAX);
                        (k, KeyStats { counts, orgs })
                    })
                    .collect()
            })
            .collect();
        Self {
            smoothing,
            prior,
            tables,
        }
    }

    /// Writes `FAMILIES.len() * PER_FAMILY` columns for one alert.
    pub(crate) fn encode(&self, a: &Alert, out: &mut [f64]) {
        let mut rates: Vec<[f64; 3]> = Vec::with_capacity(FAMILIES.len());
        for (f, (_, parent)) in FAMILIES.iter().enumerate() {
            let prior = parent
                .and_then(|p| rates.get(p).copied())
                .unwrap_or(self.prior);
            let stats = self.tables.get(f).and_then(|t| t.get(&key(f, a)));
            let (counts, orgs) = stats.map_or(([0.0; 3], 0), |s| (s.counts, s.orgs));
            let n: f64 = counts.iter().sum();
            let m = self.smoothing;
            let r = if n + m > 0.0 {
                [0, 1, 2].map(|c| (counts[c] + m * prior[c]) / (n + m))
            } else {
                prior
            };
            rates.push(r);
            let vals = [r[0], r[1], r[2], n.ln_1p(), f64::from(orgs).ln_1p()];
            for (j, v) in vals.into_iter().enumerate() {
                if let Some(o) = out.get_mut(f * PER_FAMILY + j) {
                    *o = v;
                }
            }
        }
    }
}

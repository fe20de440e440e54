//! The conformal-risk-control threshold, global or per group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vigil_core::Fit;

use crate::error::TriageError;

/// The largest `λ` with `(#{s < λ} + 1) / (n + 1) ≤ α` over the threat scores `tp_scores`:
/// the `(k+1)`-th smallest score with `k = ⌊α(n+1)⌋ − 1`, or `−∞` (suppress nothing) when
/// `k < 0`. `α` outside `(0, 1)` or a non-finite score is an error.
///
/// ```
/// # use vigil_triage::suppress::crc_threshold;
/// let s: Vec<f64> = (0..19).map(f64::from).collect();
/// assert_eq!(crc_threshold(&s, 0.1).unwrap(), 1.0); // k = ⌊0.1·20⌋ − 1 = 1
/// assert_eq!(crc_threshold(&s, 0.01).unwrap(), f64::NEG_INFINITY); // too few to certify
/// ```
pub fn crc_threshold(tp_scores: &[f64], alpha: f64) -> Result<f64, TriageError> {
    check_alpha(alpha)?;
    let n = tp_scores.len();
    // k = ⌊α(n+1)⌋ − 1, computed in floating point then floored; the small epsilon keeps an
    // exact product such as 0.05 · 100 = 5 from flooring to 4 through rounding.
    let allowed = (alpha * (n as f64 + 1.0) + 1e-9).floor() - 1.0;
    order_statistic(tp_scores, (allowed >= 0.0).then_some(allowed as usize))
}

/// The `(k+1)`-th smallest of `tp_scores` (`+∞` past the end), or `−∞` (suppress nothing)
/// when `k` is `None`; a non-finite score is an error either way.
fn order_statistic(tp_scores: &[f64], k: Option<usize>) -> Result<f64, TriageError> {
    if let Some((row, &value)) = tp_scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
        return Err(TriageError::NonFiniteScore { row, value });
    }
    let Some(k) = k else {
        return Ok(f64::NEG_INFINITY);
    };
    let mut sorted = tp_scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted.get(k).copied().unwrap_or(f64::INFINITY))
}

/// The largest `k` with `P(Binomial(n, α) ≤ k) ≤ δ`: how many of `n` calibration true
/// positives may lie below the threshold so that, with probability at least `1 − δ` over the
/// calibration draw, the miss rate is at most `α`. `None` when even `k = 0` is too many
/// (`(1 − α)^n > δ`). Summed in log space, since `(1 − α)^n` underflows for large `n`.
fn binomial_tolerance_rank(n: usize, alpha: f64, delta: f64) -> Option<usize> {
    let (ln_a, ln_b, ln_delta) = (alpha.ln(), (-alpha).ln_1p(), delta.ln());
    // ln P(X = 0), then ln P(X = j + 1) = ln P(X = j) + ln((n − j) / (j + 1)) + ln(α / (1 − α)).
    let mut ln_pmf = n as f64 * ln_b;
    let mut ln_cdf = f64::NEG_INFINITY;
    let mut best = None;
    for j in 0..=n {
        ln_cdf = log_add_exp(ln_cdf, ln_pmf);
        // A hair of slack so that rounding in the running sum cannot flip an exact boundary.
        if ln_cdf > ln_delta + 1e-12 {
            break;
        }
        best = Some(j);
        ln_pmf += ((n - j) as f64).ln() - ((j + 1) as f64).ln() + ln_a - ln_b;
    }
    best
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// The largest threshold that keeps the miss rate at most `α` *with probability at least
/// `1 − δ`* over the calibration draw (a distribution-free one-sided tolerance bound, the
/// binomial form of a risk-controlling prediction set: Bates et al., "Distribution-Free,
/// Risk-Controlling Prediction Sets", JACM 2021).
///
/// [`crc_threshold`] bounds the *expected* miss rate: over calibration draws it lands on
/// `α` on average, so about half of all deployments miss a little more. Here, with the
/// threat scores sorted, the threshold is `s_(k+1)` for the largest `k` with
/// `P(Binomial(n, α) ≤ k) ≤ δ`: for continuous scores the event "miss rate of `s_(k+1)` >
/// α" is exactly "at most `k` of `n` uniform draws fall below `α`". Ties only make it more
/// conservative (suppression is strictly below the threshold). The price is a threshold a
/// few standard errors `√(α(1−α)/n)` lower. `−∞` when `(1 − α)^n > δ` (too few threats).
/// Assumes exchangeable rows, like [`crc_threshold`].
///
/// ```
/// # use vigil_triage::suppress::{crc_threshold, tolerance_threshold};
/// let s: Vec<f64> = (0..1000).map(f64::from).collect();
/// // In expectation α = 0.05 allows 49 of 1,000 threats below the threshold; with 90%
/// // confidence, 40. Below 45 threats, (1 − α)^n > δ: nothing can be certified.
/// assert_eq!(crc_threshold(&s, 0.05).unwrap(), 49.0);
/// assert_eq!(tolerance_threshold(&s, 0.05, 0.1).unwrap(), 40.0);
/// assert_eq!(tolerance_threshold(&s[..40], 0.05, 0.1).unwrap(), f64::NEG_INFINITY);
/// ```
pub fn tolerance_threshold(tp_scores: &[f64], alpha: f64, delta: f64) -> Result<f64, TriageError> {
    check_alpha(alpha)?;
    check_delta(delta)?;
    order_statistic(
        tp_scores,
        binomial_tolerance_rank(tp_scores.len(), alpha, delta),
    )
}

/// Conformal risk control with *organisations* (or any clusters) as the exchangeable unit.
///
/// `tp` holds `(score, cluster)` for every calibration true positive. The loss of a cluster
/// at `λ` is the share of its true positives scored below `λ` (bounded by 1), and the
/// threshold is the largest `λ` with `(Σ_j L_j(λ) + 1) / (m + 1) ≤ α` over the `m`
/// clusters. Then the expected miss rate of a *new cluster* (a new organisation, drawn
/// like the calibration ones) is at most `α`, without assuming that rows within an
/// organisation are exchangeable with rows of others. `−∞` when nothing can be certified.
///
/// ```
/// # use vigil_triage::suppress::crc_threshold_clustered;
/// // 39 organisations, each with threats scored 0.5 and 0.9.
/// let tp: Vec<(f64, usize)> = (0..39).flat_map(|o| [(0.5, o), (0.9, o)]).collect();
/// // Suppressing below 0.9 costs each organisation half its threats: too much at α = 0.1.
/// assert_eq!(crc_threshold_clustered(&tp, 0.1).unwrap(), 0.5);
/// ```
pub fn crc_threshold_clustered(tp: &[(f64, usize)], alpha: f64) -> Result<f64, TriageError> {
    check_alpha(alpha)?;
    if let Some((row, &(value, _))) = tp.iter().enumerate().find(|(_, s)| !s.0.is_finite()) {
        return Err(TriageError::NonFiniteScore { row, value });
    }
    let mut size: BTreeMap<usize, f64> = BTreeMap::new();
    for &(_, c) in tp {
        *size.entry(c).or_default() += 1.0;
    }
    let m = size.len() as f64;
    let budget = alpha * (m + 1.0) - 1.0;
    if budget < 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    let mut sorted = tp.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Walk thresholds upwards: at λ = the i-th distinct score, the loss is the weight of
    // every score strictly below it.
    let (mut loss, mut best, mut i) = (0.0_f64, f64::NEG_INFINITY, 0);
    while let Some(&(s, _)) = sorted.get(i) {
        if loss > budget + 1e-12 {
            break;
        }
        best = s;
        while let Some(&(t, c)) = sorted.get(i) {
            if t != s {
                break;
            }
            loss += 1.0 / size.get(&c).copied().unwrap_or(1.0);
            i += 1;
        }
    }
    Ok(best)
}

fn check_delta(delta: f64) -> Result<(), TriageError> {
    check_open_unit("delta", delta)
}

fn check_alpha(alpha: f64) -> Result<(), TriageError> {
    check_open_unit("alpha", alpha)
}

/// A probability-like parameter must lie strictly between 0 and 1 (NaN does not).
fn check_open_unit(name: &'static str, value: f64) -> Result<(), TriageError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(TriageError::InvalidParameter {
            name,
            reason: format!("must be in (0, 1), got {value}"),
        })
    }
}

/// Calibration data for suppression: scores, whether each row is a threat, and optionally a
/// group (detector) per row.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressionSet {
    scores: Vec<f64>,
    threat: Vec<bool>,
    groups: Option<Vec<String>>,
    clusters: Option<Vec<String>>,
}

impl SuppressionSet {
    /// Builds the set; lengths must agree and scores be finite.
    pub fn new(
        scores: Vec<f64>,
        threat: Vec<bool>,
        groups: Option<Vec<String>>,
    ) -> Result<Self, TriageError> {
        if threat.len() != scores.len() {
            return Err(TriageError::LengthMismatch {
                what: "suppression labels",
                expected: scores.len(),
                found: threat.len(),
            });
        }
        if let Some(g) = &groups
            && g.len() != scores.len()
        {
            return Err(TriageError::LengthMismatch {
                what: "suppression groups",
                expected: scores.len(),
                found: g.len(),
            });
        }
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(TriageError::NonFiniteScore { row, value });
        }
        Ok(Self {
            scores,
            threat,
            groups,
            clusters: None,
        })
    }

    /// Adds the exchangeable unit of each row (its organisation), for
    /// [`SuppressionParams::clustered`].
    pub fn with_clusters(mut self, clusters: Vec<String>) -> Result<Self, TriageError> {
        if clusters.len() != self.scores.len() {
            return Err(TriageError::LengthMismatch {
                what: "suppression clusters",
                expected: self.scores.len(),
                found: clusters.len(),
            });
        }
        self.clusters = Some(clusters);
        Ok(self)
    }

    /// The threshold of the true positives among `rows` (all rows when `None`), by rows or
    /// by clusters.
    fn threshold(
        &self,
        rows: Option<&[usize]>,
        params: &SuppressionParams,
    ) -> Result<f64, TriageError> {
        let (alpha, clustered) = (params.alpha, params.clustered);
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..self.scores.len()).collect();
                &all
            }
        };
        let tp = rows
            .iter()
            .copied()
            .filter(|&i| self.threat.get(i) == Some(&true));
        match (&self.clusters, clustered) {
            (Some(c), true) => {
                let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
                let pairs: Vec<(f64, usize)> = tp
                    .filter_map(|i| {
                        let name = c.get(i)?.as_str();
                        let n = ids.len();
                        let id = *ids.entry(name).or_insert(n);
                        Some((*self.scores.get(i)?, id))
                    })
                    .collect();
                crc_threshold_clustered(&pairs, alpha)
            }
            _ => {
                let s: Vec<f64> = tp.filter_map(|i| self.scores.get(i).copied()).collect();
                match params.delta {
                    Some(delta) => tolerance_threshold(&s, alpha, delta),
                    None => crc_threshold(&s, alpha),
                }
            }
        }
    }
}

/// Hyperparameters of suppression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressionParams {
    /// Largest expected share of true positives that may be suppressed, in `(0, 1)`.
    pub alpha: f64,
    /// Per-group thresholds for groups with at least this many calibration true positives
    /// (`None`: one global threshold).
    pub per_group: Option<usize>,
    /// Treat clusters (organisations, from [`SuppressionSet::with_clusters`]) rather than
    /// rows as exchangeable ([`crc_threshold_clustered`]).
    #[serde(default)]
    pub clustered: bool,
    /// `Some(δ)`: bound the miss rate with probability at least `1 − δ` over the calibration
    /// draw ([`tolerance_threshold`]) instead of in expectation ([`crc_threshold`]). Row-level
    /// only: combined with `clustered` it is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
}

impl SuppressionParams {
    /// One global threshold at level `alpha`.
    pub fn new(alpha: f64) -> Self {
        Self {
            alpha,
            per_group: None,
            clustered: false,
            delta: None,
        }
    }

    /// Bound the miss rate with probability at least `1 − delta` instead of in expectation
    /// ([`tolerance_threshold`]).
    pub fn confidence(mut self, delta: f64) -> Self {
        self.delta = Some(delta);
        self
    }

    /// Organisations (clusters) as the exchangeable unit.
    pub fn clustered(mut self, yes: bool) -> Self {
        self.clustered = yes;
        self
    }

    /// Per-group thresholds for groups with at least `min_tp` calibration true positives;
    /// the other groups share one threshold fitted on their pooled true positives.
    pub fn per_group(mut self, min_tp: usize) -> Self {
        self.per_group = Some(min_tp);
        self
    }
}

/// A fitted suppressor: suppress when the score is strictly below the threshold.
///
/// Thresholds may be −∞ (nothing certified); JSON has no infinities, so they are saved as
/// the strings `"-inf"` / `"inf"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressor {
    alpha: f64,
    #[serde(with = "extended_f64")]
    global: f64,
    /// Thresholds of groups with their own; others use `pooled`.
    #[serde(with = "extended_f64_map")]
    groups: BTreeMap<String, f64>,
    #[serde(with = "extended_f64")]
    pooled: f64,
    n_tp: usize,
    /// The confidence parameter of a high-probability bound (`None`: in expectation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delta: Option<f64>,
}

/// An `f64` that may be infinite, as JSON: finite numbers as numbers, ±∞ as strings.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Ext {
    Num(f64),
    Text(String),
}

impl Ext {
    fn from_f64(v: f64) -> Self {
        if v.is_finite() {
            Self::Num(v)
        } else if v > 0.0 {
            Self::Text("inf".into())
        } else {
            Self::Text("-inf".into())
        }
    }

    fn into_f64<E: serde::de::Error>(self) -> Result<f64, E> {
        match self {
            Self::Num(v) => Ok(v),
            Self::Text(t) if t == "-inf" => Ok(f64::NEG_INFINITY),
            Self::Text(t) if t == "inf" => Ok(f64::INFINITY),
            Self::Text(t) => Err(E::custom(format!(
                "expected a number, \"inf\" or \"-inf\", found {t:?}"
            ))),
        }
    }
}

mod extended_f64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        super::Ext::from_f64(*v).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::Ext::deserialize(d)?.into_f64()
    }
}

mod extended_f64_map {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<String, f64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let v: BTreeMap<&String, super::Ext> = m
            .iter()
            .map(|(k, v)| (k, super::Ext::from_f64(*v)))
            .collect();
        v.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, f64>, D::Error> {
        BTreeMap::<String, super::Ext>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| v.into_f64().map(|f| (k, f)))
            .collect()
    }
}

impl Fit<SuppressionSet> for SuppressionParams {
    type Fitted = Suppressor;
    type Error = TriageError;

    fn fit(&self, set: &SuppressionSet) -> Result<Suppressor, TriageError> {
        check_alpha(self.alpha)?;
        if let Some(delta) = self.delta {
            check_delta(delta)?;
            if self.clustered {
                return Err(TriageError::InvalidParameter {
                    name: "delta",
                    reason: "the high-probability bound is row-level; it cannot be combined \
                             with organisation-exchangeable (clustered) suppression"
                        .into(),
                });
            }
        }
        let n_tp = set.threat.iter().filter(|t| **t).count();
        let global = set.threshold(None, self)?;
        let mut groups = BTreeMap::new();
        let mut pooled = global;
        if let (Some(min_tp), Some(g)) = (self.per_group, &set.groups) {
            // BTreeMap: group order, hence the result, does not depend on hashing.
            let mut by_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, (t, name)) in set.threat.iter().zip(g).enumerate() {
                if *t {
                    by_group.entry(name.as_str()).or_default().push(i);
                }
            }
            let mut rest = Vec::new();
            for (name, rows) in by_group {
                if rows.len() >= min_tp.max(1) {
                    let t = set.threshold(Some(&rows), self)?;
                    groups.insert(name.to_owned(), t);
                } else {
                    rest.extend(rows);
                }
            }
            pooled = set.threshold(Some(&rest), self)?;
        }
        Ok(Suppressor {
            alpha: self.alpha,
            global,
            groups,
            pooled,
            n_tp,
            delta: self.delta,
        })
    }
}

impl Suppressor {
    /// The level it was fitted for.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `Some(δ)` when the bound holds with probability at least `1 − δ` over the calibration
    /// draw; `None` when it holds in expectation.
    pub fn delta(&self) -> Option<f64> {
        self.delta
    }

    /// The global threshold (−∞ when nothing could be certified).
    pub fn global_threshold(&self) -> f64 {
        self.global
    }

    /// Number of calibration true positives it was fitted on.
    pub fn n_calibration_threats(&self) -> usize {
        self.n_tp
    }

    /// The threshold that applies to `group` (the global one without per-group fitting).
    pub fn threshold_for(&self, group: Option<&str>) -> f64 {
        if self.groups.is_empty() && self.pooled == self.global {
            return self.global;
        }
        group
            .and_then(|g| self.groups.get(g))
            .copied()
            .unwrap_or(self.pooled)
    }

    /// True when an alert of `group` with threat score `score` is suppressed.
    pub fn suppress(&self, score: f64, group: Option<&str>) -> bool {
        let s = if score.is_nan() { 0.0 } else { score };
        s < self.threshold_for(group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `P(Binomial(n, p) ≤ k)` summed directly (fine for the small `n` here).
    fn cdf(n: usize, p: f64, k: usize) -> f64 {
        let mut c = 1.0_f64; // C(n, 0)
        let mut sum = 0.0;
        for j in 0..=k {
            if j > 0 {
                c = c * (n - j + 1) as f64 / j as f64;
            }
            sum += c * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32);
        }
        sum
    }

    #[test]
    fn tolerance_rank_matches_the_direct_binomial_sum() {
        for n in [1usize, 10, 45, 60, 100, 150] {
            for alpha in [0.01, 0.05, 0.1, 0.3] {
                for delta in [0.01, 0.1, 0.5] {
                    let got = binomial_tolerance_rank(n, alpha, delta);
                    let want = (0..=n).take_while(|&k| cdf(n, alpha, k) <= delta).last();
                    assert_eq!(got, want, "n={n} alpha={alpha} delta={delta}");
                }
            }
        }
    }

    #[test]
    fn tolerance_rank_survives_large_n() {
        // (1 − 0.05)^200000 underflows in linear space; the log-space sum does not.
        let k = binomial_tolerance_rank(200_000, 0.05, 0.1);
        // Normal approximation: 10000 − 1.2816 · √9500 ≈ 9875.
        assert!(matches!(k, Some(k) if (9860..=9890).contains(&k)), "{k:?}");
    }

    #[test]
    fn delta_is_checked_and_not_clustered() {
        let set = SuppressionSet::new(vec![0.5; 100], vec![true; 100], None)
            .and_then(|s| s.with_clusters(vec!["a".into(); 100]));
        let Ok(set) = set else {
            panic!("valid set");
        };
        for bad in [0.0, 1.0, -0.1, f64::NAN] {
            let r = SuppressionParams::new(0.05).confidence(bad).fit(&set);
            assert!(matches!(
                r,
                Err(TriageError::InvalidParameter { name: "delta", .. })
            ));
        }
        let r = SuppressionParams::new(0.05)
            .confidence(0.1)
            .clustered(true)
            .fit(&set);
        assert!(matches!(
            r,
            Err(TriageError::InvalidParameter { name: "delta", .. })
        ));
        let ok = SuppressionParams::new(0.05).confidence(0.1).fit(&set);
        assert!(matches!(ok, Ok(ref s) if s.delta() == Some(0.1)));
        // δ survives a save; a suppressor without one saves as before (no `delta` key).
        if let Ok(s) = ok {
            let json = serde_json::to_string(&s).unwrap_or_default();
            let back: Result<Suppressor, _> = serde_json::from_str(&json);
            assert!(matches!(back, Ok(b) if b == s));
        }
        let plain = SuppressionParams::new(0.05).fit(&set);
        let json = plain.map(|s| serde_json::to_string(&s).unwrap_or_default());
        assert!(matches!(json, Ok(j) if !j.contains("delta")));
    }
}

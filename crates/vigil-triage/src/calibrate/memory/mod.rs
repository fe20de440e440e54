//! Verdict memory: analysts' grades fed back into their organisation's next confidences
//! (see [`VerdictMemory`]).

use std::collections::VecDeque;
use std::hash::BuildHasher;

use serde::{Deserialize, Serialize};
use vigil_core::{Alert, SeededMap, SeededState};

use crate::error::TriageError;

mod hook;
mod persist;

pub use hook::{MemoryHook, MemoryHookStats};
pub use persist::{MEMORY_MAGIC, MEMORY_VERSION};

/// Confidences are clamped to `[EPS, 1 - EPS]` before taking logits, so 0 and 1 stay finite.
const EPS: f64 = 1e-6;

/// Newton iterations at most for one offset (the objective is strictly concave).
const NEWTON_ITERS: usize = 30;

/// Hyperparameters of a [`VerdictMemory`] (unchecked; see [`VerdictMemoryParams::check`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VerdictMemoryParams {
    /// Prior standard deviation of an organisation's logit offset.
    pub sigma_org: f64,
    /// Prior standard deviation of an (organisation, alert key) offset on top of it.
    pub sigma_key: f64,
    /// Prior standard deviation of a *shared* alert-key offset learned from the verdicts of
    /// every other organisation (what analysts across tenants decided lately about this
    /// title); 0 turns sharing off, so no organisation's verdicts touch another's confidences.
    /// Absent in serialized parameters from before sharing existed: read as 0.
    #[serde(default)]
    pub sigma_shared: f64,
    /// Graded alerts remembered per organisation (the oldest are forgotten first).
    pub max_history: usize,
    /// Seed of the hasher of organisation names and alert keys.
    pub seed: u64,
}

impl Default for VerdictMemoryParams {
    /// `sigma_org` 1, `sigma_key` 1 (a logit offset of ±2 is plausible a priori), no sharing
    /// across organisations, 256 verdicts per organisation (and per shared key), seed 0.
    /// [`select_sigmas`] and [`select_shared`] replace the widths with fitted ones.
    fn default() -> Self {
        Self {
            sigma_org: 1.0,
            sigma_key: 1.0,
            sigma_shared: 0.0,
            max_history: 256,
            seed: 0,
        }
    }
}

/// Checked hyperparameters of a [`VerdictMemory`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValidVerdictMemoryParams(VerdictMemoryParams);

impl VerdictMemoryParams {
    /// Validates: `sigma_org`, `sigma_key` finite and > 0, `sigma_shared` finite and ≥ 0,
    /// `max_history` ≥ 1.
    pub fn check(self) -> Result<ValidVerdictMemoryParams, TriageError> {
        crate::error::require_non_negative("memory.sigma_shared", self.sigma_shared)?;
        crate::error::require_positive("memory.sigma_org", self.sigma_org)?;
        crate::error::require_positive("memory.sigma_key", self.sigma_key)?;
        if self.max_history == 0 {
            return Err(TriageError::InvalidParameter {
                name: "memory.max_history",
                reason: "must be at least 1".into(),
            });
        }
        Ok(ValidVerdictMemoryParams(self))
    }
}

impl ValidVerdictMemoryParams {
    /// The hyperparameters.
    pub fn params(&self) -> VerdictMemoryParams {
        self.0
    }

    /// An empty memory.
    pub fn build(self) -> VerdictMemory {
        VerdictMemory {
            params: self.0,
            hasher: SeededState::with_seed(self.0.seed),
            orgs: SeededMap::with_hasher(SeededState::with_seed(self.0.seed ^ 0x6d65_6d6f)),
            shared: SeededMap::with_hasher(SeededState::with_seed(self.0.seed ^ 0x7368_6172)),
        }
    }
}

/// One remembered verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Graded {
    /// Logit of the model's confidence when the alert was scored, moved by the shared offset
    /// of its key at the time it was recorded (0 without sharing).
    z: f64,
    /// Fingerprint of the alert key.
    key: u64,
    /// Whether analysts graded it a true positive.
    threat: bool,
}

/// One verdict in a shared (cross-organisation) key history.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SharedGraded {
    /// Logit of the model's confidence.
    z: f64,
    /// Fingerprint of the organisation, so that its own verdicts are left out of its offset.
    org: u64,
    /// Whether analysts graded it a true positive.
    threat: bool,
}

/// One organisation's remembered verdicts and its cached offset.
#[derive(Debug, Clone, Default, PartialEq)]
struct OrgHistory {
    rows: VecDeque<Graded>,
    /// `b_org` of `rows`, refreshed on every record.
    offset: f64,
}

/// Verdict memory: what analysts already decided about an organisation's alerts, fed back
/// into the confidence of its next ones.
///
/// A model scores a new organisation from what other organisations' analysts decided, and
/// GUIDE shows how far that carries: grades are mostly a property of the organisation (85% of
/// rows carry their organisation's majority grade) and of the organisation's own habits with
/// an alert title. No feature of a single alert can know that, so a calibrator fitted on other
/// organisations stays off for each new one. The collaboration layer can: as the
/// organisation's analysts grade alerts, their verdicts show how the organisation departs from
/// the model.
///
/// The memory keeps, per organisation, its last `max_history` graded alerts: the confidence
/// the model gave each (as a logit `z`), a fingerprint of its alert key (title, or detector)
/// and whether it was a true positive. A new alert's confidence becomes
/// `σ(z + b_org + b_key)`, where
/// - `b_org` is the MAP logit offset of the organisation's history under a Gaussian prior
///   `N(0, sigma_org²)` (a random intercept: an organisation with no verdicts gets 0, so the
///   model's confidence is returned unchanged; one with many gets its own base rate);
/// - `b_key` is the same for the history with the same alert key, on top of `b_org`, under
///   `N(0, sigma_key²)` ("this organisation closes this title as benign every time").
///
/// With `sigma_shared > 0` (off by default: it lets one tenant's verdicts move another
/// tenant's confidences, which a multi-tenant SOC must choose to allow), a third offset
/// `b_shared` comes first: the MAP offset of the last `max_history` verdicts on the same
/// alert key from *other* organisations ("analysts everywhere closed this title as benign this
/// week"); it is what a brand-new organisation gets before its own first verdict, and each
/// remembered verdict stores its logit moved by the `b_shared` of its time, so `b_org` and
/// `b_key` measure the organisation's departure from it.
///
/// The prior widths are hyperparameters; [`select_sigmas`] (and [`select_shared`] for the
/// shared width) chooses them by empirical Bayes (the prequential log-likelihood of a replay)
/// on graded training data, never on the organisations being scored. [`replay`] runs that
/// prequential protocol: alerts in time order, each scored with only the verdicts given at
/// least `lag` seconds before it (its own organisation's, and with sharing the others').
/// [`VerdictMemory::save`] and [`VerdictMemory::load`] keep the verdicts across restarts
/// (a versioned, checksummed format; a damaged file is a typed error).
///
/// ```
/// use vigil_triage::calibrate::VerdictMemoryParams;
///
/// # fn main() -> Result<(), vigil_triage::error::TriageError> {
/// let mut memory = VerdictMemoryParams::default().check()?.build();
/// // No verdicts yet: the model's confidence stands.
/// assert!((memory.confidence("org-1", "title-7", 0.3) - 0.3).abs() < 1e-12);
/// // This organisation's analysts closed title-7 as benign ten times.
/// for _ in 0..10 {
///     memory.record("org-1", "title-7", 0.3, false);
/// }
/// assert!(memory.confidence("org-1", "title-7", 0.3) < 0.1);
/// // Another organisation is unaffected.
/// assert!((memory.confidence("org-2", "title-7", 0.3) - 0.3).abs() < 1e-12);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VerdictMemory {
    params: VerdictMemoryParams,
    hasher: SeededState,
    orgs: SeededMap<String, OrgHistory>,
    /// Per alert-key fingerprint, the last verdicts of every organisation (only filled when
    /// `sigma_shared > 0`).
    shared: SeededMap<u64, VecDeque<SharedGraded>>,
}

impl VerdictMemory {
    /// The hyperparameters.
    pub fn params(&self) -> VerdictMemoryParams {
        self.params
    }

    /// Organisations with at least one verdict.
    pub fn organisations(&self) -> usize {
        self.orgs.len()
    }

    /// Remembers an analyst's verdict on an alert of `org` with alert key `key` that the
    /// model had given `confidence` (its threat probability before this memory).
    pub fn record(&mut self, org: &str, key: &str, confidence: f64, threat: bool) {
        let key = self.hasher.hash_one(key);
        let sigma = self.params.sigma_org;
        let cap = self.params.max_history;
        let z = logit(confidence);
        // The organisation's offsets are fitted on top of the shared offset this verdict's
        // key had when it arrived, the same way a new alert is scored.
        let org_fp = self.hasher.hash_one(org);
        let b_shared = self.shared_offset_of(org_fp, key);
        if self.params.sigma_shared > 0.0 {
            let rows = self.shared.entry(key).or_default();
            if rows.len() >= cap {
                rows.pop_front();
            }
            rows.push_back(SharedGraded {
                z,
                org: org_fp,
                threat,
            });
        }
        if !self.orgs.contains_key(org) {
            self.orgs.insert(org.to_owned(), OrgHistory::default());
        }
        let Some(history) = self.orgs.get_mut(org) else {
            return;
        };
        if history.rows.len() >= cap {
            history.rows.pop_front();
        }
        history.rows.push_back(Graded {
            z: z + b_shared,
            key,
            threat,
        });
        history.offset = map_offset(history.rows.iter().map(|g| (g.z, g.threat)), sigma);
    }

    /// [`VerdictMemory::record`] for a graded alert: its tenant, its [`alert_key`], the
    /// confidence the model gave it, and its verdict (an ungraded alert is ignored).
    pub fn record_alert(&mut self, alert: &Alert, confidence: f64) {
        if let Some(v) = alert.verdict {
            let org = alert.tenant.as_deref().unwrap_or("");
            self.record(org, alert_key(alert), confidence, v.index() == 0);
        }
    }

    /// [`VerdictMemory::confidence`] for an alert: its tenant and its [`alert_key`].
    pub fn confidence_for(&self, alert: &Alert, confidence: f64) -> f64 {
        let org = alert.tenant.as_deref().unwrap_or("");
        self.confidence(org, alert_key(alert), confidence)
    }

    /// The shared offset the memory applies to an alert of `org` with `key`: the MAP logit
    /// offset of the other organisations' recent verdicts on `key` (0 without sharing).
    pub fn shared_offset(&self, org: &str, key: &str) -> f64 {
        self.shared_offset_of(self.hasher.hash_one(org), self.hasher.hash_one(key))
    }

    fn shared_offset_of(&self, org: u64, key: u64) -> f64 {
        let sigma = self.params.sigma_shared;
        match self.shared.get(&key) {
            Some(rows) if sigma > 0.0 => map_offset(
                rows.iter()
                    .filter(|g| g.org != org)
                    .map(|g| (g.z, g.threat)),
                sigma,
            ),
            _ => 0.0,
        }
    }

    /// The offsets `(b_org, b_key)` the memory applies to an alert of `org` with `key`, on
    /// top of [`VerdictMemory::shared_offset`].
    pub fn offsets(&self, org: &str, key: &str) -> (f64, f64) {
        let Some(history) = self.orgs.get(org) else {
            return (0.0, 0.0);
        };
        let fp = self.hasher.hash_one(key);
        let b_org = history.offset;
        let b_key = map_offset(
            history
                .rows
                .iter()
                .filter(|g| g.key == fp)
                .map(|g| (g.z + b_org, g.threat)),
            self.params.sigma_key,
        );
        (b_org, b_key)
    }

    /// The confidence of an alert of `org` with alert key `key` that the model gave
    /// `confidence`, after its organisation's remembered verdicts; `confidence` itself
    /// (clamped to `[0, 1]`) when the organisation has none.
    pub fn confidence(&self, org: &str, key: &str, confidence: f64) -> f64 {
        let (b_org, b_key) = self.offsets(org, key);
        let b_shared = self.shared_offset(org, key);
        if b_org == 0.0 && b_key == 0.0 && b_shared == 0.0 {
            return if confidence.is_nan() {
                0.0
            } else {
                confidence.clamp(0.0, 1.0)
            };
        }
        sigmoid(logit(confidence) + b_shared + b_org + b_key)
    }
}

/// The key an alert's verdicts are remembered under within its organisation: its title, or
/// its detector when it has no title.
pub fn alert_key(alert: &Alert) -> &str {
    if alert.title.is_empty() {
        alert.detector.as_deref().unwrap_or("")
    } else {
        &alert.title
    }
}

/// `ln(p / (1 - p))` with `p` clamped to `[EPS, 1 - EPS]` (NaN read as 0).
fn logit(p: f64) -> f64 {
    let p = if p.is_nan() { 0.0 } else { p }.clamp(EPS, 1.0 - EPS);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The MAP offset `b` of `Σ log σ(±(z + b)) - b² / 2σ²` by Newton's method (steps capped at
/// ±4 so a long one-sided history cannot overshoot); 0 for no rows.
fn map_offset(rows: impl Iterator<Item = (f64, bool)> + Clone, sigma: f64) -> f64 {
    let prec = 1.0 / (sigma * sigma);
    let mut b = 0.0_f64;
    for _ in 0..NEWTON_ITERS {
        let (mut g, mut h, mut n) = (-b * prec, prec, 0usize);
        for (z, y) in rows.clone() {
            let p = sigmoid(z + b);
            g += f64::from(u8::from(y)) - p;
            h += p * (1.0 - p);
            n += 1;
        }
        if n == 0 {
            return 0.0;
        }
        let step = (g / h).clamp(-4.0, 4.0);
        b += step;
        if step.abs() < 1e-10 {
            break;
        }
    }
    b
}

/// One graded alert of a prequential [`replay`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayRow<'a> {
    /// Organisation (tenant).
    pub org: &'a str,
    /// Alert key: the title, or the detector.
    pub key: &'a str,
    /// When the alert was raised, Unix seconds.
    pub time: i64,
    /// The model's threat probability (before the memory).
    pub confidence: f64,
    /// Whether analysts graded it a true positive.
    pub threat: bool,
}

/// Prequential replay: every row's confidence after a fresh [`VerdictMemory`] has been told the
/// verdicts of exactly those rows raised more than `lag_secs` before it (its own
/// organisation's, and with `sigma_shared > 0` the other organisations' for the shared
/// offset) (the time analysts take to grade; a negative lag is read as 0, so no row ever
/// sees its own grade or a later one). Rows are visited in time order (ties in input order);
/// the output is in input order. Deterministic.
pub fn replay(params: ValidVerdictMemoryParams, rows: &[ReplayRow<'_>], lag_secs: i64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows.get(i).map_or(i64::MIN, |r| r.time));
    let mut memory = params.build();
    let mut out = vec![0.0; rows.len()];
    let mut released = 0usize;
    for &i in &order {
        let Some(row) = rows.get(i) else { continue };
        let horizon = row.time.saturating_sub(lag_secs.max(0));
        while let Some(prev) = order.get(released).and_then(|&j| rows.get(j)) {
            if prev.time >= horizon {
                break;
            }
            memory.record(prev.org, prev.key, prev.confidence, prev.threat);
            released += 1;
        }
        if let Some(o) = out.get_mut(i) {
            *o = memory.confidence(row.org, row.key, row.confidence);
        }
    }
    out
}

/// The prior widths, from `grid` × `grid`, whose [`replay`] of `rows` has the highest mean
/// log-likelihood of the verdicts (empirical Bayes); ties go to the first pair. Returns the
/// checked parameters (`base` with the chosen widths) and that log-likelihood.
pub fn select_sigmas(
    base: VerdictMemoryParams,
    rows: &[ReplayRow<'_>],
    lag_secs: i64,
    grid: &[f64],
) -> Result<(ValidVerdictMemoryParams, f64), TriageError> {
    if rows.is_empty() || grid.is_empty() {
        return Err(TriageError::InsufficientData {
            reason: "choosing the verdict memory's widths needs graded rows and a grid".into(),
        });
    }
    let candidates = grid.iter().flat_map(|&sigma_org| {
        grid.iter().map(move |&sigma_key| VerdictMemoryParams {
            sigma_org,
            sigma_key,
            ..base
        })
    });
    most_likely(candidates, rows, lag_secs, "width pair")
}

/// The shared width from `{0} ∪ grid` (0: no sharing) whose [`replay`] of `rows` has the
/// highest mean log-likelihood of the verdicts, the other widths of `params` kept (choose
/// them first with [`select_sigmas`]); ties go to the smaller width. Returns the checked
/// parameters and that log-likelihood.
pub fn select_shared(
    params: ValidVerdictMemoryParams,
    rows: &[ReplayRow<'_>],
    lag_secs: i64,
    grid: &[f64],
) -> Result<(ValidVerdictMemoryParams, f64), TriageError> {
    if rows.is_empty() {
        return Err(TriageError::InsufficientData {
            reason: "choosing the verdict memory's shared width needs graded rows".into(),
        });
    }
    let mut widths: Vec<f64> = std::iter::once(0.0).chain(grid.iter().copied()).collect();
    widths.sort_by(f64::total_cmp);
    widths.dedup();
    let candidates = widths.into_iter().map(|sigma_shared| VerdictMemoryParams {
        sigma_shared,
        ..params.params()
    });
    most_likely(candidates, rows, lag_secs, "shared width")
}

/// The checked candidate whose [`replay`] of `rows` has the highest mean log-likelihood of the
/// verdicts (ties to the first), with that log-likelihood; `what` names the candidates in the
/// error when there are none.
fn most_likely(
    candidates: impl Iterator<Item = VerdictMemoryParams>,
    rows: &[ReplayRow<'_>],
    lag_secs: i64,
    what: &str,
) -> Result<(ValidVerdictMemoryParams, f64), TriageError> {
    let mut best: Option<(ValidVerdictMemoryParams, f64)> = None;
    for candidate in candidates {
        let params = candidate.check()?;
        let ll = mean_log_likelihood(&replay(params, rows, lag_secs), rows);
        if best.as_ref().is_none_or(|b| ll > b.1) {
            best = Some((params, ll));
        }
    }
    best.ok_or_else(|| TriageError::InsufficientData {
        reason: format!("no {what} was evaluated"),
    })
}

/// Mean log-likelihood of the verdicts of `rows` under the confidences `warm`.
fn mean_log_likelihood(warm: &[f64], rows: &[ReplayRow<'_>]) -> f64 {
    warm.iter()
        .zip(rows)
        .map(|(&p, r)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if r.threat { p.ln() } else { (1.0 - p).ln() }
        })
        .sum::<f64>()
        / rows.len().max(1) as f64
}

/// The grid [`select_sigmas`] searches by default: 0.25 to 16 in factors of two (a logit
/// offset of ±32 is beyond any real organisation, so the top is not a constraint).
pub const SIGMA_GRID: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn memory() -> VerdictMemory {
        VerdictMemoryParams::default().check().unwrap().build()
    }

    #[test]
    fn rejects_bad_parameters() {
        let bad = VerdictMemoryParams {
            sigma_org: 0.0,
            ..VerdictMemoryParams::default()
        };
        assert!(bad.check().is_err());
        let bad = VerdictMemoryParams {
            max_history: 0,
            ..VerdictMemoryParams::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn threats_raise_and_benign_verdicts_lower_an_organisation() {
        let mut m = memory();
        for _ in 0..10 {
            m.record("hot", "k", 0.2, true);
            m.record("cold", "k", 0.2, false);
        }
        assert!(m.confidence("hot", "other", 0.2) > 0.5);
        assert!(m.confidence("cold", "other", 0.2) < 0.1);
        // The same key moves further than another key of the same organisation.
        assert!(m.confidence("hot", "k", 0.2) > m.confidence("hot", "other", 0.2));
    }

    #[test]
    fn history_is_bounded() {
        let mut m = VerdictMemoryParams {
            max_history: 4,
            ..VerdictMemoryParams::default()
        }
        .check()
        .unwrap()
        .build();
        for _ in 0..10 {
            m.record("o", "k", 0.5, true);
        }
        for _ in 0..4 {
            m.record("o", "k", 0.5, false);
        }
        // Only the four benign verdicts remain.
        assert!(m.confidence("o", "k", 0.5) < 0.5);
    }

    #[test]
    fn replay_uses_only_verdicts_older_than_the_lag() {
        let rows: Vec<ReplayRow<'_>> = (0..6)
            .map(|i| ReplayRow {
                org: "o",
                key: "k",
                time: i * 100,
                confidence: 0.5,
                threat: false,
            })
            .collect();
        let warm = replay(VerdictMemoryParams::default().check().unwrap(), &rows, 150);
        // A negative lag must not leak a row's own or later grades.
        let none = replay(
            VerdictMemoryParams::default().check().unwrap(),
            &rows,
            -1000,
        );
        assert_eq!(none[0], 0.5);
        // Rows at 0 and 100 see no verdict 150 s older; the row at 200 sees the one at 0.
        assert_eq!(warm[0], 0.5);
        assert_eq!(warm[1], 0.5);
        assert!(warm[2] < 0.5);
        assert!(warm[5] < warm[2]);
    }

    #[test]
    fn select_sigmas_prefers_wide_priors_for_a_deviant_organisation() {
        let rows: Vec<ReplayRow<'_>> = (0..200)
            .map(|i| ReplayRow {
                org: if i % 2 == 0 { "a" } else { "b" },
                key: "k",
                time: i,
                confidence: 0.5,
                threat: i % 2 == 0,
            })
            .collect();
        let (p, ll) = select_sigmas(VerdictMemoryParams::default(), &rows, 0, &SIGMA_GRID).unwrap();
        assert!(p.params().sigma_org >= 2.0, "{:?}", p.params());
        assert!(ll > 0.5_f64.ln());
    }

    fn shared(sigma: f64) -> VerdictMemory {
        VerdictMemoryParams {
            sigma_shared: sigma,
            ..VerdictMemoryParams::default()
        }
        .check()
        .unwrap()
        .build()
    }

    #[test]
    fn shared_verdicts_reach_other_organisations_only_when_asked() {
        for sigma in [0.0, 1.0] {
            let mut m = shared(sigma);
            for _ in 0..20 {
                m.record("a", "noisy-title", 0.5, false);
            }
            // An organisation's own verdicts never enter its shared offset.
            assert_eq!(m.shared_offset("a", "noisy-title"), 0.0);
            let b = m.confidence("b", "noisy-title", 0.5);
            if sigma == 0.0 {
                assert_eq!(b, 0.5, "sharing off: another tenant is untouched");
            } else {
                assert!(b < 0.2, "sharing on: {b}");
                // Another key is untouched either way.
                assert_eq!(m.confidence("b", "other", 0.5), 0.5);
            }
        }
        let bad = VerdictMemoryParams {
            sigma_shared: -1.0,
            ..VerdictMemoryParams::default()
        };
        assert!(bad.check().is_err());
        let bad = VerdictMemoryParams {
            sigma_shared: f64::NAN,
            ..VerdictMemoryParams::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn a_saved_memory_loads_and_answers_the_same() {
        let mut m = shared(1.0);
        for i in 0..300 {
            let org = format!("org-{}", i % 7);
            let key = format!("title-{}", i % 5);
            m.record(&org, &key, (i % 10) as f64 / 10.0, i % 3 == 0);
        }
        let mut bytes = Vec::new();
        m.save(&mut bytes).unwrap();
        let back = VerdictMemory::load(bytes.as_slice()).unwrap();
        assert_eq!(back.params(), m.params());
        assert_eq!(back.organisations(), m.organisations());
        for o in 0..8 {
            for k in 0..6 {
                let (org, key) = (format!("org-{o}"), format!("title-{k}"));
                assert_eq!(
                    back.confidence(&org, &key, 0.3).to_bits(),
                    m.confidence(&org, &key, 0.3).to_bits()
                );
            }
        }
        // Saving again gives the same bytes (organisations and keys are written sorted).
        let mut again = Vec::new();
        back.save(&mut again).unwrap();
        assert_eq!(again, bytes);
        // And it keeps learning as the original would.
        let (mut a, mut b) = (m, back);
        a.record("org-1", "title-2", 0.9, false);
        b.record("org-1", "title-2", 0.9, false);
        assert_eq!(
            a.confidence("org-1", "title-2", 0.5).to_bits(),
            b.confidence("org-1", "title-2", 0.5).to_bits()
        );
    }

    #[test]
    fn a_damaged_memory_is_a_typed_error() {
        let mut m = memory();
        m.record("o", "k", 0.2, true);
        let mut bytes = Vec::new();
        m.save(&mut bytes).unwrap();
        let is_format = |r: Result<VerdictMemory, TriageError>| {
            matches!(r, Err(TriageError::MemoryFormat { .. }))
        };
        // Wrong magic, newer version, flipped byte in the JSON, truncated, trailing bytes.
        let mut b = bytes.clone();
        b[0] = b'X';
        assert!(is_format(VerdictMemory::load(b.as_slice())));
        let mut b = bytes.clone();
        b[4] = 2;
        assert!(is_format(VerdictMemory::load(b.as_slice())));
        let mut b = bytes.clone();
        b[20] ^= 1;
        assert!(is_format(VerdictMemory::load(b.as_slice())));
        assert!(is_format(VerdictMemory::load(&bytes[..bytes.len() - 3])));
        let mut b = bytes.clone();
        b.push(0);
        assert!(is_format(VerdictMemory::load(b.as_slice())));
        assert!(is_format(VerdictMemory::load(&[][..])));
    }

    #[test]
    fn parameters_saved_before_sharing_existed_still_load() {
        let old = r#"{"sigma_org":2.0,"sigma_key":4.0,"max_history":256,"seed":0}"#;
        let p: VerdictMemoryParams = serde_json::from_str(old).unwrap();
        assert_eq!(p.sigma_shared, 0.0);
        assert!(p.check().is_ok());
    }

    #[test]
    fn select_shared_shares_only_what_transfers() {
        // Every organisation closes "t" as benign although the model says 0.5: sharing helps
        // the organisations that have not graded it yet.
        let orgs: Vec<String> = (0..40).map(|i| format!("o{i}")).collect();
        let agree: Vec<ReplayRow<'_>> = (0..400)
            .map(|i| ReplayRow {
                org: &orgs[i % 40],
                key: "t",
                time: i as i64,
                confidence: 0.5,
                threat: false,
            })
            .collect();
        let base = VerdictMemoryParams::default().check().unwrap();
        let (p, _) = select_shared(base, &agree, 0, &SIGMA_GRID).unwrap();
        assert!(p.params().sigma_shared > 0.0, "{:?}", p.params());
        // Half the organisations always grade "t" a threat and half never do: what others
        // decided says nothing about the next one, so no sharing is chosen.
        let split: Vec<ReplayRow<'_>> = (0..400)
            .map(|i| ReplayRow {
                threat: (i % 40) % 2 == 0,
                ..agree[i]
            })
            .collect();
        let (p, _) = select_shared(base, &split, 0, &SIGMA_GRID).unwrap();
        assert_eq!(p.params().sigma_shared, 0.0, "{:?}", p.params());
    }

    #[test]
    fn alerts_are_remembered_by_tenant_and_title() {
        let alerts = crate::features::guide::synthetic(400, 7);
        let org = alerts[0].tenant.clone();
        let mine: Vec<&Alert> = alerts.iter().filter(|a| a.tenant == org).collect();
        let threats = mine
            .iter()
            .filter(|a| a.verdict.is_some_and(|v| v.index() == 0))
            .count();
        let mut m = memory();
        for a in &mine {
            m.record_alert(a, 0.5);
        }
        let c = m.confidence_for(mine[0], 0.5);
        let share = threats as f64 / mine.len() as f64;
        // The organisation's own threat share pulls the confidence its way.
        assert_eq!(c > 0.5, share > 0.5, "share {share}, confidence {c}");
        assert_eq!(m.organisations(), 1);
    }

    proptest! {
        #[test]
        fn confidences_are_probabilities(
            verdicts in proptest::collection::vec((0usize..3, 0usize..3, -1.0f64..2.0, any::<bool>()), 0..60),
            probe in -1.0f64..2.0,
        ) {
            for mut m in [memory(), shared(2.0)] {
                for (o, k, c, y) in &verdicts {
                    m.record(&format!("o{o}"), &format!("k{k}"), *c, *y);
                }
                for o in 0..4 {
                    let c = m.confidence(&format!("o{o}"), "k0", probe);
                    prop_assert!((0.0..=1.0).contains(&c), "{c}");
                }
                prop_assert!(m.confidence("o0", "k0", f64::NAN).is_finite());
            }
        }

        #[test]
        fn replay_is_deterministic_and_monotone_in_the_model(
            rows in proptest::collection::vec((0usize..3, 0i64..50, 0.0f64..1.0, any::<bool>()), 1..40),
        ) {
            let orgs = ["a", "b", "c"];
            let rows: Vec<ReplayRow<'_>> = rows
                .iter()
                .map(|&(o, t, c, y)| ReplayRow { org: orgs[o], key: "k", time: t, confidence: c, threat: y })
                .collect();
            let params = VerdictMemoryParams::default().check().unwrap();
            let a = replay(params, &rows, 5);
            let b = replay(params, &rows, 5);
            prop_assert_eq!(&a, &b);
            // Rows of one organisation at one time see the same history, so the memory keeps
            // the model's order among them.
            for (i, ri) in rows.iter().enumerate() {
                for (j, rj) in rows.iter().enumerate() {
                    if ri.org == rj.org && ri.time == rj.time && ri.confidence < rj.confidence {
                        prop_assert!(a[i] <= a[j] + 1e-12);
                    }
                }
            }
        }
    }
}

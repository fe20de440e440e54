//! Source-agnostic alert-stream features: alert-type priors learnt in training, rarity and
//! novelty within the stream, per-host bursts, time of day and severity.
//!
//! Networks differ in host names and volumes, so raw identifiers do not transfer. What does
//! transfer is the *alert type* (a detector's rule code such as AIT-ADS `short`, which is
//! the same rule everywhere), its signature family, and the *shape* of the stream around an
//! alert: is this the first time this host raises this type, how bursty is it, how rare is
//! the type in this stream. This module computes those.
//!
//! Fitting ([`AlertStreamParams`] → [`AlertStreamValidParams`] → [`AlertStreamFeatures`])
//! learns smoothed threat rates and frequencies per alert type, family and source product
//! from labelled training alerts. The fitted extractor implements
//! [`vigil_core::FeatureExtractor`]; the stream features need the alerts before the one
//! scored, so [`FeatureExtractor::extract_batch`] treats its slice as one time-ordered
//! stream, and [`AlertStreamFeatures::stream`] gives a push-style [`FeatureStream`] for live
//! use. [`FeatureExtractor::extract_into`] on a lone alert scores it as the first of a stream.
//!
//! ```
//! use vigil_core::{Alert, Entity, EntityKind, EntityRole, Fit, FeatureExtractor, GroundTruth};
//! use vigil_triage::features::alert_stream::AlertStreamParams;
//!
//! let t = chrono::DateTime::UNIX_EPOCH;
//! let mut train = Vec::new();
//! for i in 0..10 {
//!     let mut a = Alert::new(i.to_string(), t + chrono::Duration::seconds(i), "x");
//!     a.detector = Some(if i % 5 == 0 { "A-Aud-Com4" } else { "W-Sys-Cav" }.into());
//!     a.entities.push(Entity::new(EntityKind::Host, "mail", EntityRole::Impacted));
//!     a.truth = Some(GroundTruth { malicious: i % 5 == 0, phase: None, step: None });
//!     train.push(a);
//! }
//! let fx = AlertStreamParams::default().fit(&train).unwrap();
//! let rows = fx.extract_batch(&train).unwrap();
//! assert_eq!(rows.ncols(), fx.schema().len());
//! let novel = fx.schema().index_of("host_type_novel").unwrap();
//! assert_eq!(rows[[0, novel]], 1.0); // first A-Aud-Com4 on mail
//! assert_eq!(rows[[5, novel]], 0.0); // second one
//! ```

use std::collections::hash_map::Entry;

use chrono::{Timelike, Utc};
use ndarray::{Array2, ArrayViewMut1};
use serde::{Deserialize, Serialize};
use vigil_core::{
    Alert, CoreError, EntityKind, FeatureExtractor, FeatureSchema, Fit, ParamGuard, SeededMap,
    SeededState,
};

use crate::error::require_width;

/// Column names, in order.
const NAMES: [&str; 18] = [
    "type_prior_rate",
    "family_prior_rate",
    "source_prior_rate",
    "type_train_log_share",
    "type_seen_in_training",
    "stream_type_log_share",
    "type_novel_in_stream",
    "host_type_novel",
    "host_type_burst_short",
    "host_type_burst_long",
    "host_burst_short",
    "host_new_types_long",
    "host_distinct_types",
    "host_type_log_gap",
    "type_hosts_in_stream",
    "hour_sin",
    "hour_cos",
    "severity",
];

/// Checked hyperparameters of the alert-stream features (build them with
/// [`AlertStreamParams`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStreamValidParams {
    prior_strength: f64,
    burst_short_s: f64,
    burst_long_s: f64,
    seed: u64,
}

impl AlertStreamValidParams {
    /// Pseudo-count of the prior when smoothing a type's threat rate towards its family's
    /// (and a family's towards the global rate).
    pub fn prior_strength(&self) -> f64 {
        self.prior_strength
    }
    /// Time constant of the short burst counters, in seconds.
    pub fn burst_short_s(&self) -> f64 {
        self.burst_short_s
    }
    /// Time constant of the long burst counters, in seconds.
    pub fn burst_long_s(&self) -> f64 {
        self.burst_long_s
    }
    /// Seed of the hash maps keyed by host names and alert types.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// Hyperparameters of the alert-stream features (a builder; [`ParamGuard::check`] validates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStreamParams(AlertStreamValidParams);

impl Default for AlertStreamParams {
    fn default() -> Self {
        Self(AlertStreamValidParams {
            prior_strength: 20.0,
            burst_short_s: 300.0,
            burst_long_s: 3600.0,
            seed: SeededState::DEFAULT_SEED,
        })
    }
}

impl AlertStreamParams {
    /// Prior pseudo-count (default 20; must be positive).
    pub fn prior_strength(mut self, v: f64) -> Self {
        self.0.prior_strength = v;
        self
    }
    /// Short burst time constant in seconds (default 300; must be positive).
    pub fn burst_short_s(mut self, v: f64) -> Self {
        self.0.burst_short_s = v;
        self
    }
    /// Long burst time constant in seconds (default 3600; must be positive).
    pub fn burst_long_s(mut self, v: f64) -> Self {
        self.0.burst_long_s = v;
        self
    }
    /// Hash seed (default [`SeededState::DEFAULT_SEED`]).
    pub fn seed(mut self, v: u64) -> Self {
        self.0.seed = v;
        self
    }
}

impl ParamGuard for AlertStreamParams {
    type Checked = AlertStreamValidParams;
    type Error = CoreError;

    fn check_ref(&self) -> Result<&Self::Checked, Self::Error> {
        validate(&self.0)?;
        Ok(&self.0)
    }

    fn check(self) -> Result<Self::Checked, Self::Error> {
        validate(&self.0)?;
        Ok(self.0)
    }
}

fn validate(p: &AlertStreamValidParams) -> Result<(), CoreError> {
    let positive = |name: &'static str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(CoreError::InvalidParameter {
                name,
                reason: format!("must be finite and > 0, got {v}"),
            })
        }
    };
    positive("prior_strength", p.prior_strength)?;
    positive("burst_short_s", p.burst_short_s)?;
    positive("burst_long_s", p.burst_long_s)
}

/// Counts of one category in training.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Tally {
    n: f64,
    threats: f64,
}

impl Tally {
    fn add(&mut self, threat: Option<bool>) {
        self.n += 1.0;
        if threat == Some(true) {
            self.threats += 1.0;
        }
    }

    /// Threat rate shrunk towards `prior` with `strength` pseudo-counts.
    fn rate(self, prior: f64, strength: f64) -> f64 {
        (self.threats + strength * prior) / (self.n + strength)
    }
}

/// The alert type of an alert: the detector's rule code when present, else the title.
pub fn alert_type(alert: &Alert) -> &str {
    alert.detector.as_deref().unwrap_or(&alert.title)
}

/// The signature family: the rule code without its last `-` component (`A-Acc-Val1` →
/// `A-Acc`), else the category, else the alert type itself.
pub fn alert_family(alert: &Alert) -> &str {
    let t = alert_type(alert);
    match t.rfind('-') {
        Some(i) if i > 0 && alert.detector.is_some() => t.get(..i).unwrap_or(t),
        _ => alert.category.as_deref().unwrap_or(t),
    }
}

/// The product that raised an alert: its `source`, else the title's prefix before `:`.
pub fn alert_source(alert: &Alert) -> &str {
    match &alert.source {
        Some(s) => s,
        None => alert.title.split_once(':').map_or("", |(p, _)| p.trim()),
    }
}

/// The host an alert is about: its first host entity, else its first IP, else empty.
pub fn alert_host(alert: &Alert) -> &str {
    alert
        .first_entity(EntityKind::Host)
        .or_else(|| alert.first_entity(EntityKind::Ip))
        .unwrap_or("")
}

/// Fitted alert-stream features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertStreamFeatures {
    params: AlertStreamValidParams,
    schema: FeatureSchema,
    global_rate: f64,
    total: f64,
    types: Vec<(String, Tally)>,
    families: Vec<(String, Tally)>,
    sources: Vec<(String, Tally)>,
    #[serde(skip)]
    index: Option<Lookup>,
}

/// Hash lookups rebuilt from the sorted vectors (which are what is persisted).
#[derive(Debug, Clone)]
struct Lookup {
    types: SeededMap<String, Tally>,
    families: SeededMap<String, Tally>,
    sources: SeededMap<String, Tally>,
}

fn tally_map(v: &[(String, Tally)], seed: u64) -> SeededMap<String, Tally> {
    let mut m = SeededMap::with_capacity_and_hasher(v.len(), SeededState::with_seed(seed));
    m.extend(v.iter().cloned());
    m
}

fn sorted(m: SeededMap<String, Tally>) -> Vec<(String, Tally)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

impl Fit<[Alert]> for AlertStreamValidParams {
    type Fitted = AlertStreamFeatures;
    type Error = CoreError;

    /// Learns per-type, per-family and per-source counts and threat rates. Alerts without a
    /// label count towards frequencies but not towards threats.
    fn fit(&self, alerts: &[Alert]) -> Result<AlertStreamFeatures, CoreError> {
        if alerts.is_empty() {
            return Err(CoreError::InvalidData {
                reason: "no training alerts".into(),
            });
        }
        let p = self;
        let st = || SeededState::with_seed(p.seed);
        let mut types: SeededMap<String, Tally> = SeededMap::with_hasher(st());
        let mut families: SeededMap<String, Tally> = SeededMap::with_hasher(st());
        let mut sources: SeededMap<String, Tally> = SeededMap::with_hasher(st());
        let mut all = Tally::default();
        for a in alerts {
            let y = a.is_threat();
            all.add(y);
            bump(&mut types, alert_type(a), y);
            bump(&mut families, alert_family(a), y);
            bump(&mut sources, alert_source(a), y);
        }
        let mut f = AlertStreamFeatures {
            params: p.clone(),
            schema: FeatureSchema::new(NAMES),
            global_rate: all.threats / all.n,
            total: all.n,
            types: sorted(types),
            families: sorted(families),
            sources: sorted(sources),
            index: None,
        };
        f.rebuild_index();
        Ok(f)
    }
}

impl Fit<[Alert]> for AlertStreamParams {
    type Fitted = AlertStreamFeatures;
    type Error = CoreError;

    fn fit(&self, alerts: &[Alert]) -> Result<AlertStreamFeatures, CoreError> {
        self.check_ref()?.fit(alerts)
    }
}

fn bump(m: &mut SeededMap<String, Tally>, key: &str, y: Option<bool>) {
    match m.get_mut(key) {
        Some(t) => t.add(y),
        None => {
            let mut t = Tally::default();
            t.add(y);
            m.insert(key.to_owned(), t);
        }
    }
}

impl AlertStreamFeatures {
    /// Rebuilds the hash lookups (needed once after deserialising).
    pub fn rebuild_index(&mut self) {
        let seed = self.params.seed;
        self.index = Some(Lookup {
            types: tally_map(&self.types, seed),
            families: tally_map(&self.families, seed),
            sources: tally_map(&self.sources, seed),
        });
    }

    /// The parameters fitted with.
    pub fn params(&self) -> &AlertStreamValidParams {
        &self.params
    }

    /// Share of training alerts that were threats.
    pub fn global_rate(&self) -> f64 {
        self.global_rate
    }

    /// How many training alerts had this alert's type (0 for a type never seen): the
    /// evidence behind its learnt rates, e.g. for refusing to suppress poorly known types.
    pub fn type_support(&self, alert: &Alert) -> f64 {
        self.lookup(|l| &l.types, alert_type(alert))
            .map_or(0.0, |t| t.n)
    }

    /// A new, empty stream state for scoring alerts one by one in time order.
    pub fn stream(&self) -> FeatureStream<'_> {
        let st = || SeededState::with_seed(self.params.seed);
        FeatureStream {
            f: self,
            seen: 0.0,
            per_type: SeededMap::with_hasher(st()),
            per_key: SeededMap::with_hasher(st()),
            per_host: SeededMap::with_hasher(st()),
        }
    }

    fn lookup(&self, m: impl Fn(&Lookup) -> &SeededMap<String, Tally>, key: &str) -> Option<Tally> {
        self.index.as_ref().and_then(|l| m(l).get(key).copied())
    }

    /// The static (training-derived) part of the features.
    fn priors(&self, a: &Alert) -> [f64; 5] {
        let s = self.params.prior_strength;
        let g = self.global_rate;
        let fam = self
            .lookup(|l| &l.families, alert_family(a))
            .map_or(g, |t| t.rate(g, s));
        let ty = self.lookup(|l| &l.types, alert_type(a));
        let type_rate = ty.map_or(fam, |t| t.rate(fam, s));
        let src = self
            .lookup(|l| &l.sources, alert_source(a))
            .map_or(g, |t| t.rate(g, s));
        let share = ty.map_or(0.5, |t| t.n) / self.total.max(1.0);
        [
            type_rate,
            fam,
            src,
            share.log10(),
            f64::from(u8::from(ty.is_some())),
        ]
    }
}

/// Decaying counter: `value` as of `at`, decayed with `exp(-dt/tau)`.
#[derive(Debug, Clone, Copy, Default)]
struct Decay {
    value: f64,
    at: i64,
}

impl Decay {
    fn bump(&mut self, t: i64, tau: f64, by: f64) -> f64 {
        let dt = (t - self.at).max(0) as f64;
        self.value = self.value * (-dt / tau).exp() + by;
        self.at = self.at.max(t);
        self.value
    }
}

#[derive(Debug, Clone, Default)]
struct KeyState {
    last: i64,
    short: Decay,
    long: Decay,
}

#[derive(Debug, Clone, Default)]
struct HostState {
    short: Decay,
    new_types: Decay,
    distinct: f64,
}

#[derive(Debug, Clone, Default)]
struct TypeState {
    count: f64,
    hosts: f64,
}

/// Stateful extraction over one time-ordered stream (one network, one tenant).
#[derive(Debug)]
pub struct FeatureStream<'a> {
    f: &'a AlertStreamFeatures,
    seen: f64,
    per_type: SeededMap<String, TypeState>,
    per_key: SeededMap<(String, String), KeyState>,
    per_host: SeededMap<String, HostState>,
}

impl FeatureStream<'_> {
    /// Writes the features of the next alert of the stream into `out` (length
    /// `schema().len()`), then learns from it. Alerts should come in time order; one out of
    /// order is treated as arriving at the latest time seen.
    pub fn push(&mut self, a: &Alert, mut out: ArrayViewMut1<'_, f64>) -> Result<(), CoreError> {
        require_width(NAMES.len(), out.len())?;
        let p = &self.f.params;
        let t = a.time.timestamp();
        let ty = alert_type(a);
        let host = alert_host(a);
        let pri = self.f.priors(a);

        let ts = self.per_type.entry(ty.to_owned()).or_default();
        let type_novel = ts.count == 0.0;
        let stream_share = ((ts.count + 1.0) / (self.seen + 1.0)).ln();
        ts.count += 1.0;
        self.seen += 1.0;

        let (key_novel, ks) = match self.per_key.entry((host.to_owned(), ty.to_owned())) {
            Entry::Occupied(o) => (false, o.into_mut()),
            Entry::Vacant(v) => (
                true,
                v.insert(KeyState {
                    last: t - 86_400,
                    ..KeyState::default()
                }),
            ),
        };
        let gap = (t - ks.last).max(0) as f64;
        ks.last = ks.last.max(t);
        let kshort = ks.short.bump(t, p.burst_short_s, 1.0);
        let klong = ks.long.bump(t, p.burst_long_s, 1.0);
        if key_novel {
            ts.hosts += 1.0;
        }
        let type_hosts = ts.hosts;

        let hs = self.per_host.entry(host.to_owned()).or_default();
        let hshort = hs.short.bump(t, p.burst_short_s, 1.0);
        let hnew = hs
            .new_types
            .bump(t, p.burst_long_s, f64::from(u8::from(key_novel)));
        if key_novel {
            hs.distinct += 1.0;
        }
        let hour = f64::from(a.time.with_timezone(&Utc).num_seconds_from_midnight()) / 3600.0;
        let angle = hour / 24.0 * std::f64::consts::TAU;

        let vals = [
            pri[0],
            pri[1],
            pri[2],
            pri[3],
            pri[4],
            stream_share,
            f64::from(u8::from(type_novel)),
            f64::from(u8::from(key_novel)),
            kshort.ln_1p(),
            klong.ln_1p(),
            hshort.ln_1p(),
            hnew,
            hs.distinct.ln_1p(),
            gap.ln_1p(),
            type_hosts,
            angle.sin(),
            angle.cos(),
            a.severity.weight(),
        ];
        for (o, v) in out.iter_mut().zip(vals) {
            *o = v;
        }
        Ok(())
    }
}

impl FeatureExtractor for AlertStreamFeatures {
    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    /// Features of a lone alert, scored as the first alert of a fresh stream.
    fn extract_into(&self, alert: &Alert, out: ArrayViewMut1<'_, f64>) -> Result<(), CoreError> {
        self.stream().push(alert, out)
    }

    /// Features of a slice taken as one time-ordered stream: each row sees the alerts before
    /// it (sort the slice by time first).
    fn extract_batch(&self, alerts: &[Alert]) -> Result<Array2<f64>, CoreError> {
        let mut m = Array2::zeros((alerts.len(), NAMES.len()));
        let mut s = self.stream();
        for (a, row) in alerts.iter().zip(m.rows_mut()) {
            s.push(a, row)?;
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_core::{Entity, EntityRole, GroundTruth};

    fn alert(i: i64, host: &str, ty: &str, bad: bool) -> Alert {
        let mut a = Alert::new(
            i.to_string(),
            chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(i),
            format!("Wazuh: {ty}"),
        );
        a.detector = Some(ty.into());
        a.entities
            .push(Entity::new(EntityKind::Host, host, EntityRole::Impacted));
        a.truth = Some(GroundTruth {
            malicious: bad,
            phase: None,
            step: None,
        });
        a
    }

    #[test]
    fn priors_follow_training_labels_and_unseen_types_fall_back_to_family() {
        let train: Vec<_> = (0..100)
            .map(|i| {
                alert(
                    i,
                    "h",
                    if i < 10 { "A-Acc-Ent2" } else { "W-Sys-Cav" },
                    i < 10,
                )
            })
            .collect();
        let fx = AlertStreamParams::default().fit(&train).unwrap();
        let r = fx.extract(&alert(0, "other", "A-Acc-Ent2", false)).unwrap();
        let c = fx.extract(&alert(0, "other", "W-Sys-Cav", false)).unwrap();
        assert!(r[0] > 0.5 && c[0] < 0.05, "{} {}", r[0], c[0]);
        let u = fx.extract(&alert(0, "other", "A-Acc-Ent9", false)).unwrap();
        assert!(
            (u[0] - u[1]).abs() < 1e-12,
            "unseen type takes its family's rate"
        );
        assert_eq!(u[4], 0.0);
    }

    #[test]
    fn bursts_grow_and_novelty_is_per_host_and_type() {
        let train = vec![alert(0, "h", "X-a-1", false), alert(1, "h", "X-a-1", true)];
        let fx = AlertStreamParams::default().fit(&train).unwrap();
        let stream: Vec<_> = (0..5)
            .map(|i| alert(i, "web", "X-a-1", false))
            .chain([alert(5, "db", "X-a-1", false)])
            .collect();
        let m = fx.extract_batch(&stream).unwrap();
        let novel = fx.schema().index_of("host_type_novel").unwrap();
        let burst = fx.schema().index_of("host_type_burst_short").unwrap();
        assert_eq!(m.column(novel).to_vec(), [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert!(m[[4, burst]] > m[[1, burst]]);
        assert!(m.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_params_are_refused() {
        assert!(
            AlertStreamParams::default()
                .burst_short_s(0.0)
                .check()
                .is_err()
        );
        assert!(
            AlertStreamParams::default()
                .prior_strength(f64::NAN)
                .check()
                .is_err()
        );
        assert!(AlertStreamParams::default().fit(&[]).is_err());
    }
}

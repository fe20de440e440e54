//! Features for Microsoft GUIDE-style alerts (Defender XDR evidence rows), built to transfer
//! to organisations never seen in training.
//!
//! Anonymised ids (accounts, devices, IPs) and organisation ids are specific to one
//! organisation, so no feature is an id. The columns are:
//!
//! | columns | what | why it transfers |
//! |---|---|---|
//! | `{family}_{tp,bp,fp}_rate` | smoothed grade rates of the alert's category, entity type, techniques, detector, title, detector × entity type and title × entity type, each backing off to a coarser family ([`encode`](self) docs) | the same detector fires in every organisation |
//! | `{family}_log_count`, `{family}_log_orgs` | how often, and in how many organisations, training saw the key | a detector graded in many organisations is better known |
//! | `hour_utc`, `weekday` | when it fired | |
//! | `impacted` | the evidence is the impacted entity (GUIDE `evidencerole`) | |
//! | `n_techniques`, `severity` | ATT&CK techniques mapped; vigil-core severity weight | |
//! | `lastverdict_*`, `suspicion_*` | the product's own verdict and suspicion level, one-hot | |
//! | `has_{column}`, `n_ids_present` | whether each GUIDE id column holds a real id rather than the column's "absent" marker (its most frequent value in training), and how many do | the *shape* of the evidence transfers, the ids do not |
//! | `asset_criticality`, `benign_intel`, `log_reputation` | from enrichment when present (−1, 0, 0 otherwise) | |
//!
//! # Measured and not kept (GUIDE, organisations unseen in training)
//!
//! - Out-of-fold grade rates of the id *values* that recur across organisations (country,
//!   state, city, cloud application, folder, file, roles, OS version, URL, IP, malware
//!   family, mail direction; each backing off to the column's "present" rate) and of single
//!   ATT&CK techniques: ROC-AUC 0.681 vs 0.687 over ten splits, so ids stay out.
//! - Anything constant over an organisation (its alert count, how often it raises this
//!   title, its most frequent application or country, even target-encoded out of fold): the
//!   trees use it to tell the training organisations apart and learn their grading, and
//!   ROC-AUC falls to 0.56–0.61 (LightGBM on the exported features, five splits). On the
//!   GUIDE sample 99.4% of the threat/non-threat pairs ROC-AUC counts are across
//!   organisations, so ranking a new organisation is mostly guessing its grading policy;
//!   that is left to the per-organisation label-shift adaptation
//!   ([`crate::calibrate::PriorShift`]).
//! - Capping each organisation's weight in the encodings (at 3 alerts a key): ROC-AUC 0.661
//!   vs 0.684 over five splits. Weighing the model's training rows by organisation size
//!   (`n^-1`: 0.683 vs 0.684 on splits 0–4, 0.656 vs 0.689 on 5–9), or encoding new alerts
//!   with the mean of the out-of-fold encoders so they look like training rows (0.675): no
//!   better. `benches/peers/cold_start.sh` measures the between-organisation share.
//!
//! # Fitting without leakage
//!
//! The grade rates are learnt from labels, so a training row must not see its own label (or
//! its own organisation's: rows of one organisation are graded alike). [`GuideFeatureParams::fit_transform`]
//! therefore computes the training matrix *out of fold*: organisations are split into
//! `inner_folds` groups and each group's rows are encoded by an encoder fitted on the other
//! groups only, exactly as a new organisation is encoded at scoring time. The fitted
//! extractor itself (for new alerts) is fitted on all training rows.
//!
//! ```
//! use vigil_core::{Alert, FeatureExtractor, Verdict};
//! use vigil_triage::features::guide::GuideFeatureParams;
//!
//! # fn main() -> Result<(), vigil_triage::error::TriageError> {
//! let t = chrono::DateTime::UNIX_EPOCH;
//! let alerts: Vec<Alert> = (0..40)
//!     .map(|i| {
//!         let mut a = Alert::new(i.to_string(), t, if i % 2 == 0 { "phish" } else { "logon" });
//!         a.tenant = Some(format!("org{}", i % 8));
//!         a.detector = Some(a.title.clone());
//!         a.verdict = Some(if i % 2 == 0 { Verdict::TruePositive } else { Verdict::FalsePositive });
//!         a
//!     })
//!     .collect();
//! let (fx, train) = GuideFeatureParams::default().fit_transform(&alerts)?;
//! assert_eq!(train.ncols(), fx.schema().len());
//! let col = fx.schema().index_of("detector_tp_rate").unwrap();
//! let phish = fx.extract(&alerts[0])?;
//! let logon = fx.extract(&alerts[1])?;
//! assert!(phish[col] > logon[col]);
//! # Ok(())
//! # }
//! ```

mod encode;
pub mod keys;
mod synthetic;

pub use synthetic::synthetic;

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike};
use ndarray::{Array2, ArrayViewMut1};
use serde::{Deserialize, Serialize};
use vigil_core::{Alert, CoreError, FeatureExtractor, FeatureSchema, Fit};

use crate::cv::group_folds;
use crate::error::{TriageError, require_width};
use encode::{FAMILIES, PER_FAMILY, SUFFIXES, TargetEncoder};
use keys::{ID_COLUMNS, raw};

/// Hyperparameters of the GUIDE feature extractor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideFeatureParams {
    /// Pseudo-count of the target encodings (how many alerts a key needs before its own rate
    /// outweighs its parent's).
    pub smoothing: f64,
    /// Organisation folds for the out-of-fold training matrix (at least 2).
    pub inner_folds: usize,
    /// Seed of the organisation folds.
    pub seed: u64,
}

impl Default for GuideFeatureParams {
    fn default() -> Self {
        Self {
            smoothing: 10.0,
            inner_folds: 5,
            seed: 0,
        }
    }
}

/// The fitted GUIDE extractor; implements [`FeatureExtractor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideFeatures {
    schema: FeatureSchema,
    /// Each id column's "absent" marker: its most frequent training value.
    absent: Vec<String>,
    encoder: TargetEncoder,
}

const STATIC: [&str; 15] = [
    "hour_utc",
    "weekday",
    "impacted",
    "n_techniques",
    "severity",
    "lastverdict_suspicious",
    "lastverdict_no_threats",
    "lastverdict_malicious",
    "lastverdict_other",
    "suspicion_suspicious",
    "suspicion_incriminated",
    "n_ids_present",
    "asset_criticality",
    "benign_intel",
    "log_reputation",
];

fn schema() -> FeatureSchema {
    let mut names: Vec<String> = Vec::new();
    for (f, _) in FAMILIES {
        for s in SUFFIXES {
            names.push(format!("{f}_{s}"));
        }
    }
    names.extend(STATIC.iter().map(|s| (*s).to_owned()));
    names.extend(ID_COLUMNS.iter().map(|c| format!("has_{c}")));
    FeatureSchema::new(names)
}

const N_ENC: usize = FAMILIES.len() * PER_FAMILY;

impl GuideFeatureParams {
    fn check(&self) -> Result<(), TriageError> {
        crate::error::require_non_negative("smoothing", self.smoothing)?;
        if self.inner_folds < 2 {
            return Err(TriageError::InvalidParameter {
                name: "inner_folds",
                reason: format!("need at least 2, got {}", self.inner_folds),
            });
        }
        Ok(())
    }

    /// Fits the extractor on `alerts` and returns it with the out-of-fold training matrix
    /// (one row per alert, in order): what a model must be trained on.
    pub fn fit_transform(
        &self,
        alerts: &[Alert],
    ) -> Result<(GuideFeatures, Array2<f64>), TriageError> {
        let fx = self.fit(alerts)?;
        let orgs: Vec<&str> = alerts.iter().map(keys::org).collect();
        let folds = group_folds(&orgs, self.inner_folds, self.seed);
        let mut m = Array2::zeros((alerts.len(), fx.schema.len()));
        for (a, row) in alerts.iter().zip(m.rows_mut()) {
            fx.write_static(a, row);
        }
        let mut buf = vec![0.0; N_ENC];
        for k in 0..self.inner_folds {
            let fit_rows: Vec<usize> = (0..alerts.len())
                .filter(|&i| folds.get(i) != Some(&k))
                .collect();
            let enc = TargetEncoder::fit(alerts, &fit_rows, self.smoothing);
            for (i, a) in alerts
                .iter()
                .enumerate()
                .filter(|(i, _)| folds.get(*i) == Some(&k))
            {
                enc.encode(a, &mut buf);
                for (j, v) in buf.iter().enumerate() {
                    if let Some(c) = m.get_mut([i, j]) {
                        *c = *v;
                    }
                }
            }
        }
        Ok((fx, m))
    }
}

impl Fit<[Alert]> for GuideFeatureParams {
    type Fitted = GuideFeatures;
    type Error = TriageError;

    /// Fits the encodings on all graded alerts and learns each id column's absent marker.
    fn fit(&self, alerts: &[Alert]) -> Result<GuideFeatures, TriageError> {
        self.check()?;
        let all: Vec<usize> = (0..alerts.len()).collect();
        let encoder = TargetEncoder::fit(alerts, &all, self.smoothing);
        let absent = ID_COLUMNS
            .iter()
            .map(|c| {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for a in alerts {
                    *counts.entry(raw(a, c)).or_default() += 1;
                }
                // Most frequent value; ties go to the smallest, for determinism.
                counts
                    .into_iter()
                    .fold(
                        (None, 0),
                        |best: (Option<&str>, usize), (v, n)| {
                            if n > best.1 { (Some(v), n) } else { best }
                        },
                    )
                    .0
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        Ok(GuideFeatures {
            schema: schema(),
            absent,
            encoder,
        })
    }
}

impl GuideFeatures {
    /// The schema this build's extractor writes (what a saved pipeline is checked against).
    pub fn expected_schema() -> FeatureSchema {
        schema()
    }

    /// Writes every column but the encodings.
    fn write_static(&self, a: &Alert, mut out: ArrayViewMut1<'_, f64>) {
        let lv = raw(a, "lastverdict");
        let sl = raw(a, "suspicionlevel");
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let mut present = 0.0;
        let mut has = [0.0; ID_COLUMNS.len()];
        for ((h, c), absent) in has.iter_mut().zip(ID_COLUMNS).zip(&self.absent) {
            let v = raw(a, c);
            if !v.is_empty() && v != absent {
                *h = 1.0;
                present += 1.0;
            }
        }
        let crit = a.enrichment.asset_criticality().unwrap_or(-1.0);
        let st = [
            f64::from(a.time.hour()),
            f64::from(a.time.weekday().num_days_from_monday()),
            flag(keys::impacted(a)),
            a.techniques.len() as f64,
            a.severity.weight(),
            flag(lv.eq_ignore_ascii_case("Suspicious")),
            flag(lv.eq_ignore_ascii_case("NoThreatsFound")),
            flag(lv.eq_ignore_ascii_case("Malicious")),
            flag(
                !lv.is_empty()
                    && !["Suspicious", "NoThreatsFound", "Malicious"]
                        .iter()
                        .any(|x| lv.eq_ignore_ascii_case(x)),
            ),
            flag(sl.eq_ignore_ascii_case("Suspicious")),
            flag(sl.eq_ignore_ascii_case("Incriminated")),
            present,
            if crit.is_finite() { crit } else { -1.0 },
            flag(a.enrichment.has_benign_match()),
            f64::from(a.enrichment.max_reputation()).ln_1p(),
        ];
        for (o, v) in out.iter_mut().skip(N_ENC).zip(st.iter().chain(has.iter())) {
            *o = *v;
        }
    }
}

impl FeatureExtractor for GuideFeatures {
    fn schema(&self) -> &FeatureSchema {
        &self.schema
    }

    fn extract_into(
        &self,
        alert: &Alert,
        mut out: ArrayViewMut1<'_, f64>,
    ) -> Result<(), CoreError> {
        require_width(self.schema.len(), out.len())?;
        let mut buf = [0.0; N_ENC];
        self.encoder.encode(alert, &mut buf);
        for (o, v) in out.iter_mut().zip(buf) {
            *o = v;
        }
        self.write_static(alert, out);
        Ok(())
    }
}

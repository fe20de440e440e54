//! The exact feature matrix Vigil trains and tests on, for peers (LightGBM, XGBoost).
//!
//! CSV columns: `fold`, `role`, `orgid`, then every feature of the schema, then `label`
//! (the grade: `TruePositive`, `BenignPositive` or `FalsePositive`; ungraded rows are left
//! out, as in evaluation).
//!
//! With `folds = Some(k)`, the rows are the grouped k-fold of `vigil_eval::triage::cross_validate`
//! with the same seed, written once per fold: for fold `f`, every graded alert appears once
//! with `fold = f` and `role`
//!
//! - `fit`: a training row the features and model are fitted on; its target encodings are
//!   out of fold within training (as [`crate::features::guide`] computes them);
//! - `calib`: a training row of the calibration organisations, encoded as unseen;
//! - `test`: a row of the held-out organisations, encoded as unseen.
//!
//! A peer reproduces Vigil's protocol by training on `fold == f & role == fit` and scoring
//! `fold == f & role == test` (the `calib` rows are Vigil's calibration set; a peer may use
//! them for early stopping or ignore them; with cross-fitting, `TriageParams::cross_fit`,
//! there are none and `fit` is every training row). With `folds = None`, one block with `fold = 0`:
//! every graded alert as `fit`, encodings out of fold over the whole file.

use std::io::Write;

use ndarray::Array2;
use vigil_core::{Alert, FeatureExtractor, Verdict};

use crate::cv::group_folds;
use crate::error::TriageError;
use crate::pipeline::TriageParams;

fn write_block<W: Write>(
    w: &mut W,
    fold: usize,
    role: &str,
    alerts: &[Alert],
    x: &Array2<f64>,
) -> Result<(), TriageError> {
    let io = |e: std::io::Error| TriageError::ModelIo { source: e };
    for (a, row) in alerts.iter().zip(x.rows()) {
        let label = match a.verdict {
            Some(Verdict::TruePositive) => "TruePositive",
            Some(Verdict::BenignPositive) => "BenignPositive",
            Some(Verdict::FalsePositive) => "FalsePositive",
            _ => continue,
        };
        let org = a
            .tenant
            .as_deref()
            .unwrap_or("")
            .replace([',', '"', '\n'], "_");
        write!(w, "{fold},{role},{org}").map_err(io)?;
        for v in row {
            write!(w, ",{v}").map_err(io)?;
        }
        writeln!(w, ",{label}").map_err(io)?;
    }
    Ok(())
}

/// Writes the feature matrix as CSV (see the module docs for the layout).
pub fn export_features<W: Write>(
    alerts: &[Alert],
    params: &TriageParams,
    folds: Option<usize>,
    seed: u64,
    mut w: W,
) -> Result<usize, TriageError> {
    let io = |e: std::io::Error| TriageError::ModelIo { source: e };
    if let Some(k) = folds
        && k < 2
    {
        return Err(TriageError::InvalidParameter {
            name: "folds",
            reason: format!("need at least 2 organisation folds, got {k}"),
        });
    }
    let alerts: Vec<Alert> = alerts
        .iter()
        .filter(|a| a.verdict.is_some())
        .cloned()
        .collect();
    let names = crate::features::guide::GuideFeatures::expected_schema();
    write!(w, "fold,role,orgid").map_err(io)?;
    for n in names.names() {
        write!(w, ",{n}").map_err(io)?;
    }
    writeln!(w, ",label").map_err(io)?;
    let mut rows = 0;
    let Some(k) = folds else {
        let (_, x) = params.features.fit_transform(&alerts)?;
        write_block(&mut w, 0, "fit", &alerts, &x)?;
        w.flush().map_err(io)?;
        return Ok(alerts.len());
    };
    let orgs: Vec<&str> = alerts
        .iter()
        .map(|a| a.tenant.as_deref().unwrap_or(""))
        .collect();
    let fold_of = group_folds(&orgs, k, seed);
    for f in 0..k {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (a, g) in alerts.iter().zip(&fold_of) {
            if *g == f {
                test.push(a.clone());
            } else {
                train.push(a.clone());
            }
        }
        if test.is_empty() {
            continue;
        }
        let (fit_rows, cal_rows) = if params.cross_fit.is_some() {
            (train, Vec::new())
        } else {
            params.split_calibration(&train)?
        };
        let (fx, x_fit) = params.features.fit_transform(&fit_rows)?;
        write_block(&mut w, f, "fit", &fit_rows, &x_fit)?;
        write_block(&mut w, f, "calib", &cal_rows, &fx.extract_batch(&cal_rows)?)?;
        write_block(&mut w, f, "test", &test, &fx.extract_batch(&test)?)?;
        rows += fit_rows.len() + cal_rows.len() + test.len();
    }
    w.flush().map_err(io)?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use crate::error::TriageError;
    use crate::pipeline::{ModelKind, TriageParams};

    #[test]
    fn fewer_than_two_folds_is_a_typed_error() {
        let alerts = crate::features::guide::synthetic(40, 1);
        let params = TriageParams::new(ModelKind::Gbdt, 1);
        for k in [0, 1] {
            let r = super::export_features(&alerts, &params, Some(k), 0, Vec::new());
            assert!(
                matches!(r, Err(TriageError::InvalidParameter { name: "folds", .. })),
                "{k}"
            );
        }
    }
}

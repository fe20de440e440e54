//! Real-data check on a slice of the GUIDE sample (skipped with a message when absent).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use vigil_core::{AlertScorer, FeatureExtractor, Fit};
use vigil_io::{Format, ReadOptions};
use vigil_triage::pipeline::{ModelKind, TriageParams, TriagePipeline};

#[test]
fn guide_slice_fits_scores_and_round_trips() {
    let Some(path) = vigil_io::datasets::find("guide/guide_sample.csv") else {
        println!("skipping: GUIDE sample not found (set VIGIL_DATASETS)");
        return;
    };
    let alerts: Vec<_> =
        vigil_io::read_path_with(Format::Guide, &path, &ReadOptions::new().keep_raw(true))
            .unwrap()
            .filter_map(Result::ok)
            .take(2_000)
            .collect();
    assert!(alerts.len() > 1_000);
    let mut params = TriageParams::new(ModelKind::Gbdt, 0);
    params.model.gbdt = params.model.gbdt.clone().n_trees(30).learning_rate(0.1);
    let p = params.fit(&alerts).unwrap();
    // The id columns' absent markers are learnt from the data: a row with no device has
    // has_deviceid 0, and the schema is the documented one.
    let fx = p.features();
    let col = fx.schema().index_of("has_deviceid").unwrap();
    let absent = alerts
        .iter()
        .find(|a| a.raw.get("deviceid").map(String::as_str) == Some("98799"))
        .unwrap();
    assert_eq!(fx.extract(absent).unwrap()[col], 0.0);
    let scores: Vec<_> = p
        .score_batch(&alerts[..200])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(&s.confidence)));
    let named = &scores[0].explanation.contributions[0].feature;
    assert!(fx.schema().index_of(named).is_some());
    let mut bytes = Vec::new();
    p.save(&mut bytes).unwrap();
    let q = TriagePipeline::load(bytes.as_slice()).unwrap();
    let again: Vec<_> = q
        .score_batch(&alerts[..200])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(scores, again);
}

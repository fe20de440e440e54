//! Properties of the native GBDT: persistence, TreeSHAP additivity, probabilities,
//! determinism, robustness on tiny random data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use vigil_core::{FeatureSchema, Fit, LabeledData, ParamGuard, Scorer};
use vigil_triage::error::TriageError;
use vigil_triage::gbdt::{Gbdt, GbdtParams, Growth, Objective, synth};

fn data(rows: usize, nf: usize, k: usize, seed: u64, vals: &[f64]) -> LabeledData {
    let x = Array2::from_shape_fn((rows, nf), |(i, j)| {
        vals.get((i * nf + j) % vals.len().max(1))
            .copied()
            .unwrap_or(0.0)
            + (i % 3) as f64 * 0.1 * j as f64
    });
    let y: Array1<usize> = (0..rows)
        .map(|i| ((i as u64).wrapping_mul(seed | 1) as usize + i / 3) % k)
        .collect();
    LabeledData::new(
        x,
        y,
        k,
        FeatureSchema::new((0..nf).map(|j| format!("c{j}"))),
    )
    .unwrap()
}

fn small_params(seed: u64) -> GbdtParams {
    GbdtParams::new()
        .n_trees(8)
        .max_leaves(8)
        .min_data_in_leaf(2)
        .subsample(0.8)
        .colsample(0.7)
        .seed(seed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn tiny_random_data_fits_and_round_trips(
        rows in 1usize..40,
        nf in 1usize..5,
        k in 2usize..4,
        seed in any::<u64>(),
        vals in proptest::collection::vec(-1e6f64..1e6, 1..64),
        growth in 0usize..3,
    ) {
        let d = data(rows, nf, k, seed, &vals);
        let growth = [Growth::LeafWise, Growth::DepthWise, Growth::Oblivious][growth];
        let p = small_params(seed).growth(growth);
        let m = p.fit(&d).unwrap();
        // Probabilities in [0, 1], rows sum to 1.
        let proba = m.predict_proba(d.features.view()).unwrap();
        for r in proba.rows() {
            prop_assert!(r.iter().all(|v| (0.0..=1.0).contains(v)));
            prop_assert!((r.sum() - 1.0).abs() < 1e-9);
        }
        // Compiled equals the reference walk, bit for bit.
        let a = m.predict_raw(d.features.view()).unwrap();
        let b = m.predict_raw_reference(d.features.view()).unwrap();
        prop_assert_eq!(a.clone(), b);
        // Save → load scores identically.
        let bytes = m.to_bytes();
        let back = Gbdt::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.predict_raw(d.features.view()).unwrap(), a.clone());
        // Same seed, same model, same bytes.
        let again = p.fit(&d).unwrap();
        prop_assert_eq!(again.to_bytes(), bytes);
        // Contributions add up to the raw score, for every group.
        for (i, row) in d.features.rows().into_iter().enumerate() {
            for g in 0..m.groups() {
                let (base, phi) = m.contributions(row, g).unwrap();
                let total = base + phi.iter().sum::<f64>();
                let raw = a[[i, g]];
                prop_assert!((total - raw).abs() <= 1e-9 * (1.0 + raw.abs()), "{total} vs {raw}");
            }
        }
    }

    #[test]
    fn nan_rows_score_like_the_reference(
        seed in any::<u64>(),
        mask in proptest::collection::vec(any::<bool>(), 40 * 3),
        oblivious in any::<bool>(),
    ) {
        let d = synth::make_binary(300, 3, seed);
        let growth = if oblivious { Growth::Oblivious } else { Growth::LeafWise };
        let m = GbdtParams::new().n_trees(5).min_data_in_leaf(5).growth(growth).fit(&d).unwrap();
        let mut x = d.features.slice(ndarray::s![0..40, ..]).to_owned();
        for (v, &nan) in x.iter_mut().zip(&mask) {
            if nan { *v = f64::NAN; }
        }
        let a = m.predict_raw(x.view()).unwrap();
        let b = m.predict_raw_reference(x.view()).unwrap();
        prop_assert_eq!(a.clone(), b);
        for (i, row) in x.rows().into_iter().enumerate() {
            let (base, phi) = m.contributions(row, 0).unwrap();
            prop_assert!((base + phi.iter().sum::<f64>() - a[[i, 0]]).abs() < 1e-9);
        }
    }
}

#[test]
fn learns_the_synthetic_problem() {
    let all = synth::make_binary(3000, 10, 1);
    let tr: Vec<usize> = (0..2000).collect();
    let te: Vec<usize> = (2000..3000).collect();
    let (train, test) = (all.select(&tr), all.select(&te));
    let m = GbdtParams::new().n_trees(60).fit(&train).unwrap();
    let p = m.predict_proba(test.features.view()).unwrap();
    let pos: Vec<bool> = test.targets.iter().map(|&t| t == 0).collect();
    let ap = vigil_triage::cv::average_precision(&p.column(0).to_vec(), &pos);
    let base_rate = pos.iter().filter(|b| **b).count() as f64 / pos.len() as f64;
    assert!(
        ap > base_rate + 0.2,
        "average precision {ap} vs base rate {base_rate}"
    );
    let e = m.explain(test.features.row(0)).unwrap();
    let sum: f64 = e.contributions.iter().map(|c| c.value).sum();
    assert!((e.base + sum - e.raw).abs() < 1e-9);
    assert!(
        e.contributions
            .windows(2)
            .all(|w| w[0].value.abs() >= w[1].value.abs())
    );
    let imp = m.feature_importance(Default::default());
    assert_eq!(imp.len(), 10);
    assert!(imp[0] > imp[9], "a signal feature outranks noise: {imp:?}");
}

#[test]
fn softmax_learns_three_classes() {
    let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * (j + 3)) % 97) as f64);
    let y: Array1<usize> = x
        .rows()
        .into_iter()
        .map(|r| {
            if r[0] < 30.0 {
                0
            } else if r[1] < 50.0 {
                1
            } else {
                2
            }
        })
        .collect();
    let d = LabeledData::new(x, y.clone(), 3, FeatureSchema::new(["a", "b"])).unwrap();
    let m = GbdtParams::new()
        .objective(Objective::Softmax)
        .n_trees(30)
        .min_data_in_leaf(3)
        .fit(&d)
        .unwrap();
    assert_eq!(m.n_classes(), 3);
    let p = m.predict_proba(d.features.view()).unwrap();
    let correct = p
        .rows()
        .into_iter()
        .zip(y.iter())
        .filter(|(r, t)| {
            r.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|m| m.0)
                == Some(**t)
        })
        .count();
    assert!(correct > 280, "{correct}/300");
}

#[test]
fn early_stopping_keeps_the_best_round() {
    let all = synth::make_binary(1200, 6, 3);
    let (tr, va): (Vec<usize>, Vec<usize>) = (0..1200).partition(|i| i % 4 != 0);
    let p = GbdtParams::new()
        .n_trees(400)
        .learning_rate(0.3)
        .early_stopping_rounds(Some(5));
    let m = p
        .fit_with_validation(&all.select(&tr), Some(&all.select(&va)))
        .unwrap();
    assert!(m.n_trees() < 400, "stopped early: {}", m.n_trees());
}

#[test]
fn corrupt_and_mismatched_files_are_typed_errors() {
    let d = synth::make_binary(200, 3, 5);
    let m = GbdtParams::new().n_trees(3).fit(&d).unwrap();
    let bytes = m.to_bytes();
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    assert!(matches!(
        Gbdt::from_bytes(&flipped),
        Err(TriageError::ModelChecksum { .. })
    ));
    assert!(matches!(
        Gbdt::from_bytes(&bytes[..bytes.len() - 3]),
        Err(TriageError::ModelCorrupt { .. })
    ));
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert!(matches!(
        Gbdt::from_bytes(&magic),
        Err(TriageError::ModelMagic { .. })
    ));
    let mut version = bytes.clone();
    version[8] = 9;
    assert!(matches!(
        Gbdt::from_bytes(&version),
        Err(TriageError::ModelVersion { found: 9, .. })
    ));
    let other = FeatureSchema::new(["x", "y", "z"]);
    assert!(matches!(
        Gbdt::load_for(&bytes[..], &other),
        Err(TriageError::Core(
            vigil_core::CoreError::SchemaMismatch { .. }
        ))
    ));
    assert!(Gbdt::load_for(&bytes[..], &d.schema).is_ok());
    let mut buf = Vec::new();
    m.save(&mut buf).unwrap();
    assert_eq!(buf, bytes);
}

#[test]
fn bad_parameters_are_rejected() {
    assert!(GbdtParams::new().n_trees(0).check().is_err());
    assert!(GbdtParams::new().learning_rate(0.0).check().is_err());
    assert!(GbdtParams::new().max_bins(256).check().is_err());
    assert!(GbdtParams::new().subsample(1.5).check().is_err());
    assert!(GbdtParams::new().check().is_ok());
}

#[test]
fn every_layout_matches_the_reference_in_blocks_and_single_rows() {
    let d = synth::make_binary(700, 6, 11);
    for (growth, depth, layout) in [
        (Growth::LeafWise, Some(5), "dense"),
        (Growth::LeafWise, None, "flat"),
        (Growth::Oblivious, Some(4), "oblivious"),
    ] {
        let m = GbdtParams::new()
            .n_trees(10)
            .max_leaves(64)
            .max_depth(depth)
            .min_data_in_leaf(2)
            .growth(growth)
            .fit(&d)
            .unwrap();
        if depth.is_none() && m.max_depth() <= vigil_triage::gbdt::DENSE_DEPTH {
            continue;
        }
        let c = m.compile();
        assert_eq!(c.layout_name(), layout);
        let batch = m.predict_raw(d.features.view()).unwrap();
        assert_eq!(batch, m.predict_raw_reference(d.features.view()).unwrap());
        for r in [0, 5, 699] {
            let one = m
                .predict_raw(d.features.slice(ndarray::s![r..r + 1, ..]))
                .unwrap();
            assert_eq!(one[[0, 0]], batch[[r, 0]]);
        }
    }
}

#[test]
fn degenerate_data_never_panics() {
    // No features: every tree is a lone leaf at the base rate.
    let x = Array2::<f64>::zeros((30, 0));
    let y: Array1<usize> = (0..30).map(|i| i % 2).collect();
    let d = LabeledData::new(x, y, 2, FeatureSchema::new(Vec::<String>::new())).unwrap();
    let m = GbdtParams::new().n_trees(3).fit(&d).unwrap();
    let p = m.predict_proba(d.features.view()).unwrap();
    assert!((p[[0, 0]] - 0.5).abs() < 1e-9);
    // One class only, one row.
    let d = data(1, 2, 2, 0, &[1.0]);
    let m = GbdtParams::new().n_trees(3).fit(&d).unwrap();
    assert!(m.predict_proba(d.features.view()).unwrap()[[0, 0]].is_finite());
    // A wrong width is a typed error, not a panic.
    let wide = Array2::<f64>::zeros((2, 5));
    assert!(m.predict_raw(wide.view()).is_err());
    // Infinite values bin and score like any other.
    let mut x = Array2::from_shape_fn((40, 2), |(i, j)| (i * (j + 1)) as f64);
    x[[0, 0]] = f64::INFINITY;
    x[[1, 1]] = f64::NEG_INFINITY;
    let y: Array1<usize> = (0..40).map(|i| usize::from(i < 20)).collect();
    let d = LabeledData::new(x, y, 2, FeatureSchema::new(["a", "b"])).unwrap();
    let m = GbdtParams::new()
        .n_trees(4)
        .min_data_in_leaf(2)
        .fit(&d)
        .unwrap();
    assert_eq!(
        m.predict_raw(d.features.view()).unwrap(),
        m.predict_raw_reference(d.features.view()).unwrap()
    );
}

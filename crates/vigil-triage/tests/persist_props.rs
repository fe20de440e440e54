//! Saved models and states never panic on bad bytes: a saved GBDT, pipeline and verdict
//! memory round-trip exactly; arbitrary bytes, every truncation, any single bit flip and a
//! changed version field give a typed error naming what is wrong; a file whose checksum was
//! recomputed over altered content either fails a structural check or loads a model that
//! scores without panicking; declared lengths larger than the file allocate nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::sync::OnceLock;

use ndarray::Array2;
use proptest::prelude::*;
use vigil_core::{Alert, AlertScorer, Fit, Scorer, SplitMix64};
use vigil_triage::calibrate::{CalibrationMethod, VerdictMemory, VerdictMemoryParams};
use vigil_triage::error::TriageError;
use vigil_triage::gbdt::{FORMAT_VERSION, Gbdt, GbdtParams, MAGIC, synth};
use vigil_triage::pipeline::{ModelKind, TriageParams, TriagePipeline};

/// FNV-1a 64, the checksum of every saved format (recomputed to forge "valid" files).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------- GBDT (binary format)

/// A binary and a three-class model, fitted once.
fn gbdts() -> &'static [(Gbdt, Vec<u8>); 2] {
    static M: OnceLock<[(Gbdt, Vec<u8>); 2]> = OnceLock::new();
    M.get_or_init(|| {
        let bin = GbdtParams::new()
            .n_trees(4)
            .fit(&synth::make_binary(150, 3, 7))
            .unwrap();
        let mut rng = SplitMix64::new(3);
        let x = Array2::from_shape_fn((150, 3), |_| rng.next_f64());
        let y = x
            .rows()
            .into_iter()
            .map(|r| (r[0] * 2.99) as usize)
            .collect();
        let data =
            vigil_core::LabeledData::new(x, y, 3, vigil_core::FeatureSchema::new(["a", "b", "c"]))
                .unwrap();
        let soft = GbdtParams::new().n_trees(2).fit(&data).unwrap();
        [bin, soft].map(|m| {
            let b = m.to_bytes();
            (m, b)
        })
    })
}

/// Rows with NaN, infinities and ordinary values, for scoring loaded models.
fn probe_rows(nf: usize) -> Array2<f64> {
    let vals = [
        0.0,
        0.5,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e300,
    ];
    Array2::from_shape_fn((vals.len(), nf), |(i, j)| vals[(i + j) % vals.len()])
}

/// Every scoring path of a model that loaded: none may panic.
fn score_everything(m: &Gbdt) {
    let x = probe_rows(m.schema().len());
    let raw = m.predict_raw(x.view()).unwrap();
    let reference = m.predict_raw_reference(x.view()).unwrap();
    assert_eq!(raw.shape(), reference.shape());
    let _ = m.predict_proba(x.view()).unwrap();
    for row in x.rows() {
        let _ = m.explain(row);
        for k in 0..m.groups() {
            let _ = m.contributions(row, k).unwrap();
        }
    }
    let _ = m.max_depth();
}

/// The header fields of the GBDT format: magic 8, version 4, length 8.
const GBDT_HEADER: usize = 20;

#[test]
fn gbdt_every_truncation_is_a_corrupt_error() {
    for (_, bytes) in gbdts() {
        for cut in 0..bytes.len() {
            match Gbdt::from_bytes(&bytes[..cut]) {
                Err(TriageError::ModelCorrupt { reason, .. }) => {
                    assert!(reason.contains("truncated"), "cut {cut}: {reason}");
                }
                other => panic!("cut {cut}: expected ModelCorrupt, got {other:?}"),
            }
        }
    }
}

#[test]
fn gbdt_every_bit_flip_is_a_typed_error_naming_the_field() {
    for (_, bytes) in gbdts() {
        let payload_end = bytes.len() - 8;
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            let at = bit / 8;
            let r = Gbdt::from_bytes(&b);
            match (at, &r) {
                (0..8, Err(TriageError::ModelMagic { .. }))
                | (8..12, Err(TriageError::ModelVersion { .. }))
                // A changed length either overruns the file, leaves bytes over or moves the
                // checksum.
                | (
                    12..GBDT_HEADER,
                    Err(TriageError::ModelCorrupt { .. } | TriageError::ModelChecksum { .. }),
                ) => {}
                (a, Err(TriageError::ModelChecksum { .. }))
                    if (GBDT_HEADER..bytes.len()).contains(&a) => {}
                _ => panic!(
                    "bit {bit} (byte {at}, payload ends at {payload_end}): unexpected {r:?}"
                ),
            }
        }
    }
}

#[test]
fn gbdt_huge_declared_lengths_are_refused_without_allocating() {
    let (_, bytes) = &gbdts()[0];
    // Payload length far beyond the file (and beyond the format's bound).
    for len in [u64::MAX, 1 << 33, (1 << 32) - 1, bytes.len() as u64] {
        let mut b = bytes.clone();
        b[12..20].copy_from_slice(&len.to_le_bytes());
        assert!(
            matches!(Gbdt::from_bytes(&b), Err(TriageError::ModelCorrupt { .. })),
            "length {len}"
        );
    }
    // A payload declaring u32::MAX features, trees and nodes, checksum valid: refused by the
    // count bound before any Vec::with_capacity.
    for at in [8usize, 12] {
        let payload_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
        let mut payload = bytes[GBDT_HEADER..GBDT_HEADER + payload_len].to_vec();
        payload[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let r = Gbdt::from_bytes(&frame_gbdt(&payload));
        assert!(
            matches!(&r, Err(TriageError::ModelCorrupt { reason, .. }) if reason.contains("count")),
            "{r:?}"
        );
    }
}

/// A NaN base score or leaf value (checksum recomputed) is refused: it would score every
/// row NaN, a silently different model.
#[test]
fn gbdt_non_finite_values_are_refused() {
    let (m, bytes) = &gbdts()[0];
    let payload_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let payload = &bytes[GBDT_HEADER..GBDT_HEADER + payload_len];
    // fingerprint, feature count, names, objective, group count, class count, base count.
    let names: usize = m.schema().names().iter().map(|n| 4 + n.len()).sum();
    let base_at = 8 + 4 + names + 1 + 4 + 4 + 4;
    // After the one base score: tree count, node count, then the root's value at byte 17.
    let value_at = base_at + 8 + 4 + 4 + 17;
    for (at, field) in [(base_at, "base score"), (value_at, "value")] {
        for bad in [f64::NAN, f64::INFINITY] {
            let mut p = payload.to_vec();
            p[at..at + 8].copy_from_slice(&bad.to_le_bytes());
            let r = Gbdt::from_bytes(&frame_gbdt(&p));
            assert!(
                matches!(&r, Err(TriageError::ModelCorrupt { reason, .. })
                    if reason.contains(field) && reason.contains("not finite")),
                "{field} {bad}: {:?}",
                r.err()
            );
        }
    }
}

/// A payload whose one tree is a chain `n` splits deep (each split's left child a leaf).
fn chain_model(n: u32) -> Vec<u8> {
    let (m, bytes) = &gbdts()[0];
    let payload_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let payload = &bytes[GBDT_HEADER..GBDT_HEADER + payload_len];
    // Up to the tree count: fingerprint, features, names, objective, groups, classes, one
    // base score.
    let names: usize = m.schema().names().iter().map(|n| 4 + n.len()).sum();
    let trees_at = 8 + 4 + names + 1 + 4 + 4 + 4 + 8;
    let mut p = payload[..trees_at].to_vec();
    p.extend(1u32.to_le_bytes());
    let nodes = 2 * n + 1;
    p.extend(nodes.to_le_bytes());
    for i in 0..nodes {
        let internal = i % 2 == 0 && i < 2 * n;
        let (feature, left, right) = if internal {
            ((i / 2) % 3, i + 1, i + 2)
        } else {
            (0, 0, 0)
        };
        p.extend(feature.to_le_bytes());
        p.extend(0.5f32.to_le_bytes());
        p.push(1);
        p.extend(left.to_le_bytes());
        p.extend(right.to_le_bytes());
        p.extend(0.1f64.to_le_bytes());
        p.extend(1.0f64.to_le_bytes());
        p.extend(0.0f64.to_le_bytes());
    }
    frame_gbdt(&p)
}

/// Regression: a saved model whose tree is a 20 000-deep chain (valid structure, checksum
/// right) loaded, and `contributions`/`explain` then overflowed the stack in TreeSHAP's
/// recursion: an abort of the process, not an error. Trees deeper than 1 024 levels are now
/// refused when read; a 1 024-deep chain still loads and explains.
#[test]
fn gbdt_with_an_absurdly_deep_tree_is_refused() {
    let r = Gbdt::from_bytes(&chain_model(20_000));
    assert!(
        matches!(&r, Err(TriageError::ModelCorrupt { reason, .. }) if reason.contains("depth 20000")),
        "{:?}",
        r.err()
    );
    let m = Gbdt::from_bytes(&chain_model(1024)).unwrap();
    assert_eq!(m.max_depth(), 1024);
    score_everything(&m);
}

/// A GBDT file around `payload` with a correct checksum.
fn frame_gbdt(payload: &[u8]) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend(FORMAT_VERSION.to_le_bytes());
    b.extend((payload.len() as u64).to_le_bytes());
    b.extend(payload);
    b.extend(fnv1a(payload).to_le_bytes());
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Save → load → save is the identity and the loaded model scores bit for bit alike.
    #[test]
    fn gbdt_round_trip_is_exact(seed in 0u64..1000, n_trees in 1usize..6) {
        let d = synth::make_binary(80, 3, seed);
        let m = GbdtParams::new().n_trees(n_trees).seed(seed).fit(&d).unwrap();
        let bytes = m.to_bytes();
        let back = Gbdt::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.to_bytes(), bytes);
        let x = probe_rows(3);
        let a = m.predict_raw(x.view()).unwrap();
        let b = back.predict_raw(x.view()).unwrap();
        prop_assert!(a.iter().zip(b.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
    }

    /// Arbitrary bytes, with or without a valid magic and version in front: an error.
    #[test]
    fn gbdt_arbitrary_bytes_are_errors(
        tail in prop::collection::vec(any::<u8>(), 0..300),
        prefix in 0usize..3,
    ) {
        let mut b = Vec::new();
        if prefix >= 1 { b.extend(MAGIC); }
        if prefix >= 2 { b.extend(FORMAT_VERSION.to_le_bytes()); }
        b.extend(&tail);
        prop_assert!(Gbdt::from_bytes(&b).is_err());
        prop_assert!(Gbdt::load(b.as_slice()).is_err());
    }

    /// Any other version number is refused as such.
    #[test]
    fn gbdt_other_versions_are_refused(v in any::<u32>().prop_filter("current", |v| *v != FORMAT_VERSION)) {
        for (_, bytes) in gbdts() {
            let mut b = bytes.clone();
            b[8..12].copy_from_slice(&v.to_le_bytes());
            let r = Gbdt::from_bytes(&b);
            let ok = matches!(r, Err(TriageError::ModelVersion { found, .. }) if found == v);
            prop_assert!(ok, "version {}", v);
        }
    }

    /// Payload bytes altered and the checksum recomputed (a forged or mis-written file): the
    /// structural checks refuse it, or the model loads and every scoring path runs.
    #[test]
    fn gbdt_forged_payloads_are_refused_or_score_safely(
        which in 0usize..2,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let (_, bytes) = &gbdts()[which];
        let mut payload = bytes[GBDT_HEADER..bytes.len() - 8].to_vec();
        for (i, v) in &edits {
            let i = i.index(payload.len());
            payload[i] = *v;
        }
        if let Some(c) = cut {
            payload.truncate(c.index(payload.len()));
        }
        match Gbdt::from_bytes(&frame_gbdt(&payload)) {
            Ok(m) => score_everything(&m),
            Err(TriageError::ModelCorrupt { .. } | TriageError::Core(_)) => {}
            Err(e) => prop_assert!(false, "unexpected error kind {:?}", e),
        }
    }
}

// ---------------------------------------------------------------- pipelines (JSON in a frame)

/// A GBDT and a tree pipeline (isotonic calibration) and a GBDT pipeline with Platt scaling
/// and per-detector suppression, with their saved bytes, fitted once.
fn pipelines() -> &'static [(TriagePipeline, Vec<u8>); 3] {
    static P: OnceLock<[(TriagePipeline, Vec<u8>); 3]> = OnceLock::new();
    P.get_or_init(|| {
        let data = vigil_triage::features::guide::synthetic(300, 4);
        [
            (ModelKind::Gbdt, false),
            (ModelKind::Tree, false),
            (ModelKind::Gbdt, true),
        ]
        .map(|(kind, platt)| {
            let mut p = TriageParams::new(kind, 2);
            p.model.gbdt = p.model.gbdt.clone().n_trees(4);
            p.features.inner_folds = 2;
            if platt {
                p.calibration = CalibrationMethod::Platt;
                p.per_detector = Some(2);
            }
            let fitted = p.fit(&data).unwrap();
            let mut bytes = Vec::new();
            fitted.save(&mut bytes).unwrap();
            (fitted, bytes)
        })
    })
}

fn probe_alerts() -> &'static [Alert] {
    static A: OnceLock<Vec<Alert>> = OnceLock::new();
    A.get_or_init(|| vigil_triage::features::guide::synthetic(12, 99))
}

/// Splits a saved pipeline into (magic+version, header JSON, rest after the frame).
fn split_frame(bytes: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    (&bytes[..8], &bytes[16..16 + len], &bytes[16 + len + 8..])
}

/// A frame around `json` with a correct checksum.
fn frame(head: &[u8], json: &[u8], rest: &[u8]) -> Vec<u8> {
    let mut b = head.to_vec();
    b.extend((json.len() as u64).to_le_bytes());
    b.extend(json);
    b.extend(fnv1a(json).to_le_bytes());
    b.extend(rest);
    b
}

#[test]
fn pipeline_round_trip_is_exact() {
    for (p, bytes) in pipelines() {
        let back = TriagePipeline::load(bytes.as_slice()).unwrap();
        let mut again = Vec::new();
        back.save(&mut again).unwrap();
        assert_eq!(&again, bytes);
        let a: Vec<_> = p.score_batch(probe_alerts());
        let b: Vec<_> = back.score_batch(probe_alerts());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}

#[test]
fn pipeline_trailing_bytes_are_refused() {
    for (_, bytes) in pipelines() {
        let mut b = bytes.clone();
        b.push(0);
        let r = TriagePipeline::load(b.as_slice());
        assert!(r.is_err(), "one byte appended was accepted");
    }
}

#[test]
fn pipeline_huge_declared_length_is_refused() {
    for (_, bytes) in pipelines() {
        for len in [u64::MAX, 1 << 40, bytes.len() as u64] {
            let mut b = bytes.clone();
            b[8..16].copy_from_slice(&len.to_le_bytes());
            let r = TriagePipeline::load(b.as_slice());
            assert!(
                matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("truncated") || reason.contains("overflows")),
                "length {len}: {r:?}"
            );
        }
    }
}

/// A tree pipeline whose tree (checksum recomputed) has a node pointing back at the root:
/// loading must refuse it (a walk of it would never end).
#[test]
fn pipeline_with_a_cyclic_tree_is_refused() {
    let (_, bytes) = &pipelines()[1];
    let (head, json, rest) = split_frame(bytes);
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let nodes = v["tree"]["nodes"].as_array_mut().unwrap();
    let internal = nodes.iter().position(|n| !n["left"].is_null()).unwrap();
    nodes[internal]["left"] = serde_json::json!(0);
    let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
    let r = TriagePipeline::load(forged.as_slice());
    assert!(
        matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("node")),
        "{r:?}"
    );
}

/// A tree pipeline claiming an absurd class count (checksum recomputed) is refused before
/// scoring allocates rows × classes.
#[test]
fn pipeline_with_a_huge_class_count_is_refused() {
    let (_, bytes) = &pipelines()[1];
    let (head, json, rest) = split_frame(bytes);
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    v["tree"]["n_classes"] = serde_json::json!(1u64 << 50);
    let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
    let r = TriagePipeline::load(forged.as_slice());
    assert!(
        matches!(&r, Err(TriageError::PipelineFormat { .. })),
        "{r:?}"
    );
}

/// Regression: a pipeline whose isotonic map (checksum recomputed) has fewer rates than
/// scores loaded, and scoring panicked indexing the rates (isotonic.rs); now refused.
#[test]
fn pipeline_with_a_ragged_isotonic_map_is_refused() {
    let (_, bytes) = &pipelines()[0];
    let (head, json, rest) = split_frame(bytes);
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert_eq!(v["calibrator"]["kind"], "isotonic");
    v["calibrator"]["ys"].as_array_mut().unwrap().clear();
    let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
    let r = TriagePipeline::load(forged.as_slice());
    assert!(
        matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("isotonic map")),
        "{:?}",
        r.err()
    );
}

/// Regression: a Platt map with `eps` 0.7 (or 7) loaded, and scoring panicked in
/// `f64::clamp(eps, 1 - eps)` (min > max); now refused, like a negative slope.
#[test]
fn pipeline_with_a_bad_platt_map_is_refused() {
    let (_, bytes) = &pipelines()[2];
    let (head, json, rest) = split_frame(bytes);
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert_eq!(v["calibrator"]["kind"], "platt");
    for (field, bad) in [("eps", 0.7), ("eps", 7.0), ("a", -1.0)] {
        let mut v = v.clone();
        v["calibrator"][field] = serde_json::json!(bad);
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        let r = TriagePipeline::load(forged.as_slice());
        assert!(
            matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("Platt map")),
            "{field} {bad}: {:?}",
            r.err()
        );
    }
}

/// A label-shift adapter with a zero training prior or a zero tolerance is refused (scoring
/// would divide by the prior; `PriorShiftParams::check` refuses both when fitting).
#[test]
fn pipeline_with_a_bad_prior_shift_is_refused() {
    let (_, bytes) = &pipelines()[0];
    let (head, json, rest) = split_frame(bytes);
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    assert!(v["prior_shift"].is_object(), "{}", v["prior_shift"]);
    let edits = [
        ("train_prior", serde_json::json!([0.0, 0.5, 0.5])),
        ("train_prior", serde_json::json!([0.2, 0.2, 0.2])),
        ("tol", serde_json::json!(0.0)),
    ];
    for (field, bad) in edits {
        let mut v = v.clone();
        if field == "tol" {
            v["prior_shift"]["params"][field] = bad.clone();
        } else {
            v["prior_shift"][field] = bad.clone();
        }
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        let r = TriagePipeline::load(forged.as_slice());
        assert!(
            matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("prior shift")),
            "{field} {bad}: {:?}",
            r.err()
        );
    }
}

/// A GBDT pipeline whose model part is a valid binary model on the right schema: refused (a
/// pipeline scores three grades), not loaded as a pipeline that never says "benign".
#[test]
fn pipeline_with_a_two_class_model_is_refused() {
    let (_, bytes) = &pipelines()[0];
    let (head, json, _) = split_frame(bytes);
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let names: Vec<String> = v["schema"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    let mut rng = SplitMix64::new(1);
    let x = Array2::from_shape_fn((60, names.len()), |_| rng.next_f64());
    let y = x
        .rows()
        .into_iter()
        .map(|r| usize::from(r[0] > 0.5))
        .collect();
    let schema = vigil_core::FeatureSchema::new(names);
    let d = vigil_core::LabeledData::new(x, y, 2, schema).unwrap();
    let binary = GbdtParams::new().n_trees(1).fit(&d).unwrap();
    let forged = frame(head, json, &binary.to_bytes());
    let r = TriagePipeline::load(forged.as_slice());
    assert!(
        matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("2 classes")),
        "{:?}",
        r.err()
    );
}

/// A tree pipeline whose tree is a 5 000-deep chain (checksum recomputed): `TreeModel::depth`
/// recurses once per level, so it is refused when read, like a GBDT tree deeper than 1 024.
#[test]
fn pipeline_with_an_absurdly_deep_tree_is_refused() {
    let (_, bytes) = &pipelines()[1];
    let (head, json, rest) = split_frame(bytes);
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let leaf = v["tree"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["split"].is_null())
        .unwrap()
        .clone();
    let n = 5000;
    let mut nodes = Vec::new();
    for i in 0..n {
        let mut node = leaf.clone();
        node["split"] = serde_json::json!([0, 0.5]);
        node["left"] = serde_json::json!(2 * i + 1);
        node["right"] = serde_json::json!(2 * i + 2);
        nodes.push(node);
        nodes.push(leaf.clone());
    }
    nodes.push(leaf);
    v["tree"]["nodes"] = serde_json::Value::Array(nodes);
    let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
    let r = TriagePipeline::load(forged.as_slice());
    assert!(
        matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains("depth 1025")),
        "{:?}",
        r.err()
    );
}

/// Replaces the `k`-th scalar of `v` (depth-first) with `new`; returns whether it was found.
fn replace_scalar(v: &mut serde_json::Value, k: &mut usize, new: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| replace_scalar(x, k, new)),
        Value::Object(o) => o.values_mut().any(|x| replace_scalar(x, k, new)),
        scalar => {
            if *k == 0 {
                *scalar = new.clone();
                true
            } else {
                *k -= 1;
                false
            }
        }
    }
}

/// Applies `edit` (0: drop the last element, 1: empty it, 2: repeat the first, 3: reverse it)
/// to the `k`-th array of `v` (depth-first); returns whether it was found.
fn edit_array(v: &mut serde_json::Value, k: &mut usize, edit: u8) -> bool {
    use serde_json::Value;
    match v {
        Value::Array(a) => {
            if *k == 0 {
                match edit % 4 {
                    0 => {
                        a.pop();
                    }
                    1 => a.clear(),
                    2 => {
                        if let Some(f) = a.first().cloned() {
                            a.insert(0, f);
                        }
                    }
                    _ => a.reverse(),
                }
                return true;
            }
            *k -= 1;
            a.iter_mut().any(|x| edit_array(x, k, edit))
        }
        Value::Object(o) => o.values_mut().any(|x| edit_array(x, k, edit)),
        _ => false,
    }
}

fn arrays(v: &serde_json::Value) -> usize {
    use serde_json::Value;
    match v {
        Value::Array(a) => 1 + a.iter().map(arrays).sum::<usize>(),
        Value::Object(o) => o.values().map(arrays).sum(),
        _ => 0,
    }
}

fn scalars(v: &serde_json::Value) -> usize {
    use serde_json::Value;
    match v {
        Value::Array(a) => a.iter().map(scalars).sum(),
        Value::Object(o) => o.values().map(scalars).sum(),
        _ => 1,
    }
}

fn json_scalar() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(null)),
        Just(json!(true)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(1)),
        Just(json!(7)),
        Just(json!(1e308)),
        Just(json!(-0.5)),
        Just(json!(u64::MAX)),
        Just(json!("")),
        Just(json!([])),
        any::<i32>().prop_map(|i| json!(i)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Truncated anywhere: a typed error naming the truncation or the broken part.
    #[test]
    fn pipeline_truncations_are_errors(which in 0usize..3, cut in any::<prop::sample::Index>()) {
        let (_, bytes) = &pipelines()[which];
        let cut = cut.index(bytes.len());
        let r = TriagePipeline::load(&bytes[..cut]);
        prop_assert!(
            matches!(r, Err(TriageError::PipelineFormat { .. } | TriageError::ModelCorrupt { .. })),
            "cut {}: {:?}", cut, r.err()
        );
    }

    /// One bit flipped anywhere: an error naming the magic, version, length or checksum (the
    /// header's, or the GBDT part's).
    #[test]
    fn pipeline_bit_flips_are_errors(which in 0usize..3, at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (_, bytes) = &pipelines()[which];
        let at = at.index(bytes.len());
        let mut b = bytes.clone();
        b[at] ^= 1 << bit;
        match TriagePipeline::load(b.as_slice()) {
            Err(TriageError::PipelineFormat { reason }) => {
                let named = ["magic", "version", "checksum", "truncated", "length", "overflows", "after the end"];
                prop_assert!(named.iter().any(|w| reason.contains(w)), "byte {}: {}", at, reason);
            }
            Err(
                TriageError::ModelChecksum { .. }
                | TriageError::ModelCorrupt { .. }
                | TriageError::ModelMagic { .. }
                | TriageError::ModelVersion { .. },
            ) => {}
            other => prop_assert!(false, "byte {} bit {}: {:?}", at, bit, other.map(|_| "loaded")),
        }
    }

    /// Any other version number is refused, naming the version.
    #[test]
    fn pipeline_other_versions_are_refused(v in any::<u32>().prop_filter("current", |v| *v != 1)) {
        for (_, bytes) in pipelines() {
            let mut b = bytes.clone();
            b[4..8].copy_from_slice(&v.to_le_bytes());
            let r = TriagePipeline::load(b.as_slice());
            prop_assert!(
                matches!(&r, Err(TriageError::PipelineFormat { reason }) if reason.contains(&format!("version {v}"))),
                "{:?}", r.err()
            );
        }
    }

    /// Arbitrary bytes after a valid magic and version: an error.
    #[test]
    fn pipeline_arbitrary_bytes_are_errors(tail in prop::collection::vec(any::<u8>(), 0..200), prefix in any::<bool>()) {
        let mut b = Vec::new();
        if prefix {
            b.extend(vigil_triage::pipeline::PIPELINE_MAGIC);
            b.extend(vigil_triage::pipeline::PIPELINE_VERSION.to_le_bytes());
        }
        b.extend(tail);
        prop_assert!(TriagePipeline::load(b.as_slice()).is_err());
    }

    /// One value of the header replaced (checksum recomputed): refused, or a pipeline whose
    /// scoring does not panic.
    #[test]
    fn pipeline_forged_headers_are_refused_or_score_safely(
        which in 0usize..3,
        k in any::<prop::sample::Index>(),
        new in json_scalar(),
    ) {
        let (_, bytes) = &pipelines()[which];
        let (head, json, rest) = split_frame(bytes);
        let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
        let mut k = k.index(scalars(&v));
        prop_assert!(replace_scalar(&mut v, &mut k, &new));
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        if let Ok(p) = TriagePipeline::load(forged.as_slice()) {
            let _ = p.score_batch(probe_alerts());
            for a in probe_alerts() {
                let _ = p.score(a);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One array of the header shortened, emptied, grown or reversed (checksum recomputed):
    /// refused, or a pipeline whose scoring does not panic.
    #[test]
    fn pipeline_forged_arrays_are_refused_or_score_safely(
        which in 0usize..3,
        k in any::<prop::sample::Index>(),
        edit in 0u8..4,
    ) {
        let (_, bytes) = &pipelines()[which];
        let (head, json, rest) = split_frame(bytes);
        let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
        let mut k = k.index(arrays(&v));
        prop_assert!(edit_array(&mut v, &mut k, edit));
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        if let Ok(p) = TriagePipeline::load(forged.as_slice()) {
            let _ = p.score_batch(probe_alerts());
            for a in probe_alerts() {
                let _ = p.score(a);
            }
        }
    }
}

// ---------------------------------------------------------------- verdict memory

fn memory_bytes(n: usize, seed: u64) -> Vec<u8> {
    let params = VerdictMemoryParams {
        sigma_shared: 0.5,
        ..VerdictMemoryParams::default()
    };
    let mut m = params.check().unwrap().build();
    let mut rng = SplitMix64::new(seed);
    for i in 0..n {
        let org = format!("org{}", rng.next_u64() % 3);
        let key = format!("k{}", rng.next_u64() % 5);
        m.record(&org, &key, 0.05 + 0.9 * rng.next_f64(), i % 3 == 0);
    }
    let mut b = Vec::new();
    m.save(&mut b).unwrap();
    b
}

#[test]
fn memory_every_truncation_and_bit_flip_is_an_error() {
    let bytes = memory_bytes(20, 1);
    for cut in 0..bytes.len() {
        let r = VerdictMemory::load(&bytes[..cut]);
        assert!(
            matches!(&r, Err(TriageError::MemoryFormat { reason }) if reason.contains("truncated")),
            "cut {cut}: {:?}",
            r.err()
        );
    }
    for bit in 0..bytes.len() * 8 {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        let r = VerdictMemory::load(b.as_slice());
        let named = [
            "magic",
            "version",
            "checksum",
            "truncated",
            "overflows",
            "after the end",
        ];
        assert!(
            matches!(&r, Err(TriageError::MemoryFormat { reason }) if named.iter().any(|w| reason.contains(w))),
            "bit {bit}: {:?}",
            r.err()
        );
    }
}

/// An organisation (or shared key) listed twice (checksum recomputed) used to load with the
/// second list silently replacing the first; now refused, naming it.
#[test]
fn memory_with_a_repeated_organisation_is_refused() {
    let bytes = memory_bytes(15, 5);
    let (head, json, rest) = split_frame(&bytes);
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    for list in ["orgs", "shared"] {
        let mut v = v.clone();
        let a = v[list].as_array_mut().unwrap();
        let first = a.first().cloned().unwrap();
        a.push(first);
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        let r = VerdictMemory::load(forged.as_slice());
        assert!(
            matches!(&r, Err(TriageError::MemoryFormat { reason }) if reason.contains("listed twice")),
            "{list}: {:?}",
            r.err()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Save → load → save is the identity, and the loaded memory answers alike.
    #[test]
    fn memory_round_trip_is_exact(n in 0usize..40, seed in 0u64..1000) {
        let bytes = memory_bytes(n, seed);
        let m = VerdictMemory::load(bytes.as_slice()).unwrap();
        let mut again = Vec::new();
        m.save(&mut again).unwrap();
        prop_assert_eq!(again, bytes);
    }

    /// Any other version number is refused, naming the version.
    #[test]
    fn memory_other_versions_are_refused(
        v in any::<u32>().prop_filter("current", |v| *v != vigil_triage::calibrate::MEMORY_VERSION),
    ) {
        let mut b = memory_bytes(5, 1);
        b[4..8].copy_from_slice(&v.to_le_bytes());
        let r = VerdictMemory::load(b.as_slice());
        prop_assert!(
            matches!(&r, Err(TriageError::MemoryFormat { reason }) if reason.contains(&format!("version {v}"))),
            "{:?}", r.err()
        );
    }

    /// Arbitrary bytes (with or without the memory's magic and version): an error.
    #[test]
    fn memory_arbitrary_bytes_are_errors(tail in prop::collection::vec(any::<u8>(), 0..200), prefix in any::<bool>()) {
        let mut b = Vec::new();
        if prefix {
            b.extend(vigil_triage::calibrate::MEMORY_MAGIC);
            b.extend(vigil_triage::calibrate::MEMORY_VERSION.to_le_bytes());
        }
        b.extend(tail);
        prop_assert!(VerdictMemory::load(b.as_slice()).is_err());
    }

    /// One value replaced (checksum recomputed): refused or a memory that answers.
    #[test]
    fn memory_forged_values_are_refused_or_answer(k in any::<prop::sample::Index>(), new in json_scalar()) {
        let bytes = memory_bytes(15, 5);
        let (head, json, rest) = split_frame(&bytes);
        let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
        let mut k = k.index(scalars(&v));
        prop_assert!(replace_scalar(&mut v, &mut k, &new));
        let forged = frame(head, &serde_json::to_vec(&v).unwrap(), rest);
        if let Ok(m) = VerdictMemory::load(forged.as_slice()) {
            for org in ["org0", "org1", "org2", "x"] {
                let c = m.confidence(org, "k1", 0.3);
                prop_assert!(c.is_finite() && (0.0..=1.0).contains(&c), "{}", c);
            }
        }
    }
}

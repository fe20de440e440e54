//! The report writer: files present, SVG well-formed, no non-finite coordinates.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::panic)]

use chrono::{DateTime, Duration};
use proptest::prelude::*;
use vigil_core::{LifecycleLog, LifecycleStage};
use vigil_metrics::report::{Cell, Plot, Report, Table};
use vigil_metrics::*;

/// A small XML checker: every tag closed in order, attributes quoted, no stray `<`/`&`.
fn well_formed(doc: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = doc;
    if let Some(after) = rest.strip_prefix("<?xml") {
        rest = &after[after.find("?>").ok_or("unterminated xml decl")? + 2..];
    }
    while let Some(i) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(i);
        if text.contains('>') {
            return Err(format!("stray '>' in text {text:?}"));
        }
        if tail.starts_with('&') {
            let end = tail.find(';').ok_or("unterminated entity")?;
            let ent = &tail[1..end];
            if !["amp", "lt", "gt", "quot", "#39"].contains(&ent) {
                return Err(format!("unknown entity {ent}"));
            }
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail.find('>').ok_or("unterminated tag")?;
        let tag = &tail[1..end];
        if tag.contains('<') {
            return Err(format!("'<' inside tag {tag:?}"));
        }
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in {tag:?}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("close without open: {name}"))?;
            if open != name {
                return Err(format!("closed {name}, expected {open}"));
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default().to_owned();
            stack.push(name);
        }
        rest = &tail[end + 1..];
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

fn check_svg(svg: &str) {
    well_formed(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
    assert!(no_bad_numbers(svg), "non-finite number in svg");
}

/// No attribute value holds NaN or infinity (text content may say anything).
fn no_bad_numbers(svg: &str) -> bool {
    !["\"NaN", "NaN\"", "inf\"", "\"inf", "\"-inf", ",NaN", "NaN,"]
        .iter()
        .any(|b| svg.contains(b))
}

type Named<T> = Vec<(String, Vec<T>)>;

fn sample_log() -> (Named<AttackOutcome>, Named<QueuePoint>) {
    let t = DateTime::UNIX_EPOCH + Duration::days(19_000);
    let mut per = Vec::new();
    let mut queues = Vec::new();
    for (name, wait) in [("fifo", 300), ("severity", 90), ("vigil <&> \"ai\"", 5)] {
        let mut log = LifecycleLog::new();
        let mut labels = Vec::new();
        for i in 0..30 {
            let id = format!("a{i}");
            let at = t + Duration::minutes(10 * i);
            log.record(&id, LifecycleStage::Created, at, None);
            if i % 3 != 0 || wait < 100 {
                log.record(
                    &id,
                    LifecycleStage::Surfaced,
                    at + Duration::minutes(wait + i),
                    None,
                );
            }
            let threat = i % 4 == 0;
            labels.push(AlertLabel::new(
                id,
                threat,
                threat.then(|| format!("phase {}", i % 3)),
            ));
        }
        let m = soc_metrics(&log, &labels, &SocParams::default()).unwrap();
        per.push((name.to_owned(), m.per_attack));
        queues.push((name.to_owned(), queue_length(&log)));
    }
    (per, queues)
}

#[test]
fn writes_every_file_and_valid_svg() {
    let dir = tempfile::tempdir().unwrap();
    let s = [0.9, 0.8, 0.7, 0.4, 0.3, 0.1];
    let y = [true, false, true, false, true, false];
    let pr = pr_curve(&s, &y).unwrap();
    let roc = roc_curve(&s, &y).unwrap();
    let rel = reliability_bins(&s, &y, 5).unwrap();
    let (per, queues) = sample_log();
    let per_refs: Vec<(&str, &[AttackOutcome])> = per
        .iter()
        .map(|(n, p)| (n.as_str(), p.as_slice()))
        .collect();
    let q_refs: Vec<(&str, &[QueuePoint])> = queues
        .iter()
        .map(|(n, q)| (n.as_str(), q.as_slice()))
        .collect();
    let cat = AttackCatalogue::from_json(
        r#"{"objects":[
        {"type":"x-mitre-tactic","id":"t1","name":"Execution","x_mitre_shortname":"execution","external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},
        {"type":"x-mitre-tactic","id":"t2","name":"Impact","x_mitre_shortname":"impact","external_references":[{"source_name":"mitre-attack","external_id":"TA0040"}]},
        {"type":"attack-pattern","id":"a","name":"Cmd","external_references":[{"source_name":"mitre-attack","external_id":"T1059"}],"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]},
        {"type":"attack-pattern","id":"b","name":"Wipe","external_references":[{"source_name":"mitre-attack","external_id":"T1485"}],"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"impact"}]}]}"#
            .as_bytes(),
        "",
    )
    .unwrap();
    let t1059 = vigil_core::TechniqueId::parse("T1059").unwrap();
    let cov = Coverage::of(&cat, [&t1059]);
    let cov_none = Coverage::of(&cat, []);
    assert_eq!(
        (cov.covered, cov.total, cov.per_tactic[0].covered),
        (1, 2, 1)
    );
    let table = Table::new(
        "SOC <comparison> | side by side",
        &["queue", "MTTD (min)", "detected"],
    )
    .row(vec!["fifo".into(), Cell::Missing, 1usize.into()])
    .row(vec!["vigil".into(), 4.25.into(), 3usize.into()])
    .note("MTTD: median minutes from a phase's first alert to its first review.");
    let written = Report::new("Vigil & the SOC")
        .text("First paragraph.\n\nSecond <b>paragraph</b>.")
        .table(table.clone())
        .table(table)
        .plot(Plot::pr_curves("PR curves", &[("model", pr.as_slice())]))
        .plot(Plot::roc_curves("ROC curves", &[("model", roc.as_slice())]))
        .plot(Plot::calibration(
            "Calibration",
            &[("model", rel.as_slice())],
        ))
        .plot(Plot::queue_length("Queue length", &q_refs))
        .plot(Plot::detection_timeline("Detection timeline", &per_refs))
        .plot(Plot::coverage(
            "Coverage",
            &[("sigma", &cov), ("fired", &cov_none)],
        ))
        .table(vigil_metrics::report::coverage_table(
            "Coverage table",
            &[("sigma", &cov)],
        ))
        .json("extra", serde_json::json!({"k": 1}))
        .write(dir.path())
        .unwrap();
    let names: Vec<String> = written
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for f in [
        "index.html",
        "report.md",
        "report.json",
        "soc-comparison-side-by-side.md",
        "soc-comparison-side-by-side-2.json",
        "pr-curves.svg",
        "roc-curves.svg",
        "calibration.svg",
        "queue-length.svg",
        "detection-timeline.svg",
        "coverage.svg",
        "coverage-table.md",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} missing from {names:?}");
        assert!(dir.path().join(f).is_file());
    }
    for n in names.iter().filter(|n| n.ends_with(".svg")) {
        check_svg(&std::fs::read_to_string(dir.path().join(n)).unwrap());
    }
    let html = std::fs::read_to_string(&written.index).unwrap();
    let body = html.trim_start_matches("<!DOCTYPE html>\n");
    // <meta> and <img> are void elements in HTML; close them for the XML checker.
    let body = body.replace("<meta charset=\"utf-8\">", "");
    let body = regex_free_close_img(&body);
    well_formed(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    for n in names.iter().filter(|n| *n != "index.html") {
        assert!(
            html.contains(&format!("href=\"{n}\"")),
            "index does not link {n}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["tables"][0]["rows"][1]["MTTD (min)"], 4.25);
    assert_eq!(json["data"]["extra"]["k"], 1);
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.contains("| vigil | 4.250 | 3 |") && md.contains("![PR curves](pr-curves.svg)"));
    assert!(md.contains("SOC <comparison> \\| side by side"));
}

fn regex_free_close_img(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<img ") {
        let end = i + rest[i..].find('>').unwrap();
        out.push_str(&rest[..end]);
        out.push_str("/>");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn ragged_table_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::new("t", &["a", "b"]).row(vec!["x".into()]);
    assert!(matches!(
        Report::new("r").table(t).write(dir.path()),
        Err(MetricsError::LengthMismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
}

proptest! {
    /// Any data, including NaN, ±∞ and empty series, gives a well-formed SVG without NaN.
    #[test]
    fn svg_always_well_formed(
        pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..30),
        label in ".{0,20}",
    ) {
        let svg = Plot::lines(&label, "x <", "y &", &[(label.as_str(), pts.clone()), ("b", vec![])]).to_svg();
        prop_assert!(well_formed(&svg).is_ok(), "{:?}", well_formed(&svg));
        prop_assert!(no_bad_numbers(&svg));
    }
}

#[test]
fn long_series_are_thinned_but_keep_their_peaks() {
    let t = DateTime::UNIX_EPOCH;
    // 200k points with one spike in the middle.
    let q: Vec<QueuePoint> = (0..200_000)
        .map(|i| QueuePoint {
            at: t + Duration::seconds(i),
            waiting: if i == 100_000 {
                5_000
            } else {
                (i % 7) as usize
            },
        })
        .collect();
    let svg = Plot::queue_length("Queue", &[("fifo", q.as_slice())]).to_svg();
    check_svg(&svg);
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    // The y axis reaches the spike, and the spike is drawn at the top of the plot (y = 40).
    assert!(svg.contains(">5000<"));
    assert!(svg.contains(",40 ") || svg.contains(",40\""));
}

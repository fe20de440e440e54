//! Vigil JSON Lines: writer → reader round trip, and rejects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use vigil_core::{Alert, Entity, EntityKind, EntityRole, GroundTruth, TechniqueId, Verdict};
use vigil_io::{Format, JsonlWriter, ReadOptions, read_path};

fn sample(i: u32) -> Alert {
    let mut a = Alert::new(
        format!("a-{i}"),
        chrono::DateTime::from_timestamp(1_700_000_000 + i64::from(i), 0).unwrap(),
        "Port scan",
    );
    a.tenant = Some("acme".into());
    a.techniques.push(TechniqueId::parse("T1046").unwrap());
    a.entities
        .push(Entity::new(EntityKind::Ip, "10.0.0.1", EntityRole::Actor));
    a.raw.insert("z".into(), "1".into());
    a.raw.insert("a".into(), "2".into());
    a.verdict = Some(Verdict::BenignPositive);
    a.truth = Some(GroundTruth {
        malicious: false,
        phase: None,
        step: None,
    });
    a
}

#[test]
fn writer_and_reader_round_trip_through_a_file() {
    let alerts: Vec<_> = (0..3).map(sample).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let mut w = JsonlWriter::new(std::io::BufWriter::new(
        std::fs::File::create(&path).unwrap(),
    ));
    w.write_all(&alerts).unwrap();
    assert_eq!(w.written(), 3);
    w.finish().unwrap();
    let back: Vec<_> = read_path(Format::Jsonl, &path)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, alerts);
    // Raw fields keep their order through JSON.
    assert_eq!(back[0].raw.keys().next().map(String::as_str), Some("z"));
}

#[test]
fn bad_lines_are_rejected_and_reading_goes_on() {
    let good = serde_json::to_string(&sample(1)).unwrap();
    let no_time = good.replace("\"time\"", "\"tiem\"");
    let bad_t = good.replace("T1046", "T10");
    let text = format!("{good}\n{no_time}\n{bad_t}\nnot json\n{good}\n");
    let (rs, stats) = common::read_bytes(Format::Jsonl, text.as_bytes(), &ReadOptions::new());
    assert_eq!((stats.read, stats.accepted, stats.rejected), (5, 2, 3));
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (2, Some("time")));
    let e = rs[2].as_ref().unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.reason.contains("T10"), "{}", e.reason);
    assert_eq!(rs[3].as_ref().unwrap_err().line, 4);
}

#[test]
fn a_missing_file_is_an_open_error() {
    let e = read_path(Format::Jsonl, "/nonexistent/vigil/alerts.jsonl").unwrap_err();
    assert!(matches!(e, vigil_io::IoError::Open { .. }), "{e}");
}

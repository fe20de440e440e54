//! AIT-ADS reader: field mapping, malformed records, real-data counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use vigil_core::{EntityKind, EntityRole};
use vigil_io::{Format, ReadOptions, read_path_with};

const HEADER: &str = "time,name,ip,host,short,time_label,event_label\n";

#[test]
fn maps_every_column() {
    let text = format!(
        "{HEADER}1642213952,Wazuh: ClamAV database update,172.17.131.81,mail,W-Sys-Cav,false_positive,-\n\
         1642500000,\"Suricata: ET SCAN, Nmap\",10.35.35.206,intranet_server,S-Scan,service_scans,service_scan\n"
    );
    let (rs, stats) = common::read_bytes(
        Format::AitAds,
        text.as_bytes(),
        &ReadOptions::new().network("fox"),
    );
    assert_eq!((stats.read, stats.accepted, stats.rejected), (2, 2, 0));
    let a = rs[0].as_ref().unwrap();
    assert_eq!(a.id, "fox-1");
    assert_eq!(a.time.timestamp(), 1_642_213_952);
    assert_eq!(a.title, "Wazuh: ClamAV database update");
    assert_eq!(a.source.as_deref(), Some("Wazuh"));
    assert_eq!(a.detector.as_deref(), Some("W-Sys-Cav"));
    assert_eq!(a.tenant.as_deref(), Some("fox"));
    assert_eq!(a.first_entity(EntityKind::Host), Some("mail"));
    assert_eq!(a.first_entity(EntityKind::Ip), Some("172.17.131.81"));
    assert!(a.entities.iter().all(|e| e.role == EntityRole::Impacted));
    let t = a.truth.as_ref().unwrap();
    assert!(!t.malicious && t.phase.is_none() && t.step.is_none());
    assert_eq!(a.raw.get("short").map(String::as_str), Some("W-Sys-Cav"));
    assert_eq!(a.raw.keys().next().map(String::as_str), Some("time"));

    let b = rs[1].as_ref().unwrap();
    assert_eq!(b.id, "fox-2");
    assert_eq!(b.title, "Suricata: ET SCAN, Nmap");
    assert_eq!(b.source.as_deref(), Some("Suricata"));
    let t = b.truth.as_ref().unwrap();
    assert!(t.malicious);
    assert_eq!(t.phase.as_deref(), Some("service_scans"));
    assert_eq!(t.step.as_deref(), Some("service_scan"));
    assert_eq!(b.is_threat(), Some(true));
}

#[test]
fn without_raw_fields_nothing_else_changes() {
    let text = format!("{HEADER}1642213952,AMiner: New path,1.2.3.4,vpn,A-Path,dirb,dirb\n");
    let with = common::ok_alerts(Format::AitAds, &text);
    let (rs, _) = common::read_bytes(
        Format::AitAds,
        text.as_bytes(),
        &ReadOptions::new().keep_raw(false),
    );
    let mut without = rs.into_iter().next().unwrap().unwrap();
    assert!(without.raw.is_empty());
    without.raw = with[0].raw.clone();
    assert_eq!(without, with[0]);
}

#[test]
fn bad_records_are_rejected_with_line_and_field_and_reading_goes_on() {
    let text = format!(
        "{HEADER}1642213952,Wazuh: a,1.1.1.1,mail,W,false_positive,-\n\
         notatime,Wazuh: b,1.1.1.1,mail,W,false_positive,-\n\
         1642213953,Wazuh: c,1.1.1.1\n\
         1642213954,Wazuh: d,1.1.1.1,mail,W,false_positive,-\n"
    );
    let (rs, stats) = common::read_bytes(Format::AitAds, text.as_bytes(), &ReadOptions::new());
    assert_eq!((stats.read, stats.accepted, stats.rejected), (4, 2, 2));
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.record, e.line), (2, 3));
    assert_eq!(e.field.as_deref(), Some("time"));
    assert!(e.reason.contains("notatime"), "{}", e.reason);
    let e = rs[2].as_ref().unwrap_err();
    assert_eq!((e.record, e.line, e.field.as_deref()), (3, 4, None));
    assert!(
        e.reason.contains("expected 7 fields, found 3"),
        "{}",
        e.reason
    );
    assert_eq!(rs[3].as_ref().unwrap().id, "test-4");
}

#[test]
fn a_byte_order_mark_before_the_header_is_ignored() {
    let text = format!("\u{feff}{HEADER}1642213952,Wazuh: a,1.1.1.1,mail,W,false_positive,-\n");
    assert_eq!(common::ok_alerts(Format::AitAds, &text).len(), 1);
}

#[test]
fn invalid_utf8_names_the_field() {
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"1642213952,Wazuh: \xff,1.1.1.1,mail,W,false_positive,-\n");
    let (rs, _) = common::read_bytes(Format::AitAds, &bytes, &ReadOptions::new());
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name"));
}

#[test]
fn missing_column_is_an_io_error() {
    let r = vigil_io::read(
        Format::AitAds,
        "time,name\n1,x\n".as_bytes(),
        "t",
        &ReadOptions::new(),
    );
    let e = r.unwrap_err();
    assert!(e.to_string().contains("missing column \"ip\""), "{e}");
}

#[test]
fn gzip_is_detected_by_content() {
    use std::io::Write;
    let text = format!("{HEADER}1642213952,Wazuh: a,1.1.1.1,mail,W,false_positive,-\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A misleading name: detection must not rely on it.
    let path = dir.path().join("shaw_alerts.csv");
    std::fs::write(&path, bytes).unwrap();
    let mut records = read_path_with(Format::AitAds, &path, &ReadOptions::new()).unwrap();
    let a = records.next().unwrap().unwrap();
    assert_eq!(a.id, "shaw-1");
    assert!(records.next().is_none());
}

#[test]
fn a_truncated_gzip_is_one_rejected_record_at_the_line_it_cut() {
    use std::io::Write;
    let mut text = HEADER.to_owned();
    for i in 0..2_000 {
        text.push_str(&format!(
            "{},Wazuh: alert {i},10.0.{}.{},mail,W,false_positive,-\n",
            1_642_213_952 + i,
            i / 250,
            i % 250
        ));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.csv.gz");
    std::fs::write(&path, cut).unwrap();
    let records = read_path_with(Format::AitAds, &path, &ReadOptions::new()).unwrap();
    let (ok, err): (Vec<_>, Vec<_>) = records.partition(Result::is_ok);
    assert_eq!(err.len(), 1, "the stream ends at the first I/O error");
    let e = err[0].as_ref().unwrap_err();
    // Counts are conserved (the failed read is one rejected record) and the line is the one
    // after the last row read (header on line 1), not 0.
    assert_eq!(e.record, ok.len() as u64 + 1);
    assert_eq!(e.line, ok.len() as u64 + 2, "{e}");
    assert!(e.reason.contains("cannot read input"), "{e}");
}

/// Exact counts of three networks, fox (473,104) among them: a few seconds in debug mode.
/// All five are checked by `vigil bench read` (see the io figures).
#[test]
fn real_networks_read_exactly_without_rejects() {
    for (name, expected) in [
        ("russellmitchell", 45_544u64),
        ("shaw", 70_782),
        ("fox", 473_104),
    ] {
        let Some(path) = common::datasets(&format!("ait-ads/{name}_alerts.csv.gz")) else {
            return;
        };
        let mut records =
            read_path_with(Format::AitAds, &path, &ReadOptions::new().keep_raw(false)).unwrap();
        let mut malicious = 0u64;
        for r in records.by_ref() {
            let a = r.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(a.tenant.as_deref(), Some(name));
            malicious += u64::from(a.truth.is_some_and(|t| t.malicious));
        }
        let s = records.stats();
        assert_eq!(
            (s.read, s.accepted, s.rejected),
            (expected, expected, 0),
            "{name}"
        );
        assert!(malicious > 0 && malicious < expected, "{name}: {malicious}");
    }
}

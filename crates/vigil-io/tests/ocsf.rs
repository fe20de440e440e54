//! OCSF reader: the real vendor findings in every layout, mapping, malformed records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use vigil_core::{EntityKind, EntityRole, Severity, Verdict};
use vigil_io::{Format, ReadOptions, read_path};

#[test]
fn real_findings_all_accepted_in_every_layout() {
    let Some(dir) = common::datasets("formats/ocsf") else {
        return;
    };
    let mut titles = Vec::new();
    for (file, n) in [
        ("all.jsonl", 3u64),
        ("okta_detection_finding.json", 1),
        ("securityhub_guardduty_detection_finding.json", 1),
        ("falco_finding.json", 1),
    ] {
        let mut records = read_path(Format::Ocsf, dir.join(file)).unwrap();
        for r in records.by_ref() {
            let a = r.unwrap_or_else(|e| panic!("{e}"));
            titles.push((file, a));
        }
        let s = records.stats();
        assert_eq!((s.read, s.accepted, s.rejected), (n, n, 0), "{file}");
    }
    // The pretty-printed files and the JSON Lines hold the same findings.
    for (file, a) in titles.iter().skip(3) {
        let same = titles.iter().take(3).find(|(_, b)| b.id == a.id).unwrap();
        assert_eq!(&same.1, a, "{file}");
    }
    let okta = &titles
        .iter()
        .find(|(f, _)| f.starts_with("okta"))
        .unwrap()
        .1;
    assert_eq!(okta.source.as_deref(), Some("Okta System Log"));
    assert_eq!(okta.title, "Login Failures");
    assert_eq!(okta.time.timestamp(), 1_723_564_700);
    assert_eq!(okta.detector.as_deref(), Some("security.threat.detected"));
    assert_eq!(okta.first_entity(EntityKind::Ip), Some("10.0.0.1"));
    let gd = &titles
        .iter()
        .find(|(f, _)| f.starts_with("security"))
        .unwrap()
        .1;
    assert_eq!(gd.severity, Severity::Low);
    assert_eq!(gd.tenant.as_deref(), Some("111111111111"));
    assert_eq!(gd.time.timestamp_millis(), 1_695_135_922_487);
    assert_eq!(
        gd.first_entity(EntityKind::CloudResource),
        Some("AWS::IAM::AccessKey:ASIATMJPC7EXAMPLE")
    );
    assert_eq!(
        gd.raw.get("finding_info.types.0").map(String::as_str),
        Some("TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled")
    );
    let falco = &titles
        .iter()
        .find(|(f, _)| f.starts_with("falco"))
        .unwrap()
        .1;
    assert_eq!(falco.source.as_deref(), Some("Falco"));
    assert_eq!(falco.severity, Severity::Medium);
    assert_eq!(falco.title, "Linux Kernel Module Injection Detected");
    assert_eq!(falco.first_entity(EntityKind::Host), Some("host0.local"));
}

const FINDING: &str = r#"{"class_uid":2004,"time":1700000000000,"severity_id":4,"verdict_id":2,
"finding_info":{"uid":"f-1","title":"Encoded PowerShell","analytic":{"uid":"rule-9","name":"PS"},
 "attacks":[{"technique":{"uid":"T1059"},"sub_technique":{"uid":"T1059.001"},"tactic":{"name":"Execution"}}]},
"device":{"hostname":"ws-1","ip":"10.0.0.5"},"actor":{"user":{"name":"alice"},"process":{"name":"powershell.exe"}},
"observables":[{"name":"file.hash","type_id":8,"value":"abc"},{"name":"port","type_id":11,"value":"443"}],
"metadata":{"product":{"name":"Defender"},"tenant_uid":"t-1"}}"#;

#[test]
fn maps_a_detection_finding() {
    let a = &common::ok_alerts(Format::Ocsf, &FINDING.replace('\n', " "))[0];
    assert_eq!(a.id, "f-1");
    assert_eq!(a.detector.as_deref(), Some("rule-9"));
    assert_eq!(a.category.as_deref(), Some("Execution"));
    assert_eq!(a.severity, Severity::High);
    assert_eq!(a.verdict, Some(Verdict::TruePositive));
    assert_eq!(a.tenant.as_deref(), Some("t-1"));
    let t: Vec<_> = a.techniques.iter().map(|t| t.as_str()).collect();
    assert_eq!(t, ["T1059", "T1059.001"]);
    let ents: Vec<_> = a
        .entities
        .iter()
        .map(|e| (e.kind, e.value.as_str(), e.role))
        .collect();
    assert_eq!(
        ents,
        [
            (EntityKind::Host, "ws-1", EntityRole::Impacted),
            (EntityKind::Ip, "10.0.0.5", EntityRole::Impacted),
            (EntityKind::User, "alice", EntityRole::Actor),
            (EntityKind::Process, "powershell.exe", EntityRole::Actor),
            (EntityKind::Hash, "abc", EntityRole::Related),
        ]
    );
    assert_eq!(
        a.raw
            .get("finding_info.attacks.0.technique.uid")
            .map(String::as_str),
        Some("T1059")
    );
}

#[test]
fn array_and_pretty_layouts_read_the_same() {
    let line = FINDING.replace('\n', " ");
    let jsonl = format!("{line}\n{line}\n");
    let array = format!("[\n  {FINDING},\n  {FINDING}\n]\n");
    let docs = format!("{FINDING}\n{FINDING}");
    let a = common::ok_alerts(Format::Ocsf, &jsonl);
    assert_eq!(a.len(), 2);
    assert_eq!(common::ok_alerts(Format::Ocsf, &array), a);
    assert_eq!(common::ok_alerts(Format::Ocsf, &docs), a);
}

#[test]
fn bad_records_name_line_and_field() {
    let line = FINDING.replace('\n', " ");
    let text = format!(
        "{line}\n{}\n{{\"class_uid\": 2004, \"time\": \n{}\n[1,2]\n{line}\n",
        line.replace("T1059.001", "T1059.1"),
        line.replace("2004", "1001"),
    );
    let (rs, stats) = common::read_bytes(Format::Ocsf, text.as_bytes(), &ReadOptions::new());
    assert_eq!((stats.read, stats.accepted, stats.rejected), (6, 2, 4));
    let errs: Vec<_> = rs.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errs[0].line, 2);
    assert_eq!(
        errs[0].field.as_deref(),
        Some("finding_info.attacks[0].sub_technique.uid")
    );
    assert_eq!((errs[1].line, errs[1].field.as_deref()), (3, None));
    assert!(
        errs[1].reason.contains("invalid JSON"),
        "{}",
        errs[1].reason
    );
    assert_eq!(
        (errs[2].line, errs[2].field.as_deref()),
        (4, Some("class_uid"))
    );
    assert!(
        errs[3].reason.contains("expected a JSON object"),
        "{}",
        errs[3].reason
    );
    assert!(rs[5].is_ok());
}

#[test]
fn missing_time_is_rejected() {
    let (rs, _) = common::read_bytes(
        Format::Ocsf,
        br#"{"class_uid":2001,"finding":{"title":"x"}}"#,
        &ReadOptions::new(),
    );
    assert_eq!(rs[0].as_ref().unwrap_err().field.as_deref(), Some("time"));
}

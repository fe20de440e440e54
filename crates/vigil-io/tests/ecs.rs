//! ECS reader: nested and dotted (Kibana) documents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests may panic.

mod common;

use vigil_core::{EntityKind, EntityRole, Severity};
use vigil_io::{Format, ReadOptions};

const NESTED: &str = r#"{"@timestamp":"2024-05-01T10:00:00.123Z","event":{"id":"e-1","severity":73,"category":["process"]},
"rule":{"name":"Suspicious Encoded PowerShell","id":"r-42"},
"threat":{"framework":"MITRE ATT&CK","tactic":{"name":"Execution"},"technique":{"id":["T1059"],"subtechnique":{"id":["T1059.001"]}}},
"host":{"name":"ws-1","ip":["10.0.0.5","fe80::1"]},"source":{"ip":"203.0.113.9"},"destination":{"ip":"10.0.0.5"},
"user":{"name":"alice"},"process":{"name":"powershell.exe"},"file":{"hash":{"sha256":"abcd"}},"url":{"full":"http://x.example/a"},
"observer":{"product":"Elastic Defend"},"organization":{"id":"org-7"}}"#;

const KIBANA: &str = r#"{"@timestamp":"2024-05-01T11:00:00Z","kibana.alert.uuid":"k-1","kibana.alert.rule.name":"Brute force","kibana.alert.rule.rule_id":"bf-1","kibana.alert.severity":"critical","kibana.alert.rule.threat":[{"framework":"MITRE ATT&CK","tactic":{"id":"TA0006","name":"Credential Access"},"technique":[{"id":"T1110","subtechnique":[{"id":"T1110.001"}]}]}],"source.ip":"198.51.100.2","user.name":"bob"}"#;

#[test]
fn maps_a_nested_document() {
    let a = &common::ok_alerts(Format::Ecs, &NESTED.replace('\n', " "))[0];
    assert_eq!(a.id, "e-1");
    assert_eq!(a.title, "Suspicious Encoded PowerShell");
    assert_eq!(a.detector.as_deref(), Some("r-42"));
    assert_eq!(a.source.as_deref(), Some("Elastic Defend"));
    assert_eq!(a.tenant.as_deref(), Some("org-7"));
    assert_eq!(a.severity, Severity::High);
    assert_eq!(a.category.as_deref(), Some("Execution"));
    assert_eq!(a.time.timestamp_subsec_millis(), 123);
    let t: Vec<_> = a.techniques.iter().map(|t| t.as_str()).collect();
    assert_eq!(t, ["T1059", "T1059.001"]);
    let has = |k, v, r| {
        a.entities
            .iter()
            .any(|e| e.kind == k && e.value == v && e.role == r)
    };
    assert!(has(EntityKind::Host, "ws-1", EntityRole::Impacted));
    assert!(has(EntityKind::Ip, "fe80::1", EntityRole::Impacted));
    assert!(has(EntityKind::Ip, "203.0.113.9", EntityRole::Actor));
    assert!(has(EntityKind::User, "alice", EntityRole::Related));
    assert!(has(
        EntityKind::Process,
        "powershell.exe",
        EntityRole::Related
    ));
    assert!(has(EntityKind::Hash, "abcd", EntityRole::Related));
    assert!(has(
        EntityKind::Url,
        "http://x.example/a",
        EntityRole::Related
    ));
    // destination.ip equals host.ip: one entity, first role kept.
    assert_eq!(a.entities_of(EntityKind::Ip).count(), 3);
    assert_eq!(a.raw.get("host.ip.1").map(String::as_str), Some("fe80::1"));
}

#[test]
fn maps_a_kibana_alert_with_dotted_keys() {
    let a = &common::ok_alerts(Format::Ecs, KIBANA)[0];
    assert_eq!(a.id, "k-1");
    assert_eq!(a.title, "Brute force");
    assert_eq!(a.detector.as_deref(), Some("bf-1"));
    assert_eq!(a.source.as_deref(), Some("Elastic Security"));
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.category.as_deref(), Some("Credential Access"));
    let t: Vec<_> = a.techniques.iter().map(|t| t.as_str()).collect();
    assert_eq!(t, ["T1110", "T1110.001"]);
    assert_eq!(a.first_entity(EntityKind::User), Some("bob"));
}

#[test]
fn invalid_technique_and_time_name_their_field() {
    let bad_t = KIBANA.replace("T1110.001", "T1110.1");
    let bad_time = KIBANA.replace("2024-05-01T11:00:00Z", "tomorrow");
    let text = format!("{KIBANA}\n{bad_t}\n{bad_time}\n");
    let (rs, stats) = common::read_bytes(Format::Ecs, text.as_bytes(), &ReadOptions::new());
    assert_eq!((stats.accepted, stats.rejected), (1, 2));
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(
        e.field.as_deref(),
        Some("kibana.alert.rule.threat[0].technique[0].subtechnique[0].id")
    );
    let e = rs[2].as_ref().unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (3, Some("@timestamp")));
}

#[test]
fn a_json_array_of_alerts() {
    let text = format!("[{KIBANA}, {}]", NESTED.replace('\n', " "));
    assert_eq!(common::ok_alerts(Format::Ecs, &text).len(), 2);
}

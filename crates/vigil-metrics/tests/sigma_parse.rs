//! The line-based Sigma tag reader on the forms YAML allows for a tag list.

// Test helpers outside #[test] fns unwrap too; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use vigil_metrics::{AttackCatalogue, SigmaRule, SigmaRules};

fn ids(r: &SigmaRule) -> Vec<&str> {
    r.techniques.iter().map(|t| t.as_str()).collect()
}

#[test]
fn block_list_with_comments_quotes_and_case() {
    let text = "title: 'Suspicious # not a comment'\nid: \"abc-1\"\nstatus: test\ntags:\n    - attack.execution\n    - 'attack.t1059.001' # PowerShell\n    - \"attack.T1027\"\n    - attack.g0069\n    - attack.s0002\n    - cve.2021-1675\n    - detection.emerging-threats\nlogsource:\n    product: windows\n    tags: attack.t9999\n";
    let r = SigmaRule::parse(text, "x.yml").unwrap();
    assert_eq!(r.title, "Suspicious # not a comment");
    assert_eq!(r.id, "abc-1");
    assert_eq!(ids(&r), ["T1059.001", "T1027"]);
    assert_eq!(r.tactics, ["execution"]);
}

#[test]
fn apostrophe_in_a_word_does_not_hide_a_comment() {
    let r = SigmaRule::parse(
        "title: Attacker's tool # note\ntags:\n  - attack.t1105 # it's ingress\n",
        "a",
    )
    .unwrap();
    assert_eq!(r.title, "Attacker's tool");
    assert_eq!(ids(&r), ["T1105"]);
}

#[test]
fn inline_list_and_column_zero_items() {
    let r = SigmaRule::parse(
        "title: A\ntags: [attack.t1110, 'attack.credential-access']\n",
        "a",
    )
    .unwrap();
    assert_eq!(ids(&r), ["T1110"]);
    assert_eq!(r.tactics, ["credential-access"]);
    let r = SigmaRule::parse(
        "title: B\ntags:\n- attack.t1003.001\n- attack.stealth\nlevel: high\n",
        "b",
    )
    .unwrap();
    assert_eq!(ids(&r), ["T1003.001"]);
    assert_eq!(r.tactics, ["stealth"]);
}

#[test]
fn malformed_tags_are_ignored_and_no_title_is_none() {
    let r = SigmaRule::parse(
        "title: C\ntags:\n  - attack.t12\n  - attack.\n  - attack.t1059.1\n",
        "c",
    )
    .unwrap();
    assert!(r.techniques.is_empty() && r.tactics.is_empty());
    assert!(SigmaRule::parse("id: x\ntags:\n  - attack.t1059\n", "d").is_none());
    assert!(SigmaRule::parse("", "e").is_none());
}

#[test]
fn lookup_by_id_or_title() {
    let a = SigmaRule::parse(
        "title: Brute Force\nid: r-1\ntags:\n  - attack.t1110\n",
        "a",
    )
    .unwrap();
    let set = SigmaRules::from_rules([a]);
    assert_eq!(set.get("R-1").unwrap().title, "Brute Force");
    assert_eq!(set.get("brute force").unwrap().id, "r-1");
    assert!(set.get("nothing").is_none());
    let mut alert = vigil_core::Alert::new("1", chrono::DateTime::UNIX_EPOCH, "Brute Force");
    assert_eq!(
        vigil_metrics::techniques_fired(std::slice::from_ref(&alert), Some(&set)).len(),
        1
    );
    alert.detector = Some("r-1".into());
    alert.title = "other".into();
    assert_eq!(
        vigil_metrics::techniques_fired(&[alert], Some(&set)).len(),
        1
    );
}

#[test]
fn bundle_errors_are_typed() {
    assert!(AttackCatalogue::from_json(b"{", "").is_err());
    let bad = r#"{"objects":[{"type":"attack-pattern","id":"x","external_references":[{"source_name":"mitre-attack","external_id":"TX"}]}]}"#;
    // a malformed id is skipped; a bundle with no usable technique is an error
    assert!(AttackCatalogue::from_json(bad.as_bytes(), "").is_err());
    // revoked and deprecated patterns are skipped
    let json = r#"{"objects":[
      {"type":"attack-pattern","id":"a","revoked":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1000"}]},
      {"type":"attack-pattern","id":"b","x_mitre_deprecated":true,"external_references":[{"source_name":"mitre-attack","external_id":"T1001"}]},
      {"type":"attack-pattern","id":"c","external_references":[{"source_name":"mitre-attack","external_id":"T1002"}]}]}"#;
    assert_eq!(
        AttackCatalogue::from_json(json.as_bytes(), "")
            .unwrap()
            .active_techniques()
            .count(),
        1
    );
    let missing = std::path::Path::new("/nonexistent/bundle.json.gz");
    assert!(matches!(
        AttackCatalogue::load(missing),
        Err(vigil_io::IoError::Open { .. })
    ));
}

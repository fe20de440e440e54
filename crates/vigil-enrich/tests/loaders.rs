//! Loaders: malformed entries are reported with file and line, counts are conserved.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::io::Write;

use vigil_enrich::intel::{
    IndicatorStoreBuilder, load_csv, load_ipsum, load_misp_dir, load_misp_list, load_stix,
};
use vigil_enrich::{AssetInventory, AttackCatalogue, KevCatalogue};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p
}

#[test]
fn misp_bad_cidr_reported_with_line_and_skipped() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "lists/cloud/list.json",
        r#"{
  "name": "cloud",
  "type": "cidr",
  "list": [
    "10.0.0.0/8",
    "300.1.2.3/8",
    "2001:db8::/32",
    "10.0.0.0/40"
  ],
  "version": 1,
  "description": "x"
}"#,
    );
    let mut b = IndicatorStoreBuilder::default();
    let r = load_misp_list(&mut b, &p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (4, 2, 2)
    );
    assert!(r.stats.is_conserved());
    assert_eq!(r.rejects[0].line, 6);
    assert_eq!(r.rejects[0].entry, "300.1.2.3/8");
    assert_eq!(r.rejects[1].line, 8);
    assert!(r.rejects[1].reason.contains("prefix"));
    let e = r.errors().next().unwrap().to_string();
    assert!(e.contains("list.json:6"), "{e}");
    assert_eq!(r.source, "misp:cloud");
    let st = b.build();
    assert!(st.matches("10.1.2.3")[0].source.benign);
}

#[test]
fn misp_types_and_dir() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "lists/a/list.json",
        r#"{"name":"a","type":"hostname","list":["example.com","1.2.3.4"],"version":1,"description":""}"#,
    );
    write(
        d.path(),
        "lists/b/list.json",
        r#"{"name":"b","type":"string","list":["d41d8cd98f00b204e9800998ecf8427e","top.example.org","3::"],"matching_attributes":["md5","ssdeep","hostname"],"version":1,"description":""}"#,
    );
    write(
        d.path(),
        "lists/c/list.json",
        r#"{"name":"c","type":"regex","list":["/^x$/"],"version":1,"description":""}"#,
    );
    let mut b = IndicatorStoreBuilder::default();
    let r = load_misp_dir(&mut b, d.path()).unwrap();
    assert_eq!(r.files.len(), 3);
    let t = r.totals();
    assert_eq!((t.read, t.accepted, t.rejected), (6, 5, 1));
    let st = b.build();
    assert_eq!(st.matches("www.example.com").len(), 1);
    assert_eq!(st.matches("top.example.org").len(), 1);
    assert!(
        st.matches("sub.top.example.org").is_empty(),
        "string lists match exactly"
    );
    assert_eq!(st.matches("1.2.3.4").len(), 1);
    assert_eq!(st.counts().hashes, 1);
    assert_eq!(st.counts().texts, 1);
}

/// Regression: one list that is not a warninglist failed the whole folder with a Format
/// error, so no list loaded. It is now skipped and named, and the others load.
#[test]
fn misp_dir_skips_a_broken_list_and_loads_the_others() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "lists/a-broken/list.json",
        r#"{"name":"broken","type":"hostname","list":["evil.example"#,
    );
    write(
        d.path(),
        "lists/b-good/list.json",
        r#"{"name":"good","type":"hostname","list":["example.com","1.2.3.0/24"],"version":1,"description":""}"#,
    );
    let bytes = d.path().join("lists/c-latin1/list.json");
    std::fs::create_dir_all(bytes.parent().unwrap()).unwrap();
    std::fs::write(&bytes, b"{\"type\":\"string\",\"list\":[\"caf\xe9\"]}").unwrap();
    let mut b = IndicatorStoreBuilder::default();
    let r = load_misp_dir(&mut b, d.path()).unwrap();
    // Two lists skipped with their paths and reasons, one loaded.
    let fs = r.file_stats();
    assert_eq!((fs.read, fs.accepted, fs.rejected), (3, 1, 2));
    assert_eq!(r.files.len(), 1);
    assert_eq!(r.files[0].path, d.path().join("lists/b-good/list.json"));
    let t = r.totals();
    assert_eq!((t.read, t.accepted, t.rejected), (2, 2, 0));
    assert_eq!(r.skipped.len(), 2);
    assert_eq!(r.skipped[0].path, d.path().join("lists/a-broken/list.json"));
    assert!(
        r.skipped[0].reason.contains("EOF"),
        "{}",
        r.skipped[0].reason
    );
    assert_eq!(r.skipped[1].path, bytes);
    assert!(
        r.skipped[1].reason.contains("UTF-8"),
        "{}",
        r.skipped[1].reason
    );
    let e = r.skipped[0].error().to_string();
    assert!(e.contains("a-broken") && e.contains("EOF"), "{e}");
    // The good list's indicators load; the broken one left nothing behind.
    let st = b.build();
    assert_eq!(st.matches("www.example.com").len(), 1);
    assert_eq!(st.matches("1.2.3.4").len(), 1);
    assert!(st.matches("evil.example").is_empty());
    assert_eq!(st.counts().total(), 2);
}

#[test]
fn ipsum_lines() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "ipsum.txt",
        "# c\n#\n1.2.3.4\t7\nnot-an-ip\t3\n5.6.7.8\tx\n9.9.9.9 2\n",
    );
    let mut b = IndicatorStoreBuilder::default();
    let r = load_ipsum(&mut b, &p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (4, 2, 2)
    );
    assert_eq!(r.rejects[0].line, 4);
    assert_eq!(r.rejects[1].line, 5);
    let st = b.build();
    assert_eq!(st.matches("1.2.3.4")[0].reputation, 7);
    assert!(!st.matches("9.9.9.9")[0].source.benign);
}

#[test]
fn stix_equality_patterns() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "feed.json",
        r#"{
  "type": "bundle",
  "id": "bundle--1",
  "objects": [
    {"type": "indicator", "id": "indicator--a", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--b", "pattern": "[domain-name:value = 'evil.example' OR url:value = 'http://evil.example/p']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--c", "pattern": "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--d", "pattern": "[ipv4-addr:value = '1.1.1.1' AND url:value = 'x']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--e", "pattern": "[process:name = 'x']", "pattern_type": "stix"},
    {"type": "indicator", "id": "indicator--f", "pattern": "[ipv4-addr:value ISSUBSET '203.0.113.0/24']", "pattern_type": "stix"},
    {"type": "malware", "id": "malware--x", "name": "x"}
  ]
}"#,
    );
    let mut b = IndicatorStoreBuilder::default();
    let r = load_stix(&mut b, &p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (6, 4, 2)
    );
    assert_eq!(r.rejects[0].line, 8);
    assert_eq!(r.rejects[1].line, 9);
    let st = b.build();
    assert_eq!(st.matches("198.51.100.7").len(), 1);
    assert_eq!(st.matches("evil.example").len(), 1);
    assert_eq!(
        st.matches("http://evil.example/p").len(),
        2,
        "url and its host"
    );
    assert_eq!(
        st.matches("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
            .len(),
        1
    );
    assert_eq!(
        st.matches("203.0.113.200")[0].matched.to_string(),
        "203.0.113.0/24"
    );
}

#[test]
fn csv_list() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "iocs.csv",
        "indicator,type,reputation,benign\n10.9.0.0/16,cidr,4,\nbad.example,domain,,\n300.0.0.1,ip,,\nintranet.corp,domain,0,true\nx,weird,,\n",
    );
    let mut b = IndicatorStoreBuilder::default();
    let r = load_csv(&mut b, &p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (5, 3, 2)
    );
    assert_eq!(r.rejects[0].line, 4);
    assert_eq!(r.rejects[1].line, 6);
    let st = b.build();
    assert_eq!(st.matches("10.9.3.3")[0].reputation, 4);
    assert!(st.matches("a.bad.example").len() == 1);
    assert!(st.matches("intranet.corp")[0].source.benign);
}

#[test]
fn assets_csv_and_json() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "assets.csv",
        "host,criticality,owner,os\nmail,0.9,it,Linux\nweb,1.5,x,y\nDC01,1,ad-team,Windows\n,0.2,,\n",
    );
    let (inv, r) = AssetInventory::load(&p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (4, 2, 2)
    );
    assert_eq!(r.rejects[0].line, 3);
    assert_eq!(inv.get("dc01").unwrap().owner.as_deref(), Some("ad-team"));
    let p = write(
        d.path(),
        "assets.json",
        r#"[
  {"host": "mail", "criticality": 0.9},
  {"host": "bad", "criticality": "high"}
]"#,
    );
    let (inv, r) = AssetInventory::load(&p).unwrap();
    assert_eq!((r.stats.accepted, r.stats.rejected), (1, 1));
    assert_eq!(r.rejects[0].line, 3);
    assert_eq!(inv.len(), 1);
}

#[test]
fn real_kev_and_ipsum() {
    let Some(ds) = common::datasets() else { return };
    let (kev, r) =
        KevCatalogue::load(&ds.join("intel/cisa-kev/known_exploited_vulnerabilities.json"))
            .unwrap();
    assert!(r.stats.is_conserved());
    assert_eq!(kev.len() as u64, r.stats.accepted);
    assert!(kev.len() > 1000);
    assert!(kev.get("cve-2021-44228").is_some(), "Log4Shell is in KEV");
    let mut b = IndicatorStoreBuilder::default();
    let r = load_ipsum(&mut b, &ds.join("intel/ipsum/ipsum.txt")).unwrap();
    assert!(r.stats.is_conserved());
    assert!(r.stats.accepted > 100_000);
}

#[test]
fn real_misp_rfc1918() {
    let Some(ds) = common::datasets() else { return };
    let mut b = IndicatorStoreBuilder::default();
    let r = load_misp_list(
        &mut b,
        &ds.join("intel/misp-warninglists/lists/rfc1918/list.json"),
    )
    .unwrap();
    assert!(r.stats.is_conserved() && r.stats.rejected == 0);
    let st = b.build();
    let m = st.matches("172.17.131.81");
    assert_eq!(m[0].source.name, "misp:rfc1918");
    assert!(m[0].source.benign);
}

#[test]
fn real_attack_catalogue() {
    let Some(ds) = common::datasets() else { return };
    let cat =
        AttackCatalogue::load(&ds.join("attack/enterprise-attack-v18.1.reconstructed.json.gz"))
            .unwrap();
    assert_eq!(cat.version(), "v18.1");
    let id = vigil_core::TechniqueId::parse("T1059.001").unwrap();
    let t = cat.technique(&id).unwrap();
    assert_eq!(t.name, "PowerShell");
    assert_eq!(cat.tactics_of(&id), ["execution"]);
    assert!(t.platforms.iter().any(|p| p == "Windows"));
    assert!(!t.data_sources.is_empty(), "v18 data components resolved");
    assert_eq!(cat.tactics().len(), 14);
    assert_eq!(cat.tactics()[0].shortname, "reconnaissance");
    assert!(cat.active_len() > 600 && cat.active_len() < cat.len());
    assert!(cat.techniques_in_tactic("execution").count() > 10);
    // An unknown sub-technique resolves to its parent.
    let sub = vigil_core::TechniqueId::parse("T1059.999").unwrap();
    assert_eq!(cat.technique_or_parent(&sub).unwrap().id.as_str(), "T1059");
}

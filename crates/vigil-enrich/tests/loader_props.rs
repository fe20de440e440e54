//! Every data loader, fed arbitrary bytes or entries that are arbitrary text, answers with a
//! typed error for the whole file or a report whose counts are conserved (`read == accepted +
//! rejected`, one read per entry written); no input panics, and the store built from what
//! was accepted answers any query (an accepted IPsum address is found with its count; an
//! accepted CVE id is found).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vigil_enrich::intel::{
    IndicatorStoreBuilder, IpRange, load_csv, load_ipsum, load_misp_dir, load_misp_list, load_stix,
    stix::parse_pattern,
};
use vigil_enrich::kev::{normalize_cve, scan_cves};
use vigil_enrich::{AssetInventory, AttackCatalogue, EnrichError, FileReport, KevCatalogue};

/// Writes `bytes` to `name` in a fresh folder; the folder lives as long as the returned guard.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    (d, p)
}

/// An indicator-list loader.
type Loader = fn(&mut IndicatorStoreBuilder, &Path) -> Result<FileReport, EnrichError>;

/// A whole-file error must be one of the file-level variants and name the file.
fn assert_file_error(e: &EnrichError, path: &Path) {
    match e {
        EnrichError::Io { path: p, .. } | EnrichError::Format { path: p, .. } => {
            assert_eq!(p, path, "{e}");
        }
        other => panic!("unexpected error kind for a whole file: {other:?}"),
    }
}

/// Counts conserved, `expected` entries read when known, rejections located in the file.
fn assert_report(r: &FileReport, expected: Option<u64>, lines: u64) {
    assert!(r.stats.is_conserved(), "{:?}", r.stats);
    if let Some(n) = expected {
        assert_eq!(r.stats.read, n, "entries read");
    }
    assert!(r.rejects.len() as u64 <= r.stats.rejected);
    for j in &r.rejects {
        assert!(j.line <= lines + 1, "reject line {} of {lines}", j.line);
    }
}

/// Indicator-like text: arbitrary Unicode, the characters indicators are made of, and
/// near-valid IPs, CIDRs, domains, URLs and hashes.
fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
        "[0-9a-fA-F.:/%*\\[\\] _'\"\\\\-]{0,40}",
        "([0-9]{1,3}\\.){3}[0-9]{1,4}(/[0-9]{1,3})?",
        "[0-9a-f:]{2,30}(/[0-9]{1,3})?",
        "[a-zA-Z0-9.\u{e9}\u{4e2d}-]{1,20}\\.[a-z]{2,4}\\.?",
        "(https?|ftp)://[a-z0-9.]{1,12}(:[0-9]{1,6})?/[^\\s]{0,20}",
        "[0-9a-fA-F]{30,66}",
        "\\.?\\*?\\.[a-z]{1,8}",
    ]
}

/// Regression: on a hostname list (or a string list, or a CSV row typed `auto`), an address
/// with a bad prefix was accepted as plain text, an entry no query could match; it is now
/// rejected with the CIDR's reason and its line.
#[test]
fn malformed_cidrs_on_hostname_lists_are_rejected() {
    let text = "{\"name\": \"h\", \"type\": \"hostname\", \"version\": 1, \"description\": \"\",\n \"list\": [\n  \"0.0.0.0/40\",\n  \"10.0.0.0/8\",\n  \"2001:db8::/200\"\n]}";
    let (_d, p) = file("lists/h/list.json", text.as_bytes());
    let r = load_misp_list(&mut IndicatorStoreBuilder::default(), &p).unwrap();
    assert_eq!(
        (r.stats.read, r.stats.accepted, r.stats.rejected),
        (3, 1, 2)
    );
    assert_eq!(
        (r.rejects[0].line, r.rejects[0].entry.as_str()),
        (3, "0.0.0.0/40")
    );
    assert!(
        r.rejects[0].reason.contains("prefix"),
        "{}",
        r.rejects[0].reason
    );
    assert_eq!(r.rejects[1].line, 5);
    let (_d, p) = file("l.csv", b"1.2.3.4/33,auto\n1.2.3.4/32,auto\n");
    let r = load_csv(&mut IndicatorStoreBuilder::default(), &p).unwrap();
    assert_eq!((r.stats.accepted, r.stats.rejected), (1, 1));
    assert_eq!(r.rejects[0].line, 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// MISP warning lists of every type, entries arbitrary: one read per entry, conserved.
    #[test]
    fn misp_lists_conserve_entries(
        kind in prop::sample::select(vec!["cidr", "hostname", "substring", "string", "regex", "other"]),
        attrs in prop::collection::vec(prop::sample::select(vec!["md5", "ip-src", "hostname", "url", "domain", "x"]), 0..3),
        entries in prop::collection::vec(entry(), 0..25),
    ) {
        let doc = serde_json::json!({
            "name": "n", "type": kind, "list": entries, "version": 1,
            "description": "d", "matching_attributes": attrs,
        });
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let (_d, p) = file("lists/x/list.json", text.as_bytes());
        let mut b = IndicatorStoreBuilder::default();
        let r = load_misp_list(&mut b, &p).unwrap();
        assert_report(&r, Some(entries.len() as u64), text.lines().count() as u64);
        // Every entry accepted is found again when queried as written (all rejects are kept:
        // fewer than the report's cap).
        let store = b.build();
        for e in &entries {
            // A range is queried by the address it is written with (inside its own range).
            let q = if IpRange::parse(e).is_ok() {
                e.split('/').next().unwrap_or(e)
            } else {
                e
            };
            let m = store.matches(q);
            // With `matching_attributes` restricting the kinds, an entry of another kind is
            // kept as plain text, which only a query of no known kind consults: by design.
            if !r.rejects.iter().any(|j| j.entry == *e) && kind != "regex" && kind != "other" && attrs.is_empty() {
                prop_assert!(
                    m.iter().any(|m| m.source.name == "misp:x"),
                    "accepted {:?} ({}) is not found: {:?}", e, kind, m
                );
            }
        }
    }

    /// A folder of warninglists, some valid and some arbitrary bytes: the folder loads, every
    /// list is either loaded (entries conserved) or skipped with its path and a reason, the
    /// valid ones are all loaded and their domains found.
    #[test]
    fn misp_dirs_skip_broken_lists_and_load_the_rest(
        lists in prop::collection::vec(
            prop_oneof![
                prop::collection::vec("[a-z]{1,8}\\.com", 0..6).prop_map(Ok),
                prop::collection::vec(any::<u8>(), 0..120).prop_map(Err),
            ],
            0..6,
        ),
    ) {
        let d = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (i, l) in lists.iter().enumerate() {
            let p = d.path().join(format!("lists/l{i}/list.json"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let bytes = match l {
                Ok(entries) => serde_json::to_vec(&serde_json::json!({
                    "name": "n", "type": "hostname", "list": entries,
                })).unwrap(),
                Err(b) => b.clone(),
            };
            std::fs::write(&p, bytes).unwrap();
            paths.push(p);
        }
        let mut b = IndicatorStoreBuilder::default();
        let r = load_misp_dir(&mut b, d.path()).unwrap();
        let fs = r.file_stats();
        prop_assert!(fs.is_conserved());
        prop_assert_eq!(fs.read, lists.len() as u64);
        for s in &r.skipped {
            let i = paths.iter().position(|p| *p == s.path).unwrap();
            prop_assert!(lists[i].is_err(), "valid list skipped: {}", s.reason);
            prop_assert!(!s.reason.is_empty());
            assert_file_error(&s.error(), &s.path);
        }
        for f in &r.files {
            prop_assert!(paths.contains(&f.path));
            assert_report(f, None, u64::MAX - 1);
        }
        let store = b.build();
        for (i, l) in lists.iter().enumerate() {
            if let Ok(entries) = l {
                let f = r.files.iter().find(|f| f.path == paths[i]).unwrap();
                prop_assert_eq!(f.stats.accepted, entries.len() as u64);
                for e in entries {
                    let src = format!("misp:l{i}");
                    prop_assert!(store.matches(e).iter().any(|m| m.source.name == src));
                }
            }
        }
    }

    /// Arbitrary bytes as each loader's file: a file-level error or a conserved report.
    #[test]
    fn arbitrary_files_are_file_errors_or_conserved(bytes in prop::collection::vec(any::<u8>(), 0..600), json in any::<bool>()) {
        let bytes = if json {
            // Mostly-JSON noise gets past the first byte of the parsers.
            let mut v = b"{\"list\":[\"".to_vec();
            v.extend(&bytes);
            v
        } else {
            bytes
        };
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let loaders: [(&str, Loader); 4] = [
            ("lists/x/list.json", load_misp_list),
            ("ipsum.txt", load_ipsum),
            ("l.csv", load_csv),
            ("b.json", load_stix),
        ];
        for (name, load) in loaders {
            let (_d, p) = file(name, &bytes);
            match load(&mut IndicatorStoreBuilder::default(), &p) {
                Ok(r) => assert_report(&r, None, lines),
                Err(e) => assert_file_error(&e, &p),
            }
        }
        for name in ["kev.json", "assets.json", "assets.csv"] {
            let (_d, p) = file(name, &bytes);
            let r = if name.starts_with("kev") {
                KevCatalogue::load(&p).map(|(_, r)| r)
            } else {
                AssetInventory::load(&p).map(|(_, r)| r)
            };
            match r {
                Ok(r) => assert_report(&r, None, lines),
                Err(e) => assert_file_error(&e, &p),
            }
        }
        let (_d, p) = file("enterprise-attack-v1.json", &bytes);
        let _ = AttackCatalogue::load(&p);
        let _ = AttackCatalogue::from_json(&bytes, "x");
    }

    /// IPsum lines `IP<TAB>count`, fields arbitrary: one read per non-comment line.
    #[test]
    fn ipsum_lines_conserve_entries(
        rows in prop::collection::vec((entry(), "[0-9]{0,11}|-1|x|[0-9]+\\.[0-9]", prop::sample::select(vec!["\t", " ", "\t\t", "", "\tx\t"])), 0..30),
        comments in prop::collection::vec(any::<bool>(), 30),
    ) {
        let mut text = String::new();
        for (i, (ip, count, sep)) in rows.iter().enumerate() {
            if comments[i] {
                text.push_str("# comment\n");
            }
            // A generated field may hold a line break: the file then has more lines.
            text.push_str(&format!("{ip}{sep}{count}"));
            text.push('\n');
        }
        let expected_lines = text
            .lines()
            .filter(|l| { let t = l.trim(); !t.is_empty() && !t.starts_with('#') })
            .count() as u64;
        let (_d, p) = file("ipsum.txt", text.as_bytes());
        let mut b = IndicatorStoreBuilder::default();
        let r = load_ipsum(&mut b, &p).unwrap();
        assert_report(&r, Some(expected_lines), text.lines().count() as u64);
        // An accepted line's address is found with its count.
        let store = b.build();
        for l in text.lines() {
            let mut f = l.split_whitespace();
            if let (Some(ip), Some(c), None) = (f.next(), f.next(), f.next())
                && let (Ok(a), Ok(c)) = (ip.parse::<std::net::IpAddr>(), c.parse::<u32>())
                && !l.trim().starts_with('#')
            {
                let m = store.matches(&a.to_string());
                prop_assert!(m.iter().any(|m| m.reputation == c), "{} {}: {:?}", ip, c, m);
            }
        }
    }

    /// CSV lists, fields arbitrary (quotes and commas included): conserved, no panic.
    #[test]
    fn csv_lists_conserve_entries(
        rows in prop::collection::vec((entry(), prop::sample::select(vec!["ip", "cidr", "domain", "fqdn", "url", "sha256", "md5", "auto", "", "x"]), "[0-9]{0,11}|-3|", "true|false|yes|maybe|"), 0..25),
    ) {
        let mut text = String::from("indicator,type,reputation,benign\n");
        for (ind, kind, rep, benign) in &rows {
            text.push_str(&format!("{ind},{kind},{rep},{benign}\n"));
        }
        let (_d, p) = file("l.csv", text.as_bytes());
        let mut b = IndicatorStoreBuilder::default();
        let r = load_csv(&mut b, &p).unwrap();
        assert_report(&r, None, text.lines().count() as u64);
        prop_assert!(r.stats.read <= rows.len() as u64 + 1, "{:?}", r.stats);
        let _ = b.build();
    }

    /// STIX bundles whose patterns are arbitrary or near-valid: one read per indicator.
    #[test]
    fn stix_bundles_conserve_indicators(
        patterns in prop::collection::vec(stix_pattern(), 0..15),
        other in 0usize..3,
    ) {
        let mut objects: Vec<serde_json::Value> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| serde_json::json!({
                "type": "indicator", "id": format!("indicator--{i}"), "pattern": p,
                "pattern_type": "stix", "indicator_types": if i % 3 == 0 { vec!["benign"] } else { vec![] },
                "revoked": i % 7 == 6,
            }))
            .collect();
        objects.extend((0..other).map(|i| serde_json::json!({"type": "malware", "id": format!("malware--{i}")})));
        let text = serde_json::to_string_pretty(&serde_json::json!({"type": "bundle", "objects": objects})).unwrap();
        let (_d, p) = file("b.json", text.as_bytes());
        let mut b = IndicatorStoreBuilder::default();
        let r = load_stix(&mut b, &p).unwrap();
        assert_report(&r, Some(patterns.len() as u64), text.lines().count() as u64);
        // Every reject is located: ids are unique in the file.
        prop_assert!(r.rejects.iter().all(|j| j.line > 0), "{:?}", r.rejects);
        for pat in &patterns {
            let _ = parse_pattern(pat);
        }
        let _ = b.build();
    }

    /// CISA KEV entries with arbitrary ids: one read per entry; accepted ones are found.
    #[test]
    fn kev_entries_conserve_and_are_found(ids in prop::collection::vec(cve(), 0..20), text in any::<String>()) {
        let vulns: Vec<_> = ids.iter().map(|id| serde_json::json!({
            "cveID": id, "vendorProject": "v", "product": "p", "dateAdded": "2024-01-01",
            "knownRansomwareCampaignUse": "Unknown",
        })).collect();
        let doc = serde_json::to_string_pretty(&serde_json::json!({"catalogVersion": "1", "vulnerabilities": vulns})).unwrap();
        let (_d, p) = file("kev.json", doc.as_bytes());
        let (cat, r) = KevCatalogue::load(&p).unwrap();
        assert_report(&r, Some(ids.len() as u64), doc.lines().count() as u64);
        for id in &ids {
            match normalize_cve(id) {
                Some(n) => prop_assert!(cat.get(&n).is_some() && cat.get(id).is_some(), "{}", id),
                None => prop_assert!(r.rejects.iter().any(|j| &j.entry == id) || r.rejects.len() == 100),
            }
        }
        scan_cves(&text, |c| assert!(normalize_cve(&c).is_some()));
        for id in &ids {
            scan_cves(id, |c| assert!(normalize_cve(&c).is_some()));
        }
    }

    /// Asset files (JSON and CSV) with arbitrary hosts and criticalities: one read per row.
    #[test]
    fn asset_files_conserve_rows(
        rows in prop::collection::vec((entry(), crit()), 0..20),
    ) {
        let json: Vec<_> = rows.iter().map(|(h, c)| serde_json::json!({"host": h, "criticality": c})).collect();
        let text = serde_json::to_string_pretty(&json).unwrap();
        let (_d, p) = file("assets.json", text.as_bytes());
        let (inv, r) = AssetInventory::load(&p).unwrap();
        assert_report(&r, Some(rows.len() as u64), text.lines().count() as u64);
        prop_assert!(inv.len() as u64 <= r.stats.accepted);
        let mut csv = String::from("host,criticality,owner\n");
        for (h, c) in &rows {
            csv.push_str(&format!("{},{},o\n", h.replace(['\n', '\r'], " "), c));
        }
        let (_d2, p) = file("assets.csv", csv.as_bytes());
        match AssetInventory::load(&p) {
            Ok((_, r)) => {
                assert_report(&r, None, csv.lines().count() as u64);
                prop_assert!(r.stats.read <= rows.len() as u64, "{:?}", r.stats);
            }
            Err(e) => assert_file_error(&e, &p),
        }
    }

    /// One value of a small ATT&CK bundle replaced: a parse error or a catalogue, no panic.
    #[test]
    fn attack_bundles_with_a_value_replaced_never_panic(at in any::<prop::sample::Index>(), v in entry()) {
        let bundle = attack_bundle();
        let mut strings = Vec::new();
        collect_strings(&bundle, &mut strings);
        let target = strings[at.index(strings.len())].clone();
        let text = serde_json::to_string(&bundle).unwrap().replacen(
            &serde_json::to_string(&target).unwrap(),
            &serde_json::to_string(&v).unwrap(),
            1,
        );
        if let Ok(cat) = AttackCatalogue::from_json(text.as_bytes(), "18.1") {
            let _ = cat.active_len();
            let _ = cat.tactics();
        }
    }
}

fn stix_pattern() -> impl Strategy<Value = String> {
    let comparison = (
        prop::sample::select(vec![
            "ipv4-addr:value",
            "ipv6-addr:value",
            "domain-name:value",
            "url:value",
            "file:hashes.'SHA-256'",
            "file:hashes.MD5",
            "email-addr:value",
            "",
        ]),
        prop::sample::select(vec![" = ", " ISSUBSET ", " != ", "=", " "]),
        entry(),
        prop::sample::select(vec!["'", "", "\\'"]),
    )
        .prop_map(|(path, op, v, q)| format!("{path}{op}{q}{v}{q}"));
    prop_oneof![
        any::<String>(),
        prop::collection::vec(comparison, 1..4).prop_flat_map(|cs| {
            (
                Just(cs),
                prop::sample::select(vec![" OR ", " AND ", " or ", "] OR ["]),
                prop::sample::select(vec![("[", "]"), ("", ""), ("[", ""), ("[[", "]]")]),
            )
                .prop_map(|(cs, join, (l, r))| format!("{l}{}{r}", cs.join(join)))
        }),
    ]
}

fn cve() -> impl Strategy<Value = String> {
    prop_oneof![
        "[cC][vV][eE]-[0-9]{4}-[0-9]{4,7}",
        "[cC][vV][eE][-_ ]?[0-9]{0,5}[-_]?[0-9]{0,8}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
    ]
}

fn crit() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        (-1.0f64..2.0).prop_map(|c| serde_json::json!(c)),
        Just(serde_json::json!("high")),
        Just(serde_json::json!(null)),
        Just(serde_json::json!(1e308)),
        any::<i64>().prop_map(|c| serde_json::json!(c)),
    ]
}

/// The bundle of vigil-io's doc example, plus a data component.
fn attack_bundle() -> serde_json::Value {
    serde_json::json!({"type": "bundle", "objects": [
        {"type": "x-mitre-tactic", "id": "x-mitre-tactic--1", "name": "Execution",
         "x_mitre_shortname": "execution",
         "external_references": [{"source_name": "mitre-attack", "external_id": "TA0002"}]},
        {"type": "x-mitre-matrix", "id": "x-mitre-matrix--1", "tactic_refs": ["x-mitre-tactic--1"]},
        {"type": "attack-pattern", "id": "attack-pattern--1",
         "name": "Command and Scripting Interpreter",
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1059"}],
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
         "x_mitre_platforms": ["Windows"]},
        {"type": "attack-pattern", "id": "attack-pattern--2", "name": "PowerShell",
         "x_mitre_is_subtechnique": true,
         "external_references": [{"source_name": "mitre-attack", "external_id": "T1059.001"}],
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}]},
        {"type": "x-mitre-data-component", "id": "x-mitre-data-component--1", "name": "Process Creation"}
    ]})
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Real IPsum lines (the first 400 of the shared copy) with bytes replaced by printable ASCII:
/// one read per non-comment line, conserved, no panic.
#[test]
fn real_ipsum_lines_mutated() {
    let Some(ds) = common::datasets() else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(ds.join("intel/ipsum/ipsum.txt")) else {
        println!("skipping: intel/ipsum/ipsum.txt not readable");
        return;
    };
    let head: String = text.lines().take(400).collect::<Vec<_>>().join("\n");
    let mut rng = vigil_core::SplitMix64::new(7);
    for round in 0..40 {
        let mut bytes = head.clone().into_bytes();
        for _ in 0..(1 + round % 8) {
            let at = (rng.next_u64() % bytes.len() as u64) as usize;
            bytes[at] = b" \t#.:/0123456789abcdefx\n"[(rng.next_u64() % 24) as usize];
        }
        let mutated = String::from_utf8(bytes).unwrap();
        let expected = mutated
            .lines()
            .filter(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
            .count() as u64;
        let (_d, p) = file("ipsum.txt", mutated.as_bytes());
        let r = load_ipsum(&mut IndicatorStoreBuilder::default(), &p).unwrap();
        assert_report(&r, Some(expected), mutated.lines().count() as u64);
    }
}

/// Adds one context item.
struct Tag;
impl vigil_core::Enricher for Tag {
    fn name(&self) -> &str {
        "tag"
    }
    fn enrich(
        &self,
        _a: &vigil_core::Alert,
        ctx: &mut vigil_core::Enrichment,
    ) -> Result<(), vigil_core::CoreError> {
        ctx.items.push(vigil_core::ContextItem {
            provenance: vigil_core::Provenance {
                source: "tag".into(),
                at: chrono::DateTime::UNIX_EPOCH,
                valid_for_s: None,
            },
            value: vigil_core::ContextValue::Other {
                key: "k".into(),
                value: "v".into(),
            },
        });
        Ok(())
    }
}

/// Drops what earlier enrichers found (a dedupe could): the stream's counts must not underflow.
struct Clearing;
impl vigil_core::Enricher for Clearing {
    fn name(&self) -> &str {
        "clearing"
    }
    fn enrich(
        &self,
        _a: &vigil_core::Alert,
        ctx: &mut vigil_core::Enrichment,
    ) -> Result<(), vigil_core::CoreError> {
        ctx.items.clear();
        Ok(())
    }
}

fn alert_line(i: u64, tagged: bool) -> String {
    let mut a = vigil_core::Alert::new(
        i.to_string(),
        chrono::DateTime::from_timestamp(i as i64, 0).unwrap(),
        "t",
    );
    if tagged {
        use vigil_core::Enricher;
        Tag.enrich_alert(&mut a);
    }
    serde_json::to_string(&a).unwrap()
}

#[derive(Debug, Clone)]
enum Line {
    Alert(u64, bool),
    Blank(String),
    Text(String),
    Bytes(Vec<u8>),
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        (0u64..1000, any::<bool>()).prop_map(|(i, t)| Line::Alert(i, t)),
        "[ \t]{0,3}".prop_map(Line::Blank),
        any::<String>().prop_map(|s| Line::Text(s.replace(['\n', '\r'], ""))),
        prop::collection::vec(any::<u8>(), 1..40)
            .prop_map(|b| Line::Bytes(b.into_iter().filter(|c| *c != b'\n').collect())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// An alert stream of good lines, blank lines, text and raw bytes (not UTF-8 included):
    /// every non-blank line is read once, enriched or rejected with its line number, and the
    /// output holds one line per enriched alert; the stream never stops at a bad line.
    #[test]
    fn alert_streams_go_on_past_bad_lines(lines in prop::collection::vec(line(), 0..30), crlf in any::<bool>()) {
        let mut input = Vec::new();
        let mut expect_read = 0u64;
        let mut good = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let bytes = match l {
                Line::Alert(n, t) => {
                    good.push(i as u64 + 1);
                    alert_line(*n, *t).into_bytes()
                }
                Line::Blank(s) => s.clone().into_bytes(),
                Line::Text(s) => s.clone().into_bytes(),
                Line::Bytes(b) => b.clone(),
            };
            let blank = std::str::from_utf8(&bytes).is_ok_and(|s| s.trim().is_empty());
            if !blank {
                expect_read += 1;
            }
            input.extend(&bytes);
            input.extend(if crlf { &b"\r\n"[..] } else { &b"\n"[..] });
        }
        let mut out = Vec::new();
        let mut errs = Vec::new();
        let enrichers: Vec<Box<dyn vigil_core::Enricher>> = vec![Box::new(Tag), Box::new(Clearing)];
        let s = vigil_enrich::stream::enrich_jsonl(input.as_slice(), &mut out, &enrichers, "s", |e| errs.push(e)).unwrap();
        prop_assert_eq!(s.read, expect_read);
        prop_assert_eq!(s.enriched + s.rejected, s.read);
        prop_assert_eq!(errs.len() as u64, s.rejected);
        // Every good line was enriched (arbitrary text may also happen to be an alert).
        prop_assert!(s.enriched >= good.len() as u64);
        for e in &errs {
            prop_assert!(!good.contains(&e.line), "good line {} rejected: {}", e.line, e.reason);
            prop_assert!(e.line >= 1 && e.line <= lines.len() as u64);
        }
        prop_assert_eq!(String::from_utf8(out).unwrap().lines().count() as u64, s.enriched);
    }
}

/// Regression: a line that was not UTF-8 ended the whole stream with an I/O error (the good
/// alert after it was never read); it is now one rejected record naming its line.
#[test]
fn a_non_utf8_line_is_one_rejected_record() {
    let mut input = alert_line(1, false).into_bytes();
    input.extend(b"\n\xff\xfe{}\n");
    input.extend(alert_line(2, false).into_bytes());
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let none: Vec<Box<dyn vigil_core::Enricher>> = vec![];
    let s = vigil_enrich::stream::enrich_jsonl(input.as_slice(), &mut out, &none, "s", |e| {
        errs.push(e)
    })
    .unwrap();
    assert_eq!((s.read, s.enriched, s.rejected), (3, 2, 1));
    assert_eq!(errs[0].line, 2);
    assert!(errs[0].reason.contains("UTF-8"), "{}", errs[0].reason);
}

/// Regression: an enricher that drops context found earlier (here every item of a tagged
/// alert) made the item count subtract with overflow (a panic in debug builds).
#[test]
fn an_enricher_dropping_items_does_not_underflow_the_counts() {
    let input = format!("{}\n", alert_line(1, true));
    let mut out = Vec::new();
    let clearing: Vec<Box<dyn vigil_core::Enricher>> = vec![Box::new(Clearing)];
    let s = vigil_enrich::stream::enrich_jsonl(input.as_bytes(), &mut out, &clearing, "s", |_| {})
        .unwrap();
    assert_eq!((s.enriched, s.items), (1, 0));
}

/// A JSON value that is not a string.
fn not_a_string() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!(null)),
        Just(serde_json::json!(true)),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
        Just(serde_json::json!(1.5)),
        Just(serde_json::json!(["a", 1])),
        Just(serde_json::json!({"k": [1, {"x": null}]})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Elements of the wrong JSON type among good ones (a KEV entry with a null or numeric
    /// field, a non-string MISP entry, a STIX indicator with `revoked: "yes"`): each is one
    /// rejected record, every good one loads, and the file is not refused.
    #[test]
    fn wrong_shaped_elements_are_rejected_not_fatal(
        bad_at in prop::collection::vec(any::<bool>(), 1..12),
        junk in not_a_string(),
        field in prop::sample::select(vec!["cveID", "vendorProject", "product", "dateAdded", "knownRansomwareCampaignUse"]),
    ) {
        let n = bad_at.len() as u64;
        let n_bad = bad_at.iter().filter(|b| **b).count() as u64;
        // KEV.
        let vulns: Vec<_> = bad_at.iter().enumerate().map(|(i, bad)| {
            let mut v = serde_json::json!({
                "cveID": format!("CVE-2024-{:04}", 1000 + i), "vendorProject": "v", "product": "p",
                "dateAdded": "2024-01-01", "knownRansomwareCampaignUse": "Unknown",
            });
            if *bad {
                v[field] = junk.clone();
            }
            v
        }).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({"vulnerabilities": vulns})).unwrap();
        let (_d, p) = file("kev.json", text.as_bytes());
        let (cat, r) = KevCatalogue::load(&p).unwrap();
        assert_report(&r, Some(n), text.lines().count() as u64);
        // A junk value that is still a string-free shape never makes a good entry.
        prop_assert_eq!(r.stats.rejected, n_bad);
        prop_assert_eq!(cat.len() as u64, n - n_bad);
        if field == "cveID" {
            prop_assert!(r.rejects.iter().all(|j| j.line == 0));
        } else {
            prop_assert!(r.rejects.iter().all(|j| j.line > 0), "{:?}", r.rejects);
        }
        // MISP.
        let list: Vec<serde_json::Value> = bad_at.iter().enumerate().map(|(i, bad)| {
            if *bad { junk.clone() } else { serde_json::json!(format!("10.{i}.0.0/16")) }
        }).collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({"name": "x", "type": "cidr", "list": list})).unwrap();
        let (_d, p) = file("lists/x/list.json", text.as_bytes());
        let r = load_misp_list(&mut IndicatorStoreBuilder::default(), &p).unwrap();
        assert_report(&r, Some(n), text.lines().count() as u64);
        prop_assert_eq!(r.stats.rejected, n_bad);
        // STIX: indicators with a bad `revoked`, and malformed non-indicators (ignored).
        let mut objects: Vec<_> = bad_at.iter().enumerate().map(|(i, bad)| {
            let mut o = serde_json::json!({"type": "indicator", "id": format!("indicator--{i}"),
                "pattern": format!("[ipv4-addr:value = '10.0.0.{i}']"), "pattern_type": "stix"});
            if *bad {
                o["revoked"] = junk.clone();
            }
            o
        }).collect();
        objects.push(serde_json::json!({"type": "malware", "id": "malware--1", "revoked": "yes"}));
        objects.push(serde_json::json!({"type": 7}));
        let text = serde_json::to_string_pretty(&serde_json::json!({"type": "bundle", "objects": objects})).unwrap();
        let (_d, p) = file("b.json", text.as_bytes());
        let r = load_stix(&mut IndicatorStoreBuilder::default(), &p).unwrap();
        assert_report(&r, Some(n), text.lines().count() as u64);
        // `revoked: null` is still a wrong type for a bool; every junk value is rejected.
        prop_assert_eq!(r.stats.rejected, n_bad);
        prop_assert!(r.rejects.iter().all(|j| j.line > 0 && j.entry.starts_with("indicator--")), "{:?}", r.rejects);
    }
}

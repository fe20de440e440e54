//! The Sigma tag reader never panics and reads what was written: arbitrary text and mutated
//! real rules parse or are skipped without panicking; a rule rendered in any of the forms YAML
//! allows for its tags (block or inline list, any indentation, quotes, comments, CRLF, a byte
//! order mark) reads back its title, techniques and tactics exactly; a folder of arbitrary
//! files loads to an error naming a file or to rules counted with the files skipped.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::path::PathBuf;

use proptest::prelude::*;
use vigil_core::TechniqueId;
use vigil_metrics::{SigmaRule, SigmaRules};

fn technique() -> impl Strategy<Value = String> {
    "T[0-9]{4}(\\.[0-9]{3})?"
}

fn tactic() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "execution",
        "persistence",
        "privilege-escalation",
        "defense-evasion",
        "stealth",
        "credential-access",
        "lateral-movement",
        "command-and-control",
    ])
    .prop_map(str::to_owned)
}

/// A tag as an author may write it: any case, maybe quoted, maybe followed by a comment.
fn written(tag: &str, case: u8, quote: u8, comment: bool) -> String {
    let t = match case % 3 {
        0 => tag.to_ascii_lowercase(),
        1 => tag.to_owned(),
        _ => tag.to_ascii_uppercase(),
    };
    let q = match quote % 3 {
        0 => t.clone(),
        1 => format!("'{t}'"),
        _ => format!("\"{t}\""),
    };
    if comment {
        format!("{q} # note: it's 'x'")
    } else {
        q
    }
}

#[derive(Debug, Clone)]
struct Form {
    inline: bool,
    indent: usize,
    crlf: bool,
    bom: bool,
    quote_title: bool,
    cases: Vec<(u8, u8, bool)>,
}

fn form() -> impl Strategy<Value = Form> {
    (
        any::<bool>(),
        prop::sample::select(vec![0usize, 2, 4]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((any::<u8>(), any::<u8>(), any::<bool>()), 12),
    )
        .prop_map(|(inline, indent, crlf, bom, quote_title, cases)| Form {
            inline,
            indent,
            crlf,
            bom,
            quote_title,
            cases,
        })
}

/// A rule with `tags`, rendered in `f`'s form, with other keys around the tag list (one of
/// them a nested `tags:` that is not the rule's).
fn render(title: &str, tags: &[String], f: &Form) -> String {
    let title = if f.quote_title {
        format!("'{title}'")
    } else {
        title.to_owned()
    };
    let mut lines = vec![
        format!("title: {title}"),
        "id: 5f1c-aa".to_owned(),
        "status: test".to_owned(),
        "description: |".to_owned(),
        "    tags: attack.t9999 in a description".to_owned(),
    ];
    let items: Vec<String> = tags
        .iter()
        .zip(&f.cases)
        .map(|(t, &(c, q, comment))| written(t, c, q, comment && !f.inline))
        .collect();
    if f.inline {
        lines.push(format!("tags: [{}]", items.join(", ")));
    } else {
        lines.push("tags:".to_owned());
        let pad = " ".repeat(f.indent);
        lines.extend(items.iter().map(|i| format!("{pad}- {i}")));
    }
    lines.extend([
        "logsource:".to_owned(),
        "    product: windows".to_owned(),
        "    tags:".to_owned(),
        "        - attack.t8888".to_owned(),
        "detection:".to_owned(),
        "    selection:".to_owned(),
        "        CommandLine|contains: '# not a comment'".to_owned(),
        "    condition: selection".to_owned(),
        "level: high".to_owned(),
    ]);
    let nl = if f.crlf { "\r\n" } else { "\n" };
    let bom = if f.bom { "\u{feff}" } else { "" };
    format!("{bom}{}{nl}", lines.join(nl))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any text: `None` or a rule whose techniques are unique valid ids and whose tactics are
    /// unique lower-case names without digits.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), lines in prop::collection::vec("[ \t-]{0,3}[a-z#'\"\\[\\]:, .0-9-]{0,30}", 0..12)) {
        for t in [text, lines.join("\n")] {
            if let Some(r) = SigmaRule::parse(&t, "x.yml") {
                let mut seen = std::collections::HashSet::new();
                for id in &r.techniques {
                    prop_assert!(TechniqueId::parse(id.as_str()).is_ok());
                    prop_assert!(seen.insert(id.as_str().to_owned()), "duplicate {}", id.as_str());
                }
                for t in &r.tactics {
                    prop_assert!(!t.is_empty() && !t.contains(|c: char| c.is_ascii_digit() || c.is_ascii_uppercase()));
                }
                let mut u = r.tactics.clone();
                u.dedup();
                prop_assert_eq!(u.len(), r.tactics.len());
            }
        }
    }

    /// A rule written in any of the forms reads back its title, techniques and tactics.
    #[test]
    fn rendered_rules_read_back(
        title in "[A-Za-z0-9][A-Za-z0-9 ()'./:-]{0,30}[A-Za-z0-9)]",
        techniques in prop::collection::vec(technique(), 0..5),
        tactics in prop::collection::vec(tactic(), 0..4),
        others in prop::collection::vec(prop::sample::select(vec!["attack.g0069", "attack.s0002", "cve.2021-1675", "detection.emerging-threats", "car.2016-04-005"]), 0..3),
        f in form(),
    ) {
        let mut tags: Vec<String> = techniques.iter().map(|t| format!("attack.{t}")).collect();
        tags.extend(tactics.iter().map(|t| format!("attack.{t}")));
        tags.extend(others.iter().map(|t| (*t).to_owned()));
        let text = render(&title, &tags, &f);
        let r = SigmaRule::parse(&text, "r.yml");
        prop_assert!(r.is_some(), "no rule read from {:?}", text);
        let r = r.unwrap();
        prop_assert_eq!(&r.title, &title);
        prop_assert_eq!(&r.id, "5f1c-aa");
        let mut want_t: Vec<String> = Vec::new();
        for t in &techniques {
            let t = t.to_ascii_uppercase();
            if !want_t.contains(&t) {
                want_t.push(t);
            }
        }
        let got_t: Vec<String> = r.techniques.iter().map(|t| t.as_str().to_owned()).collect();
        prop_assert_eq!(got_t, want_t, "{:?}", text);
        let mut want_a: Vec<String> = Vec::new();
        for t in &tactics {
            if !want_a.contains(t) {
                want_a.push(t.clone());
            }
        }
        prop_assert_eq!(&r.tactics, &want_a, "{:?}", text);
    }

    /// A folder of arbitrary files: an error naming a file, or one rule per file with a title
    /// and every other file counted as skipped.
    #[test]
    fn arbitrary_folders_load_or_name_the_file(files in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..200), any::<bool>()), 0..6)) {
        let d = tempfile::tempdir().unwrap();
        let mut titled = 0;
        for (i, (bytes, title)) in files.iter().enumerate() {
            let mut b = if *title { b"title: t\n".to_vec() } else { Vec::new() };
            b.extend(bytes);
            if std::str::from_utf8(&b).ok().and_then(|t| SigmaRule::parse(t, "x")).is_some() {
                titled += 1;
            }
            std::fs::write(d.path().join(format!("r{i}.yml")), b).unwrap();
        }
        let set = SigmaRules::load_dir(d.path()).unwrap();
        prop_assert_eq!(set.len(), titled);
        let stats = set.load_stats();
        prop_assert_eq!(stats.read, files.len() as u64);
        prop_assert_eq!(stats.accepted, titled as u64);
        prop_assert!(stats.is_conserved());
        prop_assert_eq!(set.skipped().len() as u64, stats.rejected);
    }
}

/// The real rule folder (`sigma/rules` of the shared datasets), first 60 files.
fn real_rules() -> Option<Vec<(PathBuf, String)>> {
    let root = std::env::var_os("VIGIL_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../../../shared/datasets"));
    let dir = root.join("sigma/rules/windows/process_creation");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        println!("skipping: {} not found (set VIGIL_DATASETS)", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    Some(
        files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yml"))
            .take(60)
            .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
            .collect(),
    )
}

/// Real rules with lines deleted, duplicated, re-indented or cut, and bytes replaced: never a
/// panic; a technique read is one the text names.
#[test]
fn mutated_real_rules_never_panic() {
    let Some(rules) = real_rules() else {
        return;
    };
    let mut rng = vigil_core::SplitMix64::new(11);
    for (path, text) in &rules {
        let orig = SigmaRule::parse(text, path.clone());
        assert!(orig.is_some(), "{} has a title", path.display());
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..20 {
            let mut m: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            let i = (rng.next_u64() % m.len() as u64) as usize;
            match rng.next_u64() % 6 {
                0 => {
                    m.remove(i);
                }
                1 => m.insert(i, m[i].clone()),
                2 => m[i] = format!("  {}", m[i]),
                3 => m[i] = m[i].trim_start().to_owned(),
                4 => {
                    let cut = (rng.next_u64() % (m[i].len() as u64 + 1)) as usize;
                    m[i] = m[i].chars().take(cut).collect();
                }
                _ => {
                    let pool = ['#', '\'', '"', ':', '-', '[', ']', ' ', 'é', '\t'];
                    let c = pool[(rng.next_u64() % pool.len() as u64) as usize];
                    let mut chars: Vec<char> = m[i].chars().collect();
                    let at = (rng.next_u64() % (chars.len() as u64 + 1)) as usize;
                    chars.insert(at, c);
                    m[i] = chars.into_iter().collect();
                }
            }
            let t = m.join("\n");
            if let Some(r) = SigmaRule::parse(&t, path.clone()) {
                let upper = t.to_ascii_uppercase();
                for id in &r.techniques {
                    assert!(
                        upper.contains(id.as_str()),
                        "{} not in the text",
                        id.as_str()
                    );
                }
            }
        }
    }
}

/// Regression: a rule saved with a UTF-8 byte order mark was skipped (its first key read
/// as "\u{feff}title").
#[test]
fn a_byte_order_mark_does_not_hide_the_title() {
    let r = SigmaRule::parse("\u{feff}title: T\ntags:\n  - attack.t1059\n", "b.yml").unwrap();
    assert_eq!(r.title, "T");
    assert_eq!(r.techniques[0].as_str(), "T1059");
}

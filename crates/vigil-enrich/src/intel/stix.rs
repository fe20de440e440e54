//! STIX 2.1 indicators: `indicator` objects whose pattern compares observables for equality.
//!
//! Supported: comparisons `=` (and `ISSUBSET` for address ranges) on `ipv4-addr:value`,
//! `ipv6-addr:value`, `domain-name:value`, `url:value` and `file:hashes.<ALGO>`, alone or joined
//! by `OR` in one observation (`[a = 'x' OR b = 'y']`). Anything else (`AND`, `FOLLOWEDBY`,
//! `MATCHES`, other objects) is rejected with its reason. Revoked indicators are rejected;
//! indicators whose `indicator_types` include `benign` feed the known-benign side.

use std::path::Path;

use serde::Deserialize;

use super::IpRange;
use super::store::{IndicatorStoreBuilder, SourceId};
use crate::EnrichError;
use crate::lenient::Lenient;
use crate::report::{FileReport, LineFinder, read_text};

#[derive(Deserialize)]
struct Obj {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    pattern_type: Option<String>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    indicator_types: Vec<String>,
}

/// A bundle's objects are read one by one: an object of the wrong shape is rejected when it
/// is an indicator, ignored otherwise, and the rest load. A lone object must be well formed.
#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Bundle { objects: Vec<Lenient<Obj>> },
    List(Vec<Lenient<Obj>>),
    One(Obj),
}

/// One `path = 'value'` comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Object path, such as `ipv4-addr:value` or `file:hashes.'SHA-256'`.
    pub path: String,
    /// The operator, `=` or `ISSUBSET`.
    pub op: String,
    /// The quoted value, unescaped.
    pub value: String,
}

/// Splits `[a = 'x' OR b = 'y']` into its comparisons; `Err` names what is not supported.
///
/// ```
/// use vigil_enrich::intel::stix::parse_pattern;
/// let c = parse_pattern("[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'evil.example']").unwrap();
/// assert_eq!(c.len(), 2);
/// assert_eq!(c[1].value, "evil.example");
/// assert!(parse_pattern("[ipv4-addr:value = '1.2.3.4' AND url:value = 'x']").is_err());
/// ```
pub fn parse_pattern(pattern: &str) -> Result<Vec<Comparison>, String> {
    let p = pattern.trim();
    let inner = p
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or("pattern is not one bracketed observation")?;
    // Tokenise outside quotes: split on ` OR `, refuse AND and nested observations.
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    let mut parts = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                cur.push(c);
                while let Some(q) = chars.next() {
                    cur.push(q);
                    if q == '\\' {
                        if let Some(n) = chars.next() {
                            cur.push(n);
                        }
                    } else if q == '\'' {
                        break;
                    }
                }
            }
            '[' | ']' => return Err("nested observations are not supported".into()),
            _ => cur.push(c),
        }
        if let Some(head) = cur.strip_suffix(" OR ") {
            parts.push(head.to_owned());
            cur.clear();
        } else if cur.ends_with(" AND ") {
            return Err("AND is not supported: only equality comparisons joined by OR".into());
        }
    }
    parts.push(cur);
    for part in parts {
        let part = part.trim();
        let (lhs, rest) = part
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("comparison {part:?} has no operator"))?;
        let rest = rest.trim_start();
        let (op, val) = rest
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("comparison {part:?} has no value"))?;
        if op != "=" && !op.eq_ignore_ascii_case("ISSUBSET") {
            return Err(format!("operator {op} is not supported"));
        }
        let val = val.trim();
        let body = val
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .ok_or_else(|| format!("value {val} is not a quoted string"))?;
        out.push(Comparison {
            path: lhs.to_owned(),
            op: op.to_ascii_uppercase(),
            value: body.replace("\\'", "'").replace("\\\\", "\\"),
        });
    }
    Ok(out)
}

fn insert(b: &mut IndicatorStoreBuilder, src: SourceId, c: &Comparison) -> Result<(), String> {
    let path = c.path.to_ascii_lowercase();
    match path.as_str() {
        "ipv4-addr:value" | "ipv6-addr:value" => IpRange::parse(&c.value)
            .map(|r| b.insert_range(src, r, 0))
            .map_err(|e| e.to_string()),
        "domain-name:value" => b
            .insert_domain(src, &c.value, false, 0)
            .map_err(str::to_owned),
        "url:value" => b.insert_url(src, &c.value, 0).map_err(str::to_owned),
        p if p.starts_with("file:hashes.") => {
            b.insert_hash(src, &c.value, 0).map_err(str::to_owned)
        }
        _ => Err(format!("object path {} is not supported", c.path)),
    }
}

/// Loads the indicators of a STIX 2.1 bundle (or a list of objects, or one object) as
/// sources `stix:<file stem>` and `stix:<file stem>:benign`. Non-indicator objects are not
/// entries and are not counted.
pub fn load_stix(b: &mut IndicatorStoreBuilder, path: &Path) -> Result<FileReport, EnrichError> {
    let text = read_text(path)?;
    let doc: Doc =
        serde_json::from_str(&text).map_err(|e| EnrichError::format(path, e.to_string()))?;
    let objects = match doc {
        Doc::Bundle { objects } | Doc::List(objects) => objects,
        Doc::One(o) => vec![Lenient::Ok(o)],
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "stix".into(), |s| s.to_string_lossy().into_owned());
    let name = format!("stix:{stem}");
    let mut report = FileReport::new(path, name.clone());
    let bad = b.add_source(name.clone(), false);
    let good = b.add_source(format!("{name}:benign"), true);
    let mut lines = LineFinder::new(&text);
    for o in &objects {
        let o = match o {
            Lenient::Ok(o) if o.kind == "indicator" => o,
            Lenient::Ok(_) => continue,
            Lenient::Bad { value, reason } => {
                if value.get("type").and_then(|t| t.as_str()) == Some("indicator") {
                    let id = value.get("id").and_then(|i| i.as_str()).unwrap_or("");
                    let line = if id.is_empty() {
                        0
                    } else {
                        lines.find_json_str(id)
                    };
                    let entry = if id.is_empty() {
                        value.to_string()
                    } else {
                        id.to_owned()
                    };
                    report.reject(line, &entry, format!("not a STIX indicator: {reason}"));
                }
                continue;
            }
        };
        let id = o.id.as_deref().unwrap_or("");
        let pattern = o.pattern.as_deref().unwrap_or("");
        let r = if o.revoked {
            Err("indicator is revoked".to_owned())
        } else if o.pattern_type.as_deref().is_some_and(|t| t != "stix") {
            Err(format!(
                "pattern_type {} is not supported",
                o.pattern_type.as_deref().unwrap_or("")
            ))
        } else {
            let src = if o.indicator_types.iter().any(|t| t == "benign") {
                good
            } else {
                bad
            };
            parse_pattern(pattern).and_then(|cs| {
                // Check all before inserting any, so an entry is accepted or rejected whole.
                for c in &cs {
                    let p = c.path.to_ascii_lowercase();
                    let known = matches!(
                        p.as_str(),
                        "ipv4-addr:value" | "ipv6-addr:value" | "domain-name:value" | "url:value"
                    ) || p.starts_with("file:hashes.");
                    if !known {
                        return Err(format!("object path {} is not supported", c.path));
                    }
                }
                cs.iter().try_for_each(|c| insert(b, src, c))
            })
        };
        match r {
            Ok(()) => report.accept(),
            Err(reason) => {
                let line = if id.is_empty() {
                    lines.find_json_str(pattern)
                } else {
                    lines.find_json_str(id)
                };
                report.reject(line, if id.is_empty() { pattern } else { id }, reason);
            }
        }
    }
    Ok(report)
}

//! Reading fields out of parsed JSON: dotted paths, flattening, times.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde_json::Value;

/// Deepest nesting flattened into `raw`; deeper values are kept as JSON text.
const MAX_FLATTEN_DEPTH: usize = 32;

/// The value at a dotted path, whether the document nests (`{"rule":{"name":…}}`) or uses
/// dotted keys (`{"rule.name":…}`, as Kibana alert documents do), or mixes both.
pub(crate) fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    if let Some(x) = obj.get(path) {
        return Some(x);
    }
    for (i, _) in path.match_indices('.') {
        let (head, tail) = (path.get(..i)?, path.get(i + 1..)?);
        if let Some(found) = obj.get(head).and_then(|x| lookup(x, tail)) {
            return Some(found);
        }
    }
    None
}

/// A non-empty string at `path` (numbers are not strings here).
pub(crate) fn str_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    lookup(v, path)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A string or number at `path`, as text.
pub(crate) fn text_at(v: &Value, path: &str) -> Option<String> {
    match lookup(v, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer at `path`, from a number or a numeric string.
pub(crate) fn int_at(v: &Value, path: &str) -> Option<i64> {
    match lookup(v, path)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Every non-empty string at `path`: a string, or the strings of an array.
pub(crate) fn strings_at<'a>(v: &'a Value, path: &str) -> Vec<&'a str> {
    match lookup(v, path) {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// The elements at `path` when it holds an array; a single object counts as one element.
pub(crate) fn items_at<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    match lookup(v, path) {
        Some(Value::Array(a)) => a,
        Some(x @ Value::Object(_)) => std::slice::from_ref(x),
        _ => &[],
    }
}

/// A JSON type's name, for error messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Flattens a document into dotted keys in source order (`finding_info.title`,
/// `attacks.0.technique.uid`). Nulls and empty containers are left out; numbers and booleans
/// become their JSON text.
pub(crate) fn flatten(v: &Value) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    let mut key = String::new();
    flatten_into(v, &mut key, 0, &mut out);
    out
}

fn flatten_into(v: &Value, key: &mut String, depth: usize, out: &mut IndexMap<String, String>) {
    let len = key.len();
    match v {
        Value::Null => {}
        Value::String(s) => {
            out.insert(key.clone(), s.clone());
        }
        Value::Bool(_) | Value::Number(_) => {
            out.insert(key.clone(), v.to_string());
        }
        _ if depth >= MAX_FLATTEN_DEPTH => {
            out.insert(key.clone(), v.to_string());
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                if len > 0 {
                    key.push('.');
                }
                key.push_str(&i.to_string());
                flatten_into(x, key, depth + 1, out);
                key.truncate(len);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                if len > 0 {
                    key.push('.');
                }
                key.push_str(k);
                flatten_into(x, key, depth + 1, out);
                key.truncate(len);
            }
        }
    }
}

/// A time from a JSON value: RFC 3339 text, or a number of milliseconds since the epoch (as
/// OCSF's `timestamp_t` says). Numbers below 10^11 are taken as seconds: as milliseconds they
/// would fall in 1970, and some producers (Okta's mapping among them) write seconds.
pub(crate) fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| crate::guide::parse_guide_time(s))
                .or_else(|| s.parse::<f64>().ok().and_then(epoch))
        }
        Value::Number(n) => n.as_f64().and_then(epoch),
        _ => None,
    }
}

fn epoch(x: f64) -> Option<DateTime<Utc>> {
    if !x.is_finite() {
        return None;
    }
    let ms = if x.abs() < 1e11 { x * 1000.0 } else { x };
    if ms.abs() > 8.0e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_nested_dotted_and_mixed() {
        let v = json!({"rule": {"name": "a"}, "kibana.alert.severity": "high",
                       "kibana": {"alert.rule": {"name": "b"}}});
        assert_eq!(str_at(&v, "rule.name"), Some("a"));
        assert_eq!(str_at(&v, "kibana.alert.severity"), Some("high"));
        assert_eq!(str_at(&v, "kibana.alert.rule.name"), Some("b"));
        assert_eq!(str_at(&v, "rule.id"), None);
    }

    #[test]
    fn flatten_keeps_order() {
        let v = json!({"b": 1, "a": {"x": [true, null, "s"]}, "e": {}});
        let f = flatten(&v);
        let keys: Vec<_> = f.keys().cloned().collect();
        assert_eq!(keys, ["b", "a.x.0", "a.x.2"]);
    }

    #[test]
    fn times() {
        let s = time_of(&json!(1723564700)).unwrap();
        let ms = time_of(&json!(1695135922487u64)).unwrap();
        assert_eq!(s.timestamp(), 1723564700);
        assert_eq!(ms.timestamp_millis(), 1695135922487);
        assert!(time_of(&json!("2023-09-19T11:05:22.487-04:00")).is_some());
        assert!(time_of(&json!(1e300)).is_none());
    }
}

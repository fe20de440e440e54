//! MISP warninglists: lists of known-benign indicators (cloud ranges, public resolvers, top
//! sites, empty-file hashes). A match marks a likely false positive.
//!
//! Each `lists/<name>/list.json` has a `type`:
//! - `cidr`: IP addresses and ranges;
//! - `hostname`: a domain and every name below it;
//! - `string`: exact values (IPs, domains, hashes, URLs — recognised per entry);
//! - `substring`: indexed as a domain and the names below it (the lists are domains, so this
//!   catches the common case without scanning every entry per lookup; a value holding the
//!   entry in its middle is not matched);
//! - `regex`: not indexed; each entry is reported as rejected so counts stay honest.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::store::IndicatorStoreBuilder;
use super::{IndicatorKind, IpRange};
use crate::EnrichError;
use crate::lenient::LenientStr;
use crate::report::{FileReport, LineFinder, LoadReport, read_text};

#[derive(Deserialize)]
struct MispList<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    list: Vec<LenientStr<'a>>,
    #[serde(borrow, default)]
    matching_attributes: Vec<Cow<'a, str>>,
}

/// The indicator kinds a list's `matching_attributes` allow (all when it names none), so
/// that an ssdeep hash such as `3::` in a hash list is not taken for an IPv6 address.
fn allowed(attrs: &[Cow<'_, str>]) -> [bool; 4] {
    if attrs.is_empty() {
        return [true; 4];
    }
    let any = |f: &dyn Fn(&str) -> bool| attrs.iter().any(|a| f(a));
    [
        any(&|a| a.contains("ip")),
        any(&|a| a.contains("domain") || a.contains("hostname") || a.contains("email")),
        any(&|a| a.contains("url") || a.contains("uri") || a == "link"),
        any(&|a| {
            a.contains("md5") || a.contains("sha") || a.contains("ssdeep") || a.contains("hash")
        }),
    ]
}

fn kind_for(text: &str, allow: [bool; 4]) -> IndicatorKind {
    let k = IndicatorKind::of(text);
    let ok = match k {
        IndicatorKind::Ip => allow[0],
        IndicatorKind::Domain => allow[1],
        IndicatorKind::Url => allow[2],
        IndicatorKind::Hash => allow[3],
        IndicatorKind::Text => true,
    };
    if ok { k } else { IndicatorKind::Text }
}

/// Loads one `list.json`, naming its entries `misp:<folder name>`.
pub fn load_misp_list(
    b: &mut IndicatorStoreBuilder,
    path: &Path,
) -> Result<FileReport, EnrichError> {
    let text = read_text(path)?;
    let parsed: MispList<'_> =
        serde_json::from_str(&text).map_err(|e| EnrichError::format(path, e.to_string()))?;
    let name = path.parent().and_then(|p| p.file_name()).map_or_else(
        || "misp".to_owned(),
        |n| format!("misp:{}", n.to_string_lossy()),
    );
    let mut report = FileReport::new(path, name.clone());
    let src = b.add_source(name, true);
    let mut lines = LineFinder::new(&text);
    let allow = allowed(&parsed.matching_attributes);
    // Size hint from the list's type and its first entry.
    let hint = match &*parsed.kind {
        "cidr" => Some(IndicatorKind::Ip),
        "hostname" | "substring" => Some(IndicatorKind::Domain),
        "string" => match parsed.list.first() {
            Some(LenientStr::Str(e)) => Some(kind_for(e, allow)),
            _ => None,
        },
        _ => None,
    };
    if let Some(k) = hint {
        b.reserve(k, parsed.list.len());
    }
    for entry in &parsed.list {
        let e: &str = match entry {
            LenientStr::Str(e) => e,
            LenientStr::Bad(what) => {
                // Not locatable by its text; 0 says so.
                report.reject(0, what, format!("entry is {what}, not a string"));
                continue;
            }
        };
        let r: Result<(), String> = match &*parsed.kind {
            "cidr" => IpRange::parse(e)
                .map(|r| b.insert_range(src, r, 0))
                .map_err(|err| err.to_string()),
            "hostname" | "substring" => match IpRange::parse(e) {
                Ok(r) => {
                    b.insert_range(src, r, 0);
                    Ok(())
                }
                Err(_) => b
                    .insert_kind(src, kind_for(e, allow), e, true, 0)
                    .map(|_| ())
                    .map_err(|err| err.to_string()),
            },
            "string" => b
                .insert_kind(src, kind_for(e, allow), e, false, 0)
                .map(|_| ())
                .map_err(|err| err.to_string()),
            "regex" => Err("regex entries are not indexed".to_owned()),
            other => Err(format!("unknown list type {other:?}")),
        };
        match r {
            Ok(()) => report.accept(),
            Err(reason) => {
                let line = lines.find_json_str(e);
                report.reject(line, e, reason);
            }
        }
    }
    Ok(report)
}

/// Loads every `*/list.json` under `dir` (the repository root or its `lists/` folder), in
/// name order.
///
/// A list that is not a warninglist (bad JSON, a missing `type`, text that is not UTF-8) is
/// skipped whole and named in [`LoadReport::skipped`] with its reason; the other lists still
/// load, and [`LoadReport::file_stats`] counts both (`read == accepted + rejected`).
///
/// Errors: the folder cannot be listed, or a list cannot be read (not found, no permission):
/// a fault of the machine rather than of one list.
pub fn load_misp_dir(b: &mut IndicatorStoreBuilder, dir: &Path) -> Result<LoadReport, EnrichError> {
    let lists = if dir.join("lists").is_dir() {
        dir.join("lists")
    } else {
        dir.to_path_buf()
    };
    let rd = std::fs::read_dir(&lists).map_err(|e| EnrichError::io(&lists, e))?;
    let mut files = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| EnrichError::io(&lists, e))?;
        let f = ent.path().join("list.json");
        if f.is_file() {
            files.push(f);
        }
    }
    files.sort();
    let mut report = LoadReport::default();
    for f in files {
        // `load_misp_list` parses the whole list before it inserts anything, so a skipped
        // list leaves nothing behind in the builder.
        match load_misp_list(b, &f) {
            Ok(r) => report.push(r),
            Err(EnrichError::Format { reason, .. }) => report.skip(&f, reason),
            Err(EnrichError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::InvalidData =>
            {
                report.skip(&f, format!("not UTF-8 text: {source}"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

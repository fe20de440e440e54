//! CSV indicator lists: `indicator,type[,reputation[,benign]]`, one per line, an optional
//! header whose first field is `indicator`.
//!
//! `type` is one of `ip`/`ipv4`/`ipv6`/`cidr`/`ip-src`/`ip-dst`, `domain`/`hostname` (the
//! name and everything below it), `fqdn` (exact), `url`/`uri`, `md5`/`sha1`/`sha224`/`sha256`/
//! `sha384`/`sha512`/`hash`; empty or `auto` guesses from the text.

use std::path::Path;

use super::IpRange;
use super::store::IndicatorStoreBuilder;
use crate::EnrichError;
use crate::report::FileReport;

/// Loads a CSV list as sources `csv:<file stem>` (and `csv:<file stem>:benign` for rows whose
/// `benign` column is true).
pub fn load_csv(b: &mut IndicatorStoreBuilder, path: &Path) -> Result<FileReport, EnrichError> {
    let file = std::fs::File::open(path).map_err(|e| EnrichError::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(std::io::BufReader::new(file));
    let stem = path
        .file_stem()
        .map_or_else(|| "csv".into(), |s| s.to_string_lossy().into_owned());
    let name = format!("csv:{stem}");
    let mut report = FileReport::new(path, name.clone());
    let bad = b.add_source(name.clone(), false);
    let good = b.add_source(format!("{name}:benign"), true);
    let mut rec = csv::StringRecord::new();
    let mut first = true;
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                report.reject(line, "", format!("unreadable CSV record: {e}"));
                // A broken UTF-8 or quote may leave the reader unable to continue.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = rec.position().map_or(line, csv::Position::line);
        let ind = rec.get(0).unwrap_or("").trim();
        if first {
            first = false;
            if ind.eq_ignore_ascii_case("indicator") {
                continue;
            }
        }
        let kind = rec.get(1).unwrap_or("").trim().to_ascii_lowercase();
        let reputation = match rec.get(2).map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(0),
            Some(r) => r
                .parse::<u32>()
                .map_err(|_| format!("reputation {r:?} is not a non-negative integer")),
        };
        let benign = match rec.get(3).map(|s| s.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(s) => match s.as_str() {
                "" | "false" | "0" | "no" => Ok(false),
                "true" | "1" | "yes" => Ok(true),
                _ => Err(format!("benign {s:?} is not true/false")),
            },
        };
        let r = reputation.and_then(|rep| {
            let src = if benign? { good } else { bad };
            match kind.as_str() {
                "ip" | "ipv4" | "ipv6" | "cidr" | "ip-src" | "ip-dst" => IpRange::parse(ind)
                    .map(|r| b.insert_range(src, r, rep))
                    .map_err(|e| e.to_string()),
                "domain" | "hostname" => {
                    b.insert_domain(src, ind, true, rep).map_err(str::to_owned)
                }
                "fqdn" => b.insert_domain(src, ind, false, rep).map_err(str::to_owned),
                "url" | "uri" => b.insert_url(src, ind, rep).map_err(str::to_owned),
                "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "hash" => {
                    b.insert_hash(src, ind, rep).map_err(str::to_owned)
                }
                "" | "auto" => b
                    .insert_auto(src, ind, true, rep)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                other => Err(format!("unknown indicator type {other:?}")),
            }
        });
        match r {
            Ok(()) => report.accept(),
            Err(reason) => report.reject(line, ind, reason),
        }
    }
    Ok(report)
}

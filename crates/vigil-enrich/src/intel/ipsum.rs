//! IPsum: suspicious IPs, each with the number of blocklists that name it (its reputation).
//!
//! Format: `#` comments, then `IP<TAB>count` per line.

use std::path::Path;

use super::IpRange;
use super::store::IndicatorStoreBuilder;
use crate::EnrichError;
use crate::report::{FileReport, read_text};

/// Loads `ipsum.txt` as source `ipsum` (not benign).
pub fn load_ipsum(b: &mut IndicatorStoreBuilder, path: &Path) -> Result<FileReport, EnrichError> {
    let text = read_text(path)?;
    let mut report = FileReport::new(path, "ipsum");
    let src = b.add_source("ipsum", false);
    b.reserve(super::IndicatorKind::Ip, text.lines().count());
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let lineno = i as u64 + 1;
        let mut parts = l.split_whitespace();
        let (Some(ip), Some(count), None) = (parts.next(), parts.next(), parts.next()) else {
            report.reject(lineno, l, "expected `IP<TAB>count`");
            continue;
        };
        let count: u32 = match count.parse() {
            Ok(c) => c,
            Err(_) => {
                report.reject(lineno, l, "count is not a non-negative integer");
                continue;
            }
        };
        match ip.parse::<std::net::IpAddr>() {
            Ok(a) => {
                b.insert_range(src, IpRange::single(a), count);
                report.accept();
            }
            Err(_) => report.reject(lineno, l, "not an IP address"),
        }
    }
    Ok(report)
}

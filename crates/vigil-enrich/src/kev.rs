//! CISA Known Exploited Vulnerabilities: CVE → known exploited, ransomware use; and a scanner
//! that finds CVE ids in an alert's title and raw fields.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{
    Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, Provenance, SeededMap,
};

use crate::EnrichError;
use crate::lenient::Lenient;
use crate::report::{FileReport, LineFinder, read_text};

/// One KEV entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KevEntry {
    /// Vendor or project.
    pub vendor: String,
    /// Product.
    pub product: String,
    /// Date CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
    /// Known use in ransomware campaigns.
    pub ransomware: bool,
}

#[derive(Deserialize)]
struct KevFile<'a> {
    #[serde(rename = "catalogVersion", borrow, default)]
    version: Option<Cow<'a, str>>,
    /// Each entry read on its own: one of the wrong shape is rejected, the rest load.
    vulnerabilities: Vec<Lenient<KevVuln>>,
}

#[derive(Deserialize)]
struct KevVuln {
    #[serde(rename = "cveID", default)]
    cve: String,
    #[serde(rename = "vendorProject", default)]
    vendor: String,
    #[serde(default)]
    product: String,
    #[serde(rename = "dateAdded", default)]
    date_added: String,
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    ransomware: String,
}

/// The KEV catalogue, keyed by upper-case CVE id.
#[derive(Debug, Clone, Default)]
pub struct KevCatalogue {
    version: String,
    entries: SeededMap<Box<str>, KevEntry>,
}

/// Normalises a CVE id (`cve-2021-44228` → `CVE-2021-44228`); `None` when malformed.
pub fn normalize_cve(s: &str) -> Option<String> {
    let t = s.trim();
    let b = t.as_bytes();
    let prefix = b.get(..4)?;
    if !prefix.eq_ignore_ascii_case(b"CVE-") {
        return None;
    }
    let rest = t.get(4..)?;
    let (year, num) = rest.split_once('-')?;
    let ok = year.len() == 4
        && year.bytes().all(|c| c.is_ascii_digit())
        && (4..=7).contains(&num.len())
        && num.bytes().all(|c| c.is_ascii_digit());
    ok.then(|| format!("CVE-{year}-{num}"))
}

/// Calls `f` with each CVE id written in `text` (`CVE-YYYY-NNNN…`, any case), normalised.
pub fn scan_cves(text: &str, mut f: impl FnMut(String)) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|&c| c == b'-')) {
        let dash = i + off;
        i = dash + 1;
        // `CVE` before the dash, 4 digits, a dash, 4–7 digits.
        let Some(start) = dash.checked_sub(3) else {
            continue;
        };
        if !b
            .get(start..dash)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"CVE"))
        {
            continue;
        }
        if start > 0 && b.get(start - 1).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let digits = |from: usize| {
            b.get(from..)
                .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
        };
        let y = digits(dash + 1);
        if y != 4 || b.get(dash + 5) != Some(&b'-') {
            continue;
        }
        let n = digits(dash + 6);
        if !(4..=7).contains(&n) {
            continue;
        }
        if let Some(id) = text.get(start..dash + 6 + n).and_then(normalize_cve) {
            f(id);
        }
        i = dash + 6 + n;
    }
}

impl KevCatalogue {
    /// Loads `known_exploited_vulnerabilities.json`; entries without a well-formed CVE id are
    /// reported and skipped.
    pub fn load(path: &Path) -> Result<(Self, FileReport), EnrichError> {
        let text = read_text(path)?;
        let f: KevFile<'_> =
            serde_json::from_str(&text).map_err(|e| EnrichError::format(path, e.to_string()))?;
        let mut report = FileReport::new(path, "cisa-kev");
        let mut cat = KevCatalogue {
            version: f.version.as_deref().unwrap_or("").to_owned(),
            entries: SeededMap::default(),
        };
        cat.entries.reserve(f.vulnerabilities.len());
        let mut lines = LineFinder::new(&text);
        for v in &f.vulnerabilities {
            let v = match v {
                Lenient::Ok(v) => v,
                Lenient::Bad { value, reason } => {
                    let cve = value.get("cveID").and_then(|c| c.as_str()).unwrap_or("");
                    let line = if cve.is_empty() {
                        0
                    } else {
                        lines.find_json_str(cve)
                    };
                    report.reject(
                        line,
                        &value.to_string(),
                        format!("not a KEV entry: {reason}"),
                    );
                    continue;
                }
            };
            match normalize_cve(&v.cve) {
                Some(id) => {
                    cat.insert(
                        &id,
                        KevEntry {
                            vendor: v.vendor.to_string(),
                            product: v.product.to_string(),
                            date_added: v.date_added.to_string(),
                            ransomware: v.ransomware.eq_ignore_ascii_case("known"),
                        },
                    );
                    report.accept();
                }
                None => {
                    let line = lines.find_json_str(&v.cve);
                    report.reject(line, &v.cve, "cveID is not of the form CVE-YYYY-NNNN");
                }
            }
        }
        Ok((cat, report))
    }

    /// Adds or replaces an entry (`id` normalised by the caller or by [`normalize_cve`]).
    pub fn insert(&mut self, id: &str, e: KevEntry) {
        let key = normalize_cve(id).unwrap_or_else(|| id.to_owned());
        self.entries.insert(key.into_boxed_str(), e);
    }

    /// The entry of a CVE id (any case).
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        match self.entries.get(cve) {
            Some(e) => Some(e),
            None => normalize_cve(cve).and_then(|c| self.entries.get(c.as_str())),
        }
    }

    /// Catalogue version (`2025.08.25`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Number of CVEs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Adds a [`ContextValue::Vulnerability`] per distinct CVE id found in the alert's title or
/// raw fields: known exploited (and ransomware use) when KEV lists it, else not known.
///
/// ```
/// use vigil_core::{Alert, ContextValue, Enricher};
/// use vigil_enrich::{KevCatalogue, KevEnricher, kev::KevEntry};
/// let mut cat = KevCatalogue::default();
/// cat.insert("CVE-2021-44228", KevEntry { vendor: "Apache".into(), product: "Log4j2".into(),
///     date_added: "2021-12-10".into(), ransomware: true });
/// let mut a = Alert::new("1", chrono::DateTime::UNIX_EPOCH, "Log4Shell cve-2021-44228 attempt");
/// KevEnricher::new(cat).enrich_alert(&mut a);
/// assert!(matches!(a.enrichment.items[0].value,
///     ContextValue::Vulnerability { known_exploited: true, ransomware: true, .. }));
/// ```
#[derive(Debug, Clone)]
pub struct KevEnricher {
    catalogue: Arc<KevCatalogue>,
    source: String,
    loaded_at: DateTime<Utc>,
}

impl KevEnricher {
    /// Enriches from `catalogue`; provenance time is the Unix epoch until set with
    /// [`KevEnricher::loaded_at`].
    pub fn new(catalogue: impl Into<Arc<KevCatalogue>>) -> Self {
        let catalogue = catalogue.into();
        let source = if catalogue.version().is_empty() {
            "cisa-kev".to_owned()
        } else {
            format!("cisa-kev:{}", catalogue.version())
        };
        Self {
            catalogue,
            source,
            loaded_at: DateTime::UNIX_EPOCH,
        }
    }

    /// Sets when the catalogue was loaded.
    #[must_use]
    pub fn loaded_at(mut self, at: DateTime<Utc>) -> Self {
        self.loaded_at = at;
        self
    }
}

impl Enricher for KevEnricher {
    fn name(&self) -> &str {
        "cisa-kev"
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        let mut found: Vec<String> = Vec::new();
        let mut add = |id: String| {
            if !found.contains(&id) {
                found.push(id);
            }
        };
        scan_cves(&alert.title, &mut add);
        for v in alert.raw.values() {
            scan_cves(v, &mut add);
        }
        for cve in found {
            let e = self.catalogue.get(&cve);
            ctx.items.push(ContextItem {
                provenance: Provenance {
                    source: self.source.clone(),
                    at: self.loaded_at,
                    valid_for_s: None,
                },
                value: ContextValue::Vulnerability {
                    cve,
                    known_exploited: e.is_some(),
                    ransomware: e.is_some_and(|e| e.ransomware),
                },
            });
        }
        Ok(())
    }
}

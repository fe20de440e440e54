//! Asset inventory: host → criticality, owner, OS, from CSV or JSON. Criticality feeds triage
//! risk through [`ContextValue::Asset`] (see [`vigil_core::Enrichment::asset_criticality`]).
//!
//! CSV: header `host,criticality,owner,os` (owner and os optional; columns found by name).
//! JSON: an array of `{"host": …, "criticality": …, "owner": …, "os": …}` objects.
//! Host names match case-insensitively; an entry may also be keyed by an IP address, which
//! matches the alert's IP entities.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vigil_core::{
    Alert, ContextItem, ContextValue, CoreError, Enricher, Enrichment, EntityKind, Provenance,
    SeededMap,
};

use crate::EnrichError;
use crate::report::{FileReport, LineFinder, read_text};

/// One asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Host name or IP, as written.
    pub host: String,
    /// Business criticality in `[0, 1]`.
    pub criticality: f64,
    /// Owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub os: Option<String>,
}

/// Host → asset, case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct AssetInventory {
    source: String,
    assets: SeededMap<Box<str>, Asset>,
}

fn check(a: &Asset) -> Result<(), String> {
    if a.host.trim().is_empty() {
        return Err("host is empty".into());
    }
    if !(a.criticality.is_finite() && (0.0..=1.0).contains(&a.criticality)) {
        return Err(format!("criticality {} is not in [0, 1]", a.criticality));
    }
    Ok(())
}

impl AssetInventory {
    /// An empty inventory named `source` in provenance.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            assets: SeededMap::default(),
        }
    }

    /// Loads a `.json` or `.csv` file (by extension; anything else is read as CSV). Invalid
    /// rows (empty host, criticality outside `[0, 1]`) are reported with their line and
    /// skipped.
    pub fn load(path: &Path) -> Result<(Self, FileReport), EnrichError> {
        let name = path
            .file_name()
            .map_or_else(|| "assets".into(), |n| n.to_string_lossy().into_owned());
        let mut inv = Self::new(name.clone());
        let mut report = FileReport::new(path, name);
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            let text = read_text(path)?;
            let rows: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
                EnrichError::format(path, format!("expected a JSON array of assets: {e}"))
            })?;
            let mut lines = LineFinder::new(&text);
            for row in rows {
                let host = row
                    .get("host")
                    .and_then(|h| h.as_str())
                    .unwrap_or("")
                    .to_owned();
                let line = if host.is_empty() {
                    0
                } else {
                    lines.find_json_str(&host)
                };
                match serde_json::from_value::<Asset>(row.clone())
                    .map_err(|e| e.to_string())
                    .and_then(|a| check(&a).map(|()| a))
                {
                    Ok(a) => {
                        inv.insert(a);
                        report.accept();
                    }
                    Err(reason) => report.reject(line, &row.to_string(), reason),
                }
            }
        } else {
            let file = std::fs::File::open(path).map_err(|e| EnrichError::io(path, e))?;
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(std::io::BufReader::new(file));
            let headers = rdr
                .headers()
                .map_err(|e| EnrichError::format(path, e.to_string()))?
                .clone();
            let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
            let (Some(hc), Some(cc)) = (col("host"), col("criticality")) else {
                return Err(EnrichError::format(
                    path,
                    "header must name `host` and `criticality` columns",
                ));
            };
            let (oc, sc) = (col("owner"), col("os"));
            for rec in rdr.records() {
                let rec = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        let line = e.position().map_or(0, csv::Position::line);
                        report.reject(line, "", format!("unreadable CSV record: {e}"));
                        continue;
                    }
                };
                let line = rec.position().map_or(0, csv::Position::line);
                let opt = |c: Option<usize>| {
                    c.and_then(|c| rec.get(c))
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                };
                let host = rec.get(hc).unwrap_or("").to_owned();
                let crit = rec.get(cc).unwrap_or("");
                let r = crit
                    .parse::<f64>()
                    .map_err(|_| format!("criticality {crit:?} is not a number"))
                    .map(|criticality| Asset {
                        host,
                        criticality,
                        owner: opt(oc),
                        os: opt(sc),
                    })
                    .and_then(|a| check(&a).map(|()| a));
                match r {
                    Ok(a) => {
                        inv.insert(a);
                        report.accept();
                    }
                    Err(reason) => {
                        let raw: Vec<&str> = rec.iter().collect();
                        report.reject(line, &raw.join(","), reason);
                    }
                }
            }
        }
        Ok((inv, report))
    }

    /// Adds or replaces an asset.
    pub fn insert(&mut self, a: Asset) {
        let key = a.host.trim().to_ascii_lowercase().into_boxed_str();
        self.assets.insert(key, a);
    }

    /// The asset of a host name or IP (case-insensitive).
    pub fn get(&self, host: &str) -> Option<&Asset> {
        let h = host.trim();
        match self.assets.get(h) {
            Some(a) => Some(a),
            None if h.bytes().any(|b| b.is_ascii_uppercase()) => {
                self.assets.get(h.to_ascii_lowercase().as_str())
            }
            None => None,
        }
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.assets.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    /// The name used in provenance.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Adds a [`ContextValue::Asset`] for each host (and IP) entity found in the inventory.
#[derive(Debug, Clone)]
pub struct AssetEnricher {
    inventory: Arc<AssetInventory>,
    loaded_at: DateTime<Utc>,
    valid_for_s: Option<u64>,
}

impl AssetEnricher {
    /// Enriches from `inventory`, loaded at `loaded_at`, valid for `valid_for_s` seconds.
    pub fn new(
        inventory: impl Into<Arc<AssetInventory>>,
        loaded_at: DateTime<Utc>,
        valid_for_s: Option<u64>,
    ) -> Self {
        Self {
            inventory: inventory.into(),
            loaded_at,
            valid_for_s,
        }
    }
}

impl Enricher for AssetEnricher {
    fn name(&self) -> &str {
        "assets"
    }

    fn enrich(&self, alert: &Alert, ctx: &mut Enrichment) -> Result<(), CoreError> {
        if self.inventory.is_empty() {
            return Ok(());
        }
        for e in &alert.entities {
            if !matches!(e.kind, EntityKind::Host | EntityKind::Ip) {
                continue;
            }
            if let Some(a) = self.inventory.get(&e.value) {
                ctx.items.push(ContextItem {
                    provenance: Provenance {
                        source: self.inventory.source.clone(),
                        at: self.loaded_at,
                        valid_for_s: self.valid_for_s,
                    },
                    value: ContextValue::Asset {
                        host: e.value.clone(),
                        criticality: a.criticality,
                        owner: a.owner.clone(),
                        os: a.os.clone(),
                    },
                });
            }
        }
        Ok(())
    }
}

//! The MITRE ATT&CK catalogue: techniques, their tactics, platforms and data sources.
//!
//! One reader for every layer that needs ATT&CK (enrichment names techniques; coverage
//! metrics count them). Loaded from an ATT&CK STIX 2.x bundle (plain or `.gz`). Data sources are taken from
//! `x_mitre_data_sources` when a technique has them (ATT&CK ≤ v17); from v18 on they are
//! derived the way the ATT&CK site shows them: detection strategies that `detect` a technique
//! → their analytics → the data components those analytics read (`Process Creation`, ...).
//! Revoked and deprecated techniques are kept and marked, so an old mapping still resolves;
//! [`AttackCatalogue::technique_ids`] and the coverage helpers list only active ones.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigil_core::{SeededMap, TechniqueId};

use crate::IoError;

/// One technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Technique {
    /// Its id (`T1059.001`).
    pub id: TechniqueId,
    /// Its name.
    pub name: String,
    /// Tactic short names (`execution`), in the bundle's order.
    pub tactics: Vec<String>,
    /// Platforms (`Windows`, `Linux`, ...).
    pub platforms: Vec<String>,
    /// Data sources or data components that detect it, sorted.
    pub data_sources: Vec<String>,
    /// True for a sub-technique.
    pub is_subtechnique: bool,
    /// Revoked (superseded by another technique).
    pub revoked: bool,
    /// Deprecated (no longer maintained).
    pub deprecated: bool,
}

impl Technique {
    /// Neither revoked nor deprecated.
    pub fn is_active(&self) -> bool {
        !self.revoked && !self.deprecated
    }
}

/// One tactic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tactic {
    /// Its id (`TA0002`).
    pub id: String,
    /// Its short name (`execution`), as techniques' kill-chain phases name it.
    pub shortname: String,
    /// Its name (`Execution`).
    pub name: String,
}

#[derive(Deserialize)]
struct Bundle<'a> {
    #[serde(borrow)]
    objects: Vec<Obj<'a>>,
}

#[derive(Deserialize)]
struct ExtRef<'a> {
    #[serde(borrow, default)]
    source_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    external_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Phase<'a> {
    #[serde(borrow)]
    kill_chain_name: Cow<'a, str>,
    #[serde(borrow)]
    phase_name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct LogRef<'a> {
    #[serde(borrow, default)]
    x_mitre_data_component_ref: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Obj<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    external_references: Vec<ExtRef<'a>>,
    #[serde(borrow, default)]
    kill_chain_phases: Vec<Phase<'a>>,
    #[serde(borrow, default)]
    x_mitre_platforms: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    x_mitre_data_sources: Vec<Cow<'a, str>>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    x_mitre_deprecated: bool,
    #[serde(default)]
    x_mitre_is_subtechnique: bool,
    #[serde(borrow, default)]
    x_mitre_shortname: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    relationship_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    source_ref: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    target_ref: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    x_mitre_analytic_refs: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    x_mitre_log_source_references: Vec<LogRef<'a>>,
    #[serde(borrow, default)]
    tactic_refs: Vec<Cow<'a, str>>,
}

impl Obj<'_> {
    fn mitre_id(&self) -> Option<&str> {
        self.external_references
            .iter()
            .find(|r| {
                r.source_name
                    .as_deref()
                    .is_some_and(|s| s.starts_with("mitre-"))
            })
            .and_then(|r| r.external_id.as_deref())
    }
}

/// The ATT&CK catalogue, reusable by any layer (enrichment, coverage metrics).
///
/// ```no_run
/// use vigil_core::TechniqueId;
/// use vigil_io::attack::AttackCatalogue;
/// let cat = AttackCatalogue::load("../shared/datasets/attack/enterprise-attack-v18.1.reconstructed.json.gz".as_ref())?;
/// let t = cat.technique(&TechniqueId::parse("T1059.001")?).unwrap();
/// assert_eq!(t.name, "PowerShell");
/// assert_eq!(cat.tactics_of(&t.id), ["execution"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AttackCatalogue {
    version: String,
    /// All techniques, sorted by id.
    techniques: Vec<Technique>,
    /// Tactics in matrix order.
    tactics: Vec<Tactic>,
}

impl AttackCatalogue {
    /// Loads a bundle file (plain or gzipped, told apart by its first bytes); the version is
    /// read from the file name (`…-v18.1…`) when present.
    ///
    /// Errors: [`IoError::Open`] when the file cannot be read, [`IoError::Parse`] when it is
    /// not a bundle with at least one ATT&CK technique.
    pub fn load(path: &Path) -> Result<Self, IoError> {
        let mut bytes = Vec::new();
        crate::open(path)?
            .read_to_end(&mut bytes)
            .map_err(|source| IoError::Open {
                path: path.to_owned(),
                source,
            })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let version = name
            .as_deref()
            .and_then(|n| {
                n.split(['-', '_']).find(|p| {
                    p.starts_with('v') && p.as_bytes().get(1).is_some_and(u8::is_ascii_digit)
                })
            })
            .map(|v| {
                v.trim_end_matches(".json")
                    .trim_end_matches(".gz")
                    .to_owned()
            })
            .and_then(|v| {
                let end = v
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
                    .map_or(v.len(), |(i, _)| i);
                v.get(..end).map(|s| s.trim_end_matches('.').to_owned())
            })
            .unwrap_or_default();
        Self::from_json(&bytes, &version).map_err(|reason| IoError::Parse {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses a bundle from JSON bytes; `version` names it in provenance (`attack:<version>`).
    /// The error says what was wrong: not JSON of a bundle, or no `attack-pattern` with an
    /// ATT&CK id (patterns whose id is malformed are skipped, as newer bundles may carry
    /// ids this reader does not know).
    ///
    /// ```
    /// let json = br#"{"type":"bundle","objects":[
    ///   {"type":"x-mitre-tactic","id":"x-mitre-tactic--1","name":"Execution","x_mitre_shortname":"execution",
    ///    "external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},
    ///   {"type":"attack-pattern","id":"attack-pattern--1","name":"Command and Scripting Interpreter",
    ///    "external_references":[{"source_name":"mitre-attack","external_id":"T1059"}],
    ///    "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]}]}"#;
    /// let cat = vigil_io::attack::AttackCatalogue::from_json(json, "18.1").unwrap();
    /// assert_eq!(cat.active_len(), 1);
    /// assert_eq!(cat.tactics()[0].id, "TA0002");
    /// assert_eq!(cat.tactic("execution").map(|t| t.name.as_str()), Some("Execution"));
    /// ```
    pub fn from_json(bytes: &[u8], version: &str) -> Result<Self, String> {
        let bundle: Bundle<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let objs = &bundle.objects;

        // v18: detection strategy → analytics → data components.
        let mut component_names: SeededMap<&str, &str> = SeededMap::default();
        let mut analytic_components: SeededMap<&str, Vec<&str>> = SeededMap::default();
        let mut strategy_analytics: SeededMap<&str, &[Cow<'_, str>]> = SeededMap::default();
        let mut tactic_by_ref: SeededMap<&str, Tactic> = SeededMap::default();
        let mut matrix_order: Vec<&str> = Vec::new();
        for o in objs {
            match &*o.kind {
                "x-mitre-data-component" => {
                    if let Some(n) = o.name.as_deref() {
                        component_names.insert(&o.id, n);
                    }
                }
                "x-mitre-analytic" => {
                    let v = o
                        .x_mitre_log_source_references
                        .iter()
                        .filter_map(|r| r.x_mitre_data_component_ref.as_deref())
                        .collect();
                    analytic_components.insert(&o.id, v);
                }
                "x-mitre-detection-strategy" if !o.revoked && !o.x_mitre_deprecated => {
                    strategy_analytics.insert(&o.id, &o.x_mitre_analytic_refs);
                }
                "x-mitre-tactic" => {
                    tactic_by_ref.insert(
                        &o.id,
                        Tactic {
                            id: o.mitre_id().unwrap_or("").to_owned(),
                            shortname: o.x_mitre_shortname.as_deref().unwrap_or("").to_owned(),
                            name: o.name.as_deref().unwrap_or("").to_owned(),
                        },
                    );
                }
                "x-mitre-matrix" if matrix_order.is_empty() => {
                    matrix_order = o.tactic_refs.iter().map(|r| &**r).collect();
                }
                _ => {}
            }
        }
        let mut detected_by: SeededMap<&str, BTreeSet<&str>> = SeededMap::default();
        for o in objs.iter().filter(|o| o.kind == "relationship") {
            if o.relationship_type.as_deref() != Some("detects") || o.revoked {
                continue;
            }
            let (Some(src), Some(dst)) = (o.source_ref.as_deref(), o.target_ref.as_deref()) else {
                continue;
            };
            let Some(analytics) = strategy_analytics.get(src) else {
                continue;
            };
            let set = detected_by.entry(dst).or_default();
            for a in analytics.iter() {
                for c in analytic_components.get(&**a).into_iter().flatten() {
                    if let Some(n) = component_names.get(c) {
                        set.insert(n);
                    }
                }
            }
        }

        let mut techniques = Vec::new();
        for o in objs.iter().filter(|o| o.kind == "attack-pattern") {
            let Some(ext) = o.mitre_id() else { continue };
            let Ok(id) = TechniqueId::parse(ext) else {
                continue;
            };
            let mut data_sources: Vec<String> = if o.x_mitre_data_sources.is_empty() {
                detected_by
                    .get(&*o.id)
                    .map(|s| s.iter().map(|n| (*n).to_owned()).collect())
                    .unwrap_or_default()
            } else {
                o.x_mitre_data_sources
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            };
            data_sources.sort();
            data_sources.dedup();
            techniques.push(Technique {
                is_subtechnique: o.x_mitre_is_subtechnique || id.is_subtechnique(),
                id,
                name: o.name.as_deref().unwrap_or("").to_owned(),
                tactics: o
                    .kill_chain_phases
                    .iter()
                    .filter(|p| p.kill_chain_name.starts_with("mitre-"))
                    .map(|p| p.phase_name.to_string())
                    .collect(),
                platforms: o.x_mitre_platforms.iter().map(|s| s.to_string()).collect(),
                data_sources,
                revoked: o.revoked,
                deprecated: o.x_mitre_deprecated,
            });
        }
        if techniques.is_empty() {
            return Err("no attack-pattern objects with an ATT&CK id".into());
        }
        // Active entries first among equal ids, so lookups prefer them.
        techniques.sort_by(|a, b| (&a.id, !a.is_active()).cmp(&(&b.id, !b.is_active())));

        let mut tactics: Vec<Tactic> = matrix_order
            .iter()
            .filter_map(|r| tactic_by_ref.remove(r))
            .collect();
        let mut rest: Vec<Tactic> = tactic_by_ref.into_values().collect();
        rest.sort_by(|a, b| a.id.cmp(&b.id));
        tactics.extend(rest);
        Ok(Self {
            version: version.to_owned(),
            techniques,
            tactics,
        })
    }

    /// The ATT&CK version (`18.1` style, from the file name), or empty.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The technique with this id (active preferred; revoked and deprecated ones resolve too).
    pub fn technique(&self, id: &TechniqueId) -> Option<&Technique> {
        let i = self.techniques.partition_point(|t| t.id < *id);
        self.techniques.get(i).filter(|t| t.id == *id)
    }

    /// The technique, or its parent when the sub-technique is unknown.
    pub fn technique_or_parent(&self, id: &TechniqueId) -> Option<&Technique> {
        self.technique(id).or_else(|| {
            if id.is_subtechnique() {
                self.technique(&id.parent())
            } else {
                None
            }
        })
    }

    /// Tactic short names of a technique (empty when unknown).
    pub fn tactics_of(&self, id: &TechniqueId) -> &[String] {
        self.technique(id).map_or(&[], |t| &t.tactics)
    }

    /// Every technique, revoked and deprecated included, sorted by id.
    pub fn techniques(&self) -> &[Technique] {
        &self.techniques
    }

    /// Ids of active techniques and sub-techniques, sorted.
    pub fn technique_ids(&self) -> impl Iterator<Item = &TechniqueId> + '_ {
        self.techniques
            .iter()
            .filter(|t| t.is_active())
            .map(|t| &t.id)
    }

    /// Active techniques serving a tactic (by short name).
    pub fn techniques_in_tactic<'a>(
        &'a self,
        tactic: &'a str,
    ) -> impl Iterator<Item = &'a Technique> + 'a {
        self.techniques
            .iter()
            .filter(move |t| t.is_active() && t.tactics.iter().any(|x| x == tactic))
    }

    /// Tactics, in matrix order.
    pub fn tactics(&self) -> &[Tactic] {
        &self.tactics
    }

    /// The tactic with a short name (`execution`), accepting the names newer Sigma rules
    /// use for the split of Defense Evasion (`stealth`, `defense-impairment`) as
    /// `defense-evasion` when the catalogue has no tactic of that name.
    pub fn tactic(&self, shortname: &str) -> Option<&Tactic> {
        let find = |n: &str| self.tactics.iter().find(|t| t.shortname == n);
        find(shortname).or_else(|| match shortname {
            "stealth" | "defense-impairment" => find("defense-evasion"),
            _ => None,
        })
    }

    /// The technique with this id when it is active (neither revoked nor deprecated).
    pub fn active(&self, id: &TechniqueId) -> Option<&Technique> {
        self.technique(id).filter(|t| t.is_active())
    }

    /// Active techniques and sub-techniques, sorted by id.
    pub fn active_techniques(&self) -> impl Iterator<Item = &Technique> + '_ {
        self.techniques.iter().filter(|t| t.is_active())
    }

    /// Number of techniques, revoked and deprecated included.
    pub fn len(&self) -> usize {
        self.techniques.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.techniques.is_empty()
    }

    /// Number of active techniques.
    pub fn active_len(&self) -> usize {
        self.technique_ids().count()
    }
}

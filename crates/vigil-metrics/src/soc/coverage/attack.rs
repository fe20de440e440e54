//! The ATT&CK Enterprise catalogue, read from a STIX 2.1 bundle.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use vigil_core::TechniqueId;

use crate::error::{MetricsError, Result};

/// One ATT&CK technique or sub-technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technique {
    /// `T1059` or `T1059.001`.
    pub id: TechniqueId,
    /// Its name.
    pub name: String,
    /// Short names of its tactics (`execution`, `defense-evasion`, ...).
    pub tactics: Vec<String>,
    /// True for a sub-technique.
    pub subtechnique: bool,
}

/// One ATT&CK tactic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tactic {
    /// `TA0002`.
    pub id: String,
    /// Short name used in kill-chain phases and Sigma tags (`execution`).
    pub shortname: String,
    /// Display name (`Execution`).
    pub name: String,
}

/// The live (neither revoked nor deprecated) techniques and the tactics of ATT&CK Enterprise.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AttackCatalog {
    techniques: BTreeMap<TechniqueId, Technique>,
    /// In the matrix's order (reconnaissance … impact) when the bundle has a matrix.
    tactics: Vec<Tactic>,
}

#[derive(Deserialize)]
struct Bundle {
    #[serde(default)]
    objects: Vec<StixObject>,
}

#[derive(Deserialize)]
struct StixObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    x_mitre_deprecated: bool,
    #[serde(default)]
    x_mitre_is_subtechnique: bool,
    #[serde(default)]
    x_mitre_shortname: String,
    #[serde(default)]
    external_references: Vec<ExternalReference>,
    #[serde(default)]
    kill_chain_phases: Vec<KillChainPhase>,
    #[serde(default)]
    tactic_refs: Vec<String>,
}

#[derive(Deserialize)]
struct ExternalReference {
    #[serde(default)]
    source_name: String,
    #[serde(default)]
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct KillChainPhase {
    #[serde(default)]
    kill_chain_name: String,
    #[serde(default)]
    phase_name: String,
}

impl StixObject {
    fn attack_id(&self) -> Option<&str> {
        self.external_references
            .iter()
            .find(|r| r.source_name == "mitre-attack")
            .and_then(|r| r.external_id.as_deref())
    }
    fn live(&self) -> bool {
        !self.revoked && !self.x_mitre_deprecated
    }
}

impl AttackCatalog {
    /// Reads a STIX bundle file, gzipped when its name ends in `.gz`.
    ///
    /// Keeps `attack-pattern` objects that are neither revoked nor deprecated, with their
    /// `mitre-attack` external id and `mitre-attack` kill-chain phases (tactics), and
    /// `x-mitre-tactic` objects, ordered as the `x-mitre-matrix` lists them.
    ///
    /// Errors: the file cannot be read, is not JSON of a bundle, or an attack-pattern has a
    /// malformed technique id.
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| MetricsError::io(path, e))?;
        let mut text = String::new();
        let read = if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(std::io::BufReader::new(file)).read_to_string(&mut text)
        } else {
            std::io::BufReader::new(file).read_to_string(&mut text)
        };
        read.map_err(|e| MetricsError::io(path, e))?;
        Self::from_json(&text).map_err(|reason| MetricsError::Parse {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses a STIX bundle held in memory (see [`AttackCatalog::load`]); the error is a
    /// description of what was wrong.
    ///
    /// ```
    /// let json = r#"{"type":"bundle","objects":[
    ///   {"type":"x-mitre-tactic","id":"x-mitre-tactic--1","name":"Execution","x_mitre_shortname":"execution",
    ///    "external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},
    ///   {"type":"attack-pattern","id":"attack-pattern--1","name":"Command and Scripting Interpreter",
    ///    "external_references":[{"source_name":"mitre-attack","external_id":"T1059"}],
    ///    "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]}]}"#;
    /// let cat = vigil_metrics::AttackCatalog::from_json(json).unwrap();
    /// assert_eq!(cat.techniques().count(), 1);
    /// assert_eq!(cat.tactics()[0].id, "TA0002");
    /// ```
    pub fn from_json(text: &str) -> std::result::Result<Self, String> {
        let bundle: Bundle = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut techniques = BTreeMap::new();
        let mut tactics_by_ref: BTreeMap<String, Tactic> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for o in &bundle.objects {
            match o.kind.as_str() {
                "attack-pattern" if o.live() => {
                    let Some(ext) = o.attack_id() else { continue };
                    let id = TechniqueId::parse(ext).map_err(|e| format!("{}: {e}", o.id))?;
                    let tactics = o
                        .kill_chain_phases
                        .iter()
                        .filter(|p| p.kill_chain_name == "mitre-attack")
                        .map(|p| p.phase_name.clone())
                        .collect();
                    let subtechnique = o.x_mitre_is_subtechnique || id.as_str().contains('.');
                    techniques.insert(
                        id.clone(),
                        Technique {
                            id,
                            name: o.name.clone(),
                            tactics,
                            subtechnique,
                        },
                    );
                }
                "x-mitre-tactic" if o.live() => {
                    tactics_by_ref.insert(
                        o.id.clone(),
                        Tactic {
                            id: o.attack_id().unwrap_or_default().to_owned(),
                            shortname: o.x_mitre_shortname.clone(),
                            name: o.name.clone(),
                        },
                    );
                }
                "x-mitre-matrix" if o.live() && order.is_empty() => {
                    order = o.tactic_refs.clone();
                }
                _ => {}
            }
        }
        let mut tactics: Vec<Tactic> = order
            .iter()
            .filter_map(|r| tactics_by_ref.remove(r))
            .collect();
        // Tactics the matrix does not list, in id order.
        let mut rest: Vec<Tactic> = tactics_by_ref.into_values().collect();
        rest.sort_by(|a, b| a.id.cmp(&b.id));
        tactics.extend(rest);
        Ok(Self {
            techniques,
            tactics,
        })
    }

    /// Every live technique and sub-technique, in id order.
    pub fn techniques(&self) -> impl Iterator<Item = &Technique> {
        self.techniques.values()
    }

    /// One technique or sub-technique.
    pub fn technique(&self, id: &TechniqueId) -> Option<&Technique> {
        self.techniques.get(id)
    }

    /// The tactics, in matrix order.
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
}

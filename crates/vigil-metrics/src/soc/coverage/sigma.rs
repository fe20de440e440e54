//! Sigma rules' ATT&CK tags, read line by line (no YAML dependency: only `title`, `id` and
//! the `tags` list are needed, and Sigma writes them in one plain form).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vigil_core::{ReadStats, RecordError, TechniqueId};

use crate::error::{MetricsError, Result};

/// The part of a Sigma rule that coverage needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigmaRule {
    /// The file it was read from.
    pub path: PathBuf,
    /// The rule's `id` (a UUID), empty when absent.
    pub id: String,
    /// The rule's `title`.
    pub title: String,
    /// Techniques from `attack.tNNNN[.NNN]` tags.
    pub techniques: Vec<TechniqueId>,
    /// Tactic short names from `attack.<tactic>` tags (`execution`, `stealth`, ...).
    pub tactics: Vec<String>,
}

impl SigmaRule {
    /// Reads `title`, `id` and `tags` from a Sigma rule's text.
    ///
    /// Recognised: top-level `key: value` lines, and a top-level `tags:` followed by
    /// `- item` lines (quotes and `# comments` stripped). Tags `attack.t1059.001` become
    /// techniques, tags `attack.<name>` whose name has no digit become tactics; group,
    /// software and other tags are ignored. Returns `None` when the text has no `title`.
    ///
    /// ```
    /// let rule = vigil_metrics::SigmaRule::parse(
    ///     "title: Encoded PowerShell\nid: 1\ntags:\n    - attack.execution\n    - attack.t1059.001 # PowerShell\nlevel: high\n",
    ///     "r.yml",
    /// ).unwrap();
    /// assert_eq!(rule.techniques[0].as_str(), "T1059.001");
    /// assert_eq!(rule.tactics, ["execution"]);
    /// ```
    pub fn parse(text: &str, path: impl Into<PathBuf>) -> Option<Self> {
        // Editors on Windows may save a byte order mark; it is not part of the first key.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut title = None;
        let mut id = String::new();
        let mut tags: Vec<String> = Vec::new();
        let mut in_tags = false;
        for line in text.lines() {
            let content = strip_comment(line);
            if content.trim().is_empty() {
                continue;
            }
            let top_level = !line.starts_with([' ', '\t', '-']);
            if in_tags && !top_level {
                if let Some(item) = content.trim().strip_prefix('-') {
                    tags.push(unquote(item).to_owned());
                }
                continue;
            }
            in_tags = false;
            if !top_level {
                continue;
            }
            let Some((key, value)) = content.split_once(':') else {
                continue;
            };
            match key.trim() {
                "title" => title = Some(unquote(value).to_owned()),
                "id" => id = unquote(value).to_owned(),
                "tags" => {
                    let v = value.trim();
                    if let Some(inline) = v.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                        tags.extend(inline.split(',').map(|t| unquote(t).to_owned()));
                    } else {
                        in_tags = true;
                    }
                }
                _ => {}
            }
        }
        let mut techniques = Vec::new();
        let mut tactics = Vec::new();
        for tag in tags {
            let lower = tag.to_ascii_lowercase();
            let Some(name) = lower.strip_prefix("attack.") else {
                continue;
            };
            if let Some(num) = name.strip_prefix('t')
                && num.starts_with(|c: char| c.is_ascii_digit())
            {
                if let Ok(t) = TechniqueId::parse(&format!("T{num}"))
                    && !techniques.contains(&t)
                {
                    techniques.push(t);
                }
            } else if !name.is_empty()
                && !name.contains(|c: char| c.is_ascii_digit())
                && !tactics.iter().any(|t| t == name)
            {
                tactics.push(name.to_owned());
            }
        }
        Some(Self {
            path: path.into(),
            id,
            title: title?,
            techniques,
            tactics,
        })
    }
}

fn strip_comment(line: &str) -> &str {
    // A `#` starts a comment at line start or after whitespace, outside quotes (not inside a
    // word, a URL or a quoted title).
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            // A quote opens a scalar only where one can start (not an apostrophe in a word).
            (None, b'\'' | b'"')
                if i == 0
                    || bytes
                        .get(i - 1)
                        .is_some_and(|c| c.is_ascii_whitespace() || b"[,:".contains(c)) =>
            {
                quote = Some(b)
            }
            (None, b'#') if i == 0 || bytes.get(i - 1).is_some_and(|c| c.is_ascii_whitespace()) => {
                return line.get(..i).unwrap_or(line);
            }
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
        .unwrap_or(s)
}

/// A set of Sigma rules, in path order, with lookup by rule id or title.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SigmaRules {
    rules: Vec<SigmaRule>,
    /// Rule id and lower-cased title → index into `rules`.
    by_name: BTreeMap<String, usize>,
    /// Files read, accepted as rules and skipped.
    #[serde(default)]
    stats: ReadStats,
    /// Why each skipped file was skipped.
    #[serde(default)]
    skipped: Vec<RecordError>,
}

impl SigmaRules {
    /// Rules from an iterator (e.g. parsed by hand).
    pub fn from_rules(rules: impl IntoIterator<Item = SigmaRule>) -> Self {
        let rules: Vec<SigmaRule> = rules.into_iter().collect();
        let mut by_name = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            if !r.id.is_empty() {
                by_name.entry(r.id.to_ascii_lowercase()).or_insert(i);
            }
            by_name.entry(r.title.to_ascii_lowercase()).or_insert(i);
        }
        let n = rules.len() as u64;
        Self {
            rules,
            by_name,
            stats: ReadStats {
                read: n,
                accepted: n,
                rejected: 0,
            },
            skipped: Vec::new(),
        }
    }

    /// Files read by [`SigmaRules::load_dir`] / [`SigmaRules::load_root`]: each became a rule
    /// or was skipped (`read == accepted + rejected`).
    pub fn load_stats(&self) -> ReadStats {
        self.stats
    }

    /// The files skipped, each with its reason: no `title`, or text that is not UTF-8.
    pub fn skipped(&self) -> &[RecordError] {
        &self.skipped
    }

    /// Every `.yml`/`.yaml` rule under `dir`, recursively, in path order. Files without a
    /// `title` or whose text is not UTF-8 are skipped, counted and named
    /// ([`SigmaRules::load_stats`], [`SigmaRules::skipped`]).
    ///
    /// Errors: a directory or file that cannot be read.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let mut files = Vec::new();
        collect_yaml(dir, &mut files)?;
        files.sort();
        let mut rules = Vec::with_capacity(files.len());
        let mut skipped = Vec::new();
        for (i, f) in files.into_iter().enumerate() {
            let skip = |field: Option<&str>, reason: String| RecordError {
                source_name: f.display().to_string(),
                record: i as u64 + 1,
                line: 1,
                field: field.map(str::to_owned),
                reason,
            };
            let bytes = std::fs::read(&f).map_err(|e| MetricsError::io(&f, e))?;
            match String::from_utf8(bytes) {
                Ok(text) => match SigmaRule::parse(&text, f.clone()) {
                    Some(r) => rules.push(r),
                    None => skipped.push(skip(Some("title"), "no top-level `title:`".into())),
                },
                Err(e) => skipped.push(skip(None, format!("not UTF-8 text: {}", e.utf8_error()))),
            }
        }
        let mut set = Self::from_rules(rules);
        set.add_skipped(skipped);
        Ok(set)
    }

    fn add_skipped(&mut self, skipped: Vec<RecordError>) {
        let n = skipped.len() as u64;
        self.stats.read += n;
        self.stats.rejected += n;
        self.skipped.extend(skipped);
    }

    /// Every rule of a SigmaHQ checkout: the folders of `root` whose names start with
    /// `rules` (`rules`, `rules-emerging-threats`, `rules-threat-hunting`, ...), skipping
    /// the regression test data.
    ///
    /// Errors: as [`SigmaRules::load_dir`].
    pub fn load_root(root: &Path) -> Result<Self> {
        let mut dirs: Vec<PathBuf> = read_dir(root)?
            .into_iter()
            .filter(|p| p.is_dir())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("rules"))
            })
            .collect();
        dirs.sort();
        let mut rules = Vec::new();
        let mut skipped = Vec::new();
        for d in dirs {
            let set = Self::load_dir(&d)?;
            rules.extend(set.rules);
            skipped.extend(set.skipped);
        }
        let mut set = Self::from_rules(rules);
        set.add_skipped(skipped);
        Ok(set)
    }

    /// The rules, in path order.
    pub fn rules(&self) -> &[SigmaRule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule whose id or title (case-insensitive) is `name`.
    pub fn get(&self, name: &str) -> Option<&SigmaRule> {
        self.by_name
            .get(&name.trim().to_ascii_lowercase())
            .and_then(|&i| self.rules.get(i))
    }

    /// Techniques tagged by any rule, each once, in id order.
    pub fn techniques(&self) -> Vec<TechniqueId> {
        let mut all: Vec<TechniqueId> = self
            .rules
            .iter()
            .flat_map(|r| r.techniques.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| MetricsError::io(dir, e))?;
    let mut out = Vec::new();
    for e in entries {
        out.push(e.map_err(|e| MetricsError::io(dir, e))?.path());
    }
    Ok(out)
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for p in read_dir(dir)? {
        if p.is_dir() {
            collect_yaml(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yml" || e == "yaml")
        {
            out.push(p);
        }
    }
    Ok(())
}

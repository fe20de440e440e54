//! Saving and loading a [`VerdictMemory`], so analysts' verdicts survive a restart.
//!
//! Layout: the framing of every saved Vigil state (magic [`MEMORY_MAGIC`], version
//! [`MEMORY_VERSION`], length, JSON, FNV-1a 64 checksum), the JSON holding the parameters and,
//! per organisation (sorted by name) and per shared key (sorted by fingerprint), the
//! remembered verdicts oldest first. Key fingerprints depend only on the seed in the
//! parameters, so a loaded memory answers exactly as the saved one did.

use std::collections::VecDeque;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::{Graded, OrgHistory, SharedGraded, VerdictMemory, VerdictMemoryParams};
use crate::envelope;
use crate::error::TriageError;

/// First bytes of a saved verdict memory.
pub const MEMORY_MAGIC: [u8; 4] = *b"VGVM";
/// Format version this build writes and reads.
pub const MEMORY_VERSION: u32 = 1;

/// A verdict as saved: `(z, key, threat)`.
type SavedGraded = (f64, u64, bool);
/// A shared verdict as saved: `(z, org, threat)`.
type SavedShared = (f64, u64, bool);

#[derive(Serialize, Deserialize)]
struct Saved {
    params: VerdictMemoryParams,
    orgs: Vec<(String, f64, Vec<SavedGraded>)>,
    shared: Vec<(u64, Vec<SavedShared>)>,
}

fn bad(reason: String) -> TriageError {
    TriageError::MemoryFormat { reason }
}

impl VerdictMemory {
    /// Writes the memory (parameters and every remembered verdict).
    pub fn save<W: Write>(&self, mut w: W) -> Result<(), TriageError> {
        let mut orgs: Vec<(String, f64, Vec<SavedGraded>)> = self
            .orgs
            .iter()
            .map(|(name, h)| {
                let rows = h.rows.iter().map(|g| (g.z, g.key, g.threat)).collect();
                (name.clone(), h.offset, rows)
            })
            .collect();
        orgs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut shared: Vec<(u64, Vec<SavedShared>)> = self
            .shared
            .iter()
            .map(|(&key, rows)| (key, rows.iter().map(|g| (g.z, g.org, g.threat)).collect()))
            .collect();
        shared.sort_by_key(|s| s.0);
        let saved = Saved {
            params: self.params,
            orgs,
            shared,
        };
        let json = serde_json::to_vec(&saved).map_err(|e| bad(e.to_string()))?;
        envelope::write(&mut w, MEMORY_MAGIC, MEMORY_VERSION, &json)
    }

    /// Reads a memory saved by [`VerdictMemory::save`]; its parameters are checked again, and
    /// a history longer than `max_history` is refused.
    pub fn load<R: Read>(r: R) -> Result<Self, TriageError> {
        let all = envelope::read_all(r)?;
        let (json, rest) = envelope::read(
            &all,
            MEMORY_MAGIC,
            MEMORY_VERSION,
            "a Vigil verdict memory",
            bad,
        )?;
        if !rest.is_empty() {
            return Err(bad(format!("{} bytes after the end", rest.len())));
        }
        let saved: Saved = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
        let mut memory = saved.params.check()?.build();
        let cap = saved.params.max_history;
        for (name, offset, rows) in saved.orgs {
            if rows.len() > cap {
                return Err(bad(format!(
                    "organisation {name:?}: {} verdicts, more than max_history {cap}",
                    rows.len()
                )));
            }
            if !offset.is_finite() || rows.iter().any(|r| !r.0.is_finite()) {
                return Err(bad(format!("organisation {name:?}: a non-finite logit")));
            }
            let rows = rows
                .into_iter()
                .map(|(z, key, threat)| Graded { z, key, threat })
                .collect();
            // Saved sorted by name, once each: a repeat would silently replace the first.
            if memory.orgs.contains_key(&name) {
                return Err(bad(format!("organisation {name:?} is listed twice")));
            }
            memory.orgs.insert(name, OrgHistory { rows, offset });
        }
        for (key, rows) in saved.shared {
            if rows.len() > cap || rows.iter().any(|r| !r.0.is_finite()) {
                return Err(bad(format!(
                    "shared key {key:#018x}: more than max_history {cap} verdicts or a non-finite logit"
                )));
            }
            let rows: VecDeque<SharedGraded> = rows
                .into_iter()
                .map(|(z, org, threat)| SharedGraded { z, org, threat })
                .collect();
            if memory.shared.insert(key, rows).is_some() {
                return Err(bad(format!("shared key {key:#018x} is listed twice")));
            }
        }
        Ok(memory)
    }
}

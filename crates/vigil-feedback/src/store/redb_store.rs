//! The durable store, on redb.
//!
//! Why redb rather than SQLite: redb is pure Rust (no C toolchain, no bundled C library to
//! audit or cross-compile), ACID, and crash-safe by construction — a copy-on-write B-tree
//! whose commits with [`redb::Durability::Immediate`] (the default) are fsync'd before
//! `commit` returns, with a checksummed two-slot header so a torn write falls back to the
//! last committed root. A verdict log needs no SQL: it is an append-only map from a dense id
//! to a record, which is exactly a B-tree table. Records are stored as JSON so a record
//! written by an older release (fewer fields) still decodes.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use vigil_core::VerdictEvent;

use super::{StoredVerdict, VerdictId, VerdictStore};
use crate::FeedbackError;

const VERDICTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("verdicts");

/// Verdicts in a redb database file. `append` commits (fsync) before it returns the id, so
/// every acknowledged verdict survives a crash or `SIGKILL`.
///
/// ```
/// use vigil_feedback::store::{RedbStore, VerdictStore};
/// use vigil_core::{Verdict, VerdictEvent};
/// let dir = std::env::temp_dir().join(format!("vigil-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("verdicts.redb");
/// let e = VerdictEvent { alert_id: "a".into(), verdict: Verdict::FalsePositive,
///     analyst: "ana".into(), at: chrono::DateTime::UNIX_EPOCH, detector: None, reason: None };
/// let id = RedbStore::open(&path).unwrap().append(&e).unwrap();
/// // A new handle (as after a restart) sees the acknowledged verdict.
/// assert_eq!(RedbStore::open(&path).unwrap().get(id).unwrap().unwrap().event, e);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct RedbStore {
    db: Database,
    path: PathBuf,
    next: VerdictId,
}

impl RedbStore {
    /// Opens the database at `path`, creating it (and its table) when absent.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FeedbackError> {
        let path = path.as_ref().to_path_buf();
        let err = |operation, e: &dyn std::fmt::Display| FeedbackError::Store {
            path: path.display().to_string(),
            operation,
            reason: e.to_string(),
        };
        let db = Database::create(&path).map_err(|e| err("open", &e))?;
        // Create the table up front so readers never see "table does not exist".
        let tx = db.begin_write().map_err(|e| err("open", &e))?;
        let next = {
            let table = tx.open_table(VERDICTS).map_err(|e| err("open", &e))?;
            let last = table.last().map_err(|e| err("read", &e))?;
            last.map_or(0, |(k, _)| k.value() + 1)
        };
        tx.commit().map_err(|e| err("commit", &e))?;
        Ok(Self { db, path, next })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, operation: &'static str, e: impl std::fmt::Display) -> FeedbackError {
        FeedbackError::Store {
            path: self.path.display().to_string(),
            operation,
            reason: e.to_string(),
        }
    }

    fn decode(id: VerdictId, bytes: &[u8]) -> Result<StoredVerdict, FeedbackError> {
        let event = serde_json::from_slice(bytes).map_err(|e| FeedbackError::Decode {
            id,
            reason: e.to_string(),
        })?;
        Ok(StoredVerdict { id, event })
    }
}

impl VerdictStore for RedbStore {
    fn append(&mut self, event: &VerdictEvent) -> Result<VerdictId, FeedbackError> {
        Ok(self
            .append_batch(std::slice::from_ref(event))?
            .first()
            .copied()
            .unwrap_or(self.next))
    }

    fn append_batch(&mut self, events: &[VerdictEvent]) -> Result<Vec<VerdictId>, FeedbackError> {
        let mut ids = Vec::with_capacity(events.len());
        let tx = self.db.begin_write().map_err(|e| self.err("append", e))?;
        {
            let mut table = tx.open_table(VERDICTS).map_err(|e| self.err("append", e))?;
            for (id, event) in (self.next..).zip(events) {
                let bytes = serde_json::to_vec(event).map_err(|e| self.err("append", e))?;
                table
                    .insert(id, bytes.as_slice())
                    .map_err(|e| self.err("append", e))?;
                ids.push(id);
            }
        }
        // Durability::Immediate (redb's default): fsync'd before commit returns. Only then
        // is the id handed out, so an acknowledged verdict is on disk.
        tx.commit().map_err(|e| self.err("commit", e))?;
        self.next += ids.len() as u64;
        Ok(ids)
    }

    fn get(&self, id: VerdictId) -> Result<Option<StoredVerdict>, FeedbackError> {
        let tx = self.db.begin_read().map_err(|e| self.err("read", e))?;
        let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
        match table.get(id).map_err(|e| self.err("read", e))? {
            Some(v) => Self::decode(id, v.value()).map(Some),
            None => Ok(None),
        }
    }

    fn len(&self) -> Result<u64, FeedbackError> {
        let tx = self.db.begin_read().map_err(|e| self.err("read", e))?;
        let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
        table.len().map_err(|e| self.err("read", e))
    }

    fn scan(&self, from: VerdictId) -> Result<Vec<StoredVerdict>, FeedbackError> {
        let tx = self.db.begin_read().map_err(|e| self.err("read", e))?;
        let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
        let mut out = Vec::new();
        for row in table.range(from..).map_err(|e| self.err("read", e))? {
            let (k, v) = row.map_err(|e| self.err("read", e))?;
            out.push(Self::decode(k.value(), v.value())?);
        }
        Ok(out)
    }
}

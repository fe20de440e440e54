//! The durable store, on redb.
//!
//! Why redb rather than SQLite: redb is pure Rust (no C toolchain, no bundled C library to
//! audit or cross-compile), ACID, and crash-safe by construction — a copy-on-write B-tree
//! whose commits with [`redb::Durability::Immediate`] (the default) are fsync'd before
//! `commit` returns, with a checksummed two-slot header so a torn write falls back to the
//! last committed root. A verdict log needs no SQL: it is an append-only map from a dense id
//! to a record, which is exactly a B-tree table. Records are JSON (so a record written by an
//! older release, with fewer fields, still decodes) behind a format tag and a checksum over
//! the id and the JSON: redb keeps no checksum of stored values, and a damaged record must be
//! a [`FeedbackError::Decode`] error, never a different verdict. A file damaged so that redb
//! itself panics is a [`FeedbackError::Store`] error.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle,
};
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
    /// Always `Some` until dropped: `Drop` takes it out to drop it under `catch_unwind`.
    db: Option<Database>,
    path: PathBuf,
    next: VerdictId,
    /// Set once a call into redb panicked: the file is corrupt and the handle is not trusted.
    broken: AtomicBool,
}

/// First byte of a record in the current format: the tag, the checksum
/// ([`record_checksum`], u64 LE), then the verdict as JSON. A record starting with `{` is the
/// older plain JSON.
const RECORD_V1: u8 = 1;

/// FNV-1a 64 over the id (u64 LE) and the JSON: redb keeps no checksum of the values it
/// stores, so a flipped bit in a record (or in its key) would otherwise read back as a
/// different verdict. Any one changed byte changes FNV-1a (each step is a bijection).
fn record_checksum(id: VerdictId, json: &[u8]) -> u64 {
    id.to_le_bytes()
        .iter()
        .chain(json)
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// A verdict's stored bytes: tag, checksum, JSON.
fn encode(id: VerdictId, event: &VerdictEvent) -> Result<Vec<u8>, serde_json::Error> {
    let json = serde_json::to_vec(event)?;
    let mut out = Vec::with_capacity(json.len() + 9);
    out.push(RECORD_V1);
    out.extend_from_slice(&record_checksum(id, &json).to_le_bytes());
    out.extend_from_slice(&json);
    Ok(out)
}

/// Ids are dense from 0, so a table holds exactly `last id + 1` verdicts; redb keeps the
/// count in its own metadata, which a damaged file can contradict.
fn dense(len: u64, next: VerdictId) -> Result<(), String> {
    if len == next {
        Ok(())
    } else {
        Err(format!(
            "corrupt table: it counts {len} verdicts but its ids end at {next}"
        ))
    }
}

/// Runs a call into redb, turning a panic into a [`FeedbackError::Store`] error.
///
/// Why: redb trusts its file. A corrupt page (a flipped bit, a copy cut short) can make it
/// index out of bounds or unwrap a `None` deep inside (found by `tests/persist_props.rs`), and
/// a verdict store must answer a damaged file with an error naming it, never take the
/// process down. Nothing of redb's state is used after a caught panic: the handle is marked
/// broken and every later call fails.
fn guarded<T>(
    path: &Path,
    operation: &'static str,
    f: impl FnOnce() -> Result<T, FeedbackError>,
) -> Result<T, FeedbackError> {
    catch_redb_panic(path, operation, f).unwrap_or_else(Err)
}

/// `Ok(what f returned)`, or `Err` with the [`FeedbackError::Store`] a panic inside it became.
fn catch_redb_panic<T>(
    path: &Path,
    operation: &'static str,
    f: impl FnOnce() -> Result<T, FeedbackError>,
) -> Result<Result<T, FeedbackError>, FeedbackError> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        FeedbackError::Store {
            path: path.display().to_string(),
            operation,
            reason: format!("corrupt database file (redb panicked: {what})"),
        }
    })
}

impl RedbStore {
    /// Opens the database at `path`, creating it (and its table) when absent. A file that is
    /// not a redb database, or a damaged one, is a [`FeedbackError::Store`] error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FeedbackError> {
        let path = path.as_ref().to_path_buf();
        let err = |operation, e: &dyn std::fmt::Display| FeedbackError::Store {
            path: path.display().to_string(),
            operation,
            reason: e.to_string(),
        };
        // A file that already holds data must already hold the verdict table: redb creates
        // a missing table silently, and a damaged table directory would otherwise open as an
        // empty store, losing every acknowledged verdict without a word. (A process killed
        // inside its very first `open` leaves a file without the table: refused too, and
        // it held no acknowledged verdict.)
        let existed = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
        let db = guarded(&path, "open", || {
            Database::create(&path).map_err(|e| err("open", &e))
        })?;
        // From here a panic (even in redb's own `Drop`) is caught by the store's guards.
        let mut store = Self {
            db: Some(db),
            path: path.clone(),
            next: 0,
            broken: AtomicBool::new(false),
        };
        store.next = store.guard("open", |db| {
            // Create the table up front so readers never see "table does not exist".
            let tx = db.begin_write().map_err(|e| err("open", &e))?;
            if existed {
                let tables = tx.list_tables().map_err(|e| err("open", &e))?;
                if !tables.into_iter().any(|t| t.name() == VERDICTS.name()) {
                    return Err(err(
                        "open",
                        &"the file has no verdict table: not a verdict store, or damaged",
                    ));
                }
            }
            let next = {
                let table = tx.open_table(VERDICTS).map_err(|e| err("open", &e))?;
                let last = table.last().map_err(|e| err("read", &e))?;
                let next = last.map_or(0, |(k, _)| k.value() + 1);
                let len = table.len().map_err(|e| err("read", &e))?;
                dense(len, next).map_err(|reason| err("open", &reason))?;
                next
            };
            tx.commit().map_err(|e| err("commit", &e))?;
            Ok(next)
        })?;
        Ok(store)
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

    /// [`guarded`] with the database: a panic marks the handle broken, and a broken handle
    /// refuses every call at once.
    fn guard<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Database) -> Result<T, FeedbackError>,
    ) -> Result<T, FeedbackError> {
        let db = match &self.db {
            Some(db) if !self.broken.load(Ordering::Acquire) => db,
            _ => {
                return Err(self.err(operation, "an earlier call found the database file corrupt"));
            }
        };
        catch_redb_panic(&self.path, operation, || f(db)).unwrap_or_else(|panicked| {
            self.broken.store(true, Ordering::Release);
            Err(panicked)
        })
    }

    fn decode(id: VerdictId, bytes: &[u8]) -> Result<StoredVerdict, FeedbackError> {
        let bad = |reason: String| FeedbackError::Decode { id, reason };
        let json = match bytes.split_first() {
            // Written before records carried a checksum: plain JSON, read as it is.
            Some((b'{', _)) => bytes,
            Some((&RECORD_V1, rest)) => {
                let (sum, json) = rest
                    .split_first_chunk::<8>()
                    .ok_or_else(|| bad(format!("record of {} bytes, too short", bytes.len())))?;
                let stored = u64::from_le_bytes(*sum);
                let computed = record_checksum(id, json);
                if stored != computed {
                    return Err(bad(format!(
                        "checksum mismatch: stored {stored:#018x}, computed {computed:#018x}"
                    )));
                }
                json
            }
            Some((tag, _)) => return Err(bad(format!("unknown record format tag {tag:#04x}"))),
            None => return Err(bad("empty record".into())),
        };
        let event = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
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
        let ids = self.guard("append", |db| {
            let mut ids = Vec::with_capacity(events.len());
            let tx = db.begin_write().map_err(|e| self.err("append", e))?;
            {
                let mut table = tx.open_table(VERDICTS).map_err(|e| self.err("append", e))?;
                for (id, event) in (self.next..).zip(events) {
                    let bytes = encode(id, event).map_err(|e| self.err("append", e))?;
                    table
                        .insert(id, bytes.as_slice())
                        .map_err(|e| self.err("append", e))?;
                    ids.push(id);
                }
            }
            // Durability::Immediate (redb's default): fsync'd before commit returns. Only then
            // is the id handed out, so an acknowledged verdict is on disk.
            tx.commit().map_err(|e| self.err("commit", e))?;
            Ok(ids)
        })?;
        self.next += ids.len() as u64;
        Ok(ids)
    }

    fn get(&self, id: VerdictId) -> Result<Option<StoredVerdict>, FeedbackError> {
        self.guard("read", |db| {
            let tx = db.begin_read().map_err(|e| self.err("read", e))?;
            let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
            match table.get(id).map_err(|e| self.err("read", e))? {
                Some(v) => Self::decode(id, v.value()).map(Some),
                None => Ok(None),
            }
        })
    }

    fn len(&self) -> Result<u64, FeedbackError> {
        self.guard("read", |db| {
            let tx = db.begin_read().map_err(|e| self.err("read", e))?;
            let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
            let len = table.len().map_err(|e| self.err("read", e))?;
            let last = table.last().map_err(|e| self.err("read", e))?;
            let next = last.map_or(0, |(k, _)| k.value() + 1);
            dense(len, next).map_err(|reason| self.err("read", reason))?;
            Ok(len)
        })
    }

    fn scan(&self, from: VerdictId) -> Result<Vec<StoredVerdict>, FeedbackError> {
        self.guard("read", |db| {
            let tx = db.begin_read().map_err(|e| self.err("read", e))?;
            let table = tx.open_table(VERDICTS).map_err(|e| self.err("read", e))?;
            let mut out = Vec::new();
            for row in table.range(from..).map_err(|e| self.err("read", e))? {
                let (k, v) = row.map_err(|e| self.err("read", e))?;
                out.push(Self::decode(k.value(), v.value())?);
            }
            Ok(out)
        })
    }
}

impl Drop for RedbStore {
    /// redb's own `Drop` walks its allocator state, and on a corrupt file that can panic too:
    /// dropped under `catch_unwind`, so closing a damaged store is not a crash.
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            // The panic was already reported by the calls that found the file corrupt.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(move || drop(db)));
        }
    }
}

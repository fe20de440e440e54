//! The append-only log of autonomy grants and revocations.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::AutonomyEvent;
use crate::FeedbackError;

/// Where grants and revocations are written. Append-only: there is no way to change or remove
/// an entry through this trait.
pub trait AuditLog {
    /// Appends one event; `Ok` means it is recorded (durably, for a durable log).
    fn append(&mut self, event: &AutonomyEvent) -> Result<(), FeedbackError>;
    /// Every event, oldest first.
    fn events(&self) -> Result<Vec<AutonomyEvent>, FeedbackError>;
}

/// A log in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryAuditLog {
    events: Vec<AutonomyEvent>,
}

impl AuditLog for MemoryAuditLog {
    fn append(&mut self, event: &AutonomyEvent) -> Result<(), FeedbackError> {
        self.events.push(event.clone());
        Ok(())
    }
    fn events(&self) -> Result<Vec<AutonomyEvent>, FeedbackError> {
        Ok(self.events.clone())
    }
}

/// A JSON-lines file opened in append mode; every entry is flushed and fsync'd before
/// `append` returns.
#[derive(Debug)]
pub struct JsonlAuditLog {
    path: PathBuf,
    file: File,
}

impl JsonlAuditLog {
    /// Opens (or creates) the log at `path` for appending.
    ///
    /// A last line without its newline is a write cut short by a crash: `append` had not
    /// returned, so the entry was never acknowledged. It is cut off here, so the log reads
    /// back and the next entry starts on a line of its own.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FeedbackError> {
        let path = path.as_ref().to_path_buf();
        let err = |e: std::io::Error| FeedbackError::AuditLog {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(err)?;
        let bytes = std::fs::read(&path).map_err(err)?;
        if bytes.last().is_some_and(|&b| b != b'\n') {
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64).map_err(err)?;
            file.sync_data().map_err(err)?;
        }
        Ok(Self { path, file })
    }

    fn err(&self, e: impl std::fmt::Display) -> FeedbackError {
        FeedbackError::AuditLog {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

impl AuditLog for JsonlAuditLog {
    fn append(&mut self, event: &AutonomyEvent) -> Result<(), FeedbackError> {
        let mut line = serde_json::to_vec(event).map_err(|e| self.err(e))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|e| self.err(e))?;
        self.file.sync_data().map_err(|e| self.err(e))
    }

    fn events(&self) -> Result<Vec<AutonomyEvent>, FeedbackError> {
        let f = File::open(&self.path).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (i, line) in BufReader::new(f).lines().enumerate() {
            // Name the line for a read error too (a line that is not UTF-8).
            let line = line.map_err(|e| self.err(format!("line {}: {e}", i + 1)))?;
            if line.trim().is_empty() {
                continue;
            }
            let e = serde_json::from_str(&line)
                .map_err(|e| self.err(format!("line {}: {e}", i + 1)))?;
            out.push(e);
        }
        Ok(out)
    }
}

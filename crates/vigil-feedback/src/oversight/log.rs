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

    /// The sequence number the next entry must take so that no number is used twice: past
    /// every number the log holds, and at least its entry count (a policy numbers its entries
    /// 0, 1, 2, ...).
    ///
    /// The default reads [`AuditLog::events`] and fails where it fails; a log that can see
    /// past a damaged entry overrides it ([`JsonlAuditLog`] does).
    fn next_seq(&self) -> Result<u64, FeedbackError> {
        next_after(&self.events()?)
    }
}

/// One past the highest sequence number of `events`, and at least their count.
pub(crate) fn next_after(events: &[AutonomyEvent]) -> Result<u64, FeedbackError> {
    let mut next = events.len() as u64;
    for e in events {
        next = next.max(past(e.seq)?);
    }
    Ok(next)
}

/// `seq + 1`, or an error once the numbers run out.
fn past(seq: u64) -> Result<u64, FeedbackError> {
    seq.checked_add(1)
        .ok_or_else(|| FeedbackError::InvalidData {
            reason: format!("audit log sequence number {seq} is the last one: no number is left"),
        })
}

/// Every sequence number written as `"seq":<digits>` in `line`, however damaged the rest of
/// the line is. serde_json writes the key exactly so, and escapes a quote inside a string, so
/// text in a field cannot look like it; digits that do not fit a `u64` were never written by
/// the policy and are ignored.
fn seqs_in(line: &[u8]) -> impl Iterator<Item = u64> + '_ {
    const KEY: &[u8] = b"\"seq\":";
    line.windows(KEY.len())
        .enumerate()
        .filter(|(_, w)| *w == KEY)
        .filter_map(|(i, _)| {
            let digits = line.get(i + KEY.len()..)?;
            let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
            std::str::from_utf8(digits.get(..n)?).ok()?.parse().ok()
        })
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

    /// Errors: [`FeedbackError::AuditLog`] when the file cannot be read,
    /// [`FeedbackError::AuditLogEntry`] naming the first line that is not an entry.
    fn events(&self) -> Result<Vec<AutonomyEvent>, FeedbackError> {
        let f = File::open(&self.path).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (i, line) in BufReader::new(f).lines().enumerate() {
            let bad = |reason: String| FeedbackError::AuditLogEntry {
                path: self.path.display().to_string(),
                line: i as u64 + 1,
                reason,
            };
            // A line that is not UTF-8 is a read error; it is named like any bad line.
            let line = match line {
                Ok(l) => l,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(bad(e.to_string()));
                }
                Err(e) => return Err(self.err(format!("line {}: {e}", i + 1))),
            };
            if line.trim().is_empty() {
                continue;
            }
            out.push(serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?);
        }
        Ok(out)
    }

    /// Reads past damaged lines: one past the highest `"seq":N` on any line, readable or not,
    /// and at least the number of lines (the policy numbers them from 0, so a damaged line
    /// held a number below that count). Fails only when the file cannot be read.
    fn next_seq(&self) -> Result<u64, FeedbackError> {
        let bytes = std::fs::read(&self.path).map_err(|e| self.err(e))?;
        let mut next = 0u64;
        for line in bytes.split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            next = next.saturating_add(1);
            for seq in seqs_in(line) {
                next = next.max(past(seq)?);
            }
        }
        Ok(next)
    }
}

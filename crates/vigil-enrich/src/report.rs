//! Load reports: per file, every entry read is either accepted or rejected, and each rejection
//! says where and why.

use std::path::{Path, PathBuf};

use serde::Serialize;
use vigil_core::ReadStats;

use crate::EnrichError;

/// Rejections kept per file; the counts always cover all of them.
pub const MAX_KEPT_REJECTS: usize = 100;

/// One rejected entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// 1-based line where the entry is written (0 when it could not be located).
    pub line: u64,
    /// The entry as written.
    pub entry: String,
    /// Why it was rejected.
    pub reason: String,
}

/// What one file yielded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The source name its entries were attributed to.
    pub source: String,
    /// Entries read, accepted and rejected (`read == accepted + rejected`).
    pub stats: ReadStats,
    /// The first [`MAX_KEPT_REJECTS`] rejections.
    pub rejects: Vec<Reject>,
}

impl FileReport {
    /// An empty report for `path`.
    pub fn new(path: &Path, source: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            source: source.into(),
            stats: ReadStats::default(),
            rejects: Vec::new(),
        }
    }

    /// Counts an accepted entry.
    pub fn accept(&mut self) {
        self.stats.read += 1;
        self.stats.accepted += 1;
    }

    /// Counts a rejected entry, keeping the first few.
    pub fn reject(&mut self, line: u64, entry: &str, reason: impl Into<String>) {
        self.stats.read += 1;
        self.stats.rejected += 1;
        if self.rejects.len() < MAX_KEPT_REJECTS {
            self.rejects.push(Reject {
                line,
                entry: entry.chars().take(200).collect(),
                reason: reason.into(),
            });
        }
    }

    /// The kept rejections as typed errors.
    pub fn errors(&self) -> impl Iterator<Item = EnrichError> + '_ {
        self.rejects.iter().map(|r| EnrichError::Entry {
            path: self.path.clone(),
            line: r.line,
            entry: r.entry.clone(),
            reason: r.reason.clone(),
        })
    }
}

/// A file a folder loader skipped whole (bad JSON, not UTF-8 text): none of its entries were
/// loaded, and the files after it still were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped: what was expected and what was found.
    pub reason: String,
}

impl SkippedFile {
    /// The skip as a typed error ([`EnrichError::Format`] naming the file).
    pub fn error(&self) -> EnrichError {
        EnrichError::format(&self.path, self.reason.clone())
    }
}

/// What a set of files yielded.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct LoadReport {
    /// One report per file, in load order.
    pub files: Vec<FileReport>,
    /// Files skipped whole, in load order, each with why (counted by
    /// [`LoadReport::file_stats`]).
    pub skipped: Vec<SkippedFile>,
}

impl LoadReport {
    /// Counts over files: each file read was loaded (it has a [`FileReport`], whatever its
    /// entries' fate) or skipped whole (`read == accepted + rejected`).
    pub fn file_stats(&self) -> ReadStats {
        let (loaded, skipped) = (self.files.len() as u64, self.skipped.len() as u64);
        ReadStats {
            read: loaded + skipped,
            accepted: loaded,
            rejected: skipped,
        }
    }

    /// Records a file skipped whole, with why.
    pub fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.skipped.push(SkippedFile {
            path: path.to_path_buf(),
            reason: reason.into(),
        });
    }

    /// Counts of entries over all loaded files (a skipped file's entries were never read).
    pub fn totals(&self) -> ReadStats {
        let mut t = ReadStats::default();
        for f in &self.files {
            t.merge(f.stats);
        }
        t
    }

    /// True when every file's counts are conserved.
    pub fn is_conserved(&self) -> bool {
        self.files.iter().all(|f| f.stats.is_conserved())
    }

    /// Appends another report's files, loaded and skipped.
    pub fn extend(&mut self, other: LoadReport) {
        self.files.extend(other.files);
        self.skipped.extend(other.skipped);
    }

    /// Adds one file's report.
    pub fn push(&mut self, f: FileReport) {
        self.files.push(f);
    }
}

/// Finds the line of successive entries in a JSON text, scanning forward only: entries are
/// looked up in file order, so the whole file is scanned at most once.
#[derive(Debug)]
pub(crate) struct LineFinder<'t> {
    text: &'t str,
    pos: usize,
    line: u64,
}

impl<'t> LineFinder<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The line of the next occurrence of `needle` at or after the last one found (0 when
    /// absent, e.g. written with escapes the needle does not use).
    pub(crate) fn find(&mut self, needle: &str) -> u64 {
        let Some(rest) = self.text.get(self.pos..) else {
            return 0;
        };
        match rest.find(needle) {
            Some(off) => {
                let upto = rest.get(..off).unwrap_or("");
                self.line += upto.bytes().filter(|&b| b == b'\n').count() as u64;
                self.pos += off;
                self.line
            }
            None => 0,
        }
    }

    /// The line of a JSON string value, written as serde_json would escape it.
    pub(crate) fn find_json_str(&mut self, value: &str) -> u64 {
        match serde_json::to_string(value) {
            Ok(q) => self.find(&q),
            Err(_) => 0,
        }
    }
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_text(path: &Path) -> Result<String, EnrichError> {
    std::fs::read_to_string(path).map_err(|e| EnrichError::io(path, e))
}

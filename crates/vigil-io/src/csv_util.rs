//! Helpers shared by the CSV readers.

use csv::ByteRecord;
use indexmap::IndexMap;
use vigil_core::RecordError;

use crate::IoError;

/// What every CSV reader keeps whatever its format: the parser, the current row and its
/// number, the header, and whether to copy rows into [`vigil_core::Alert::raw`].
pub(crate) struct Rows<R: std::io::Read> {
    csv: csv::Reader<R>,
    /// The current row.
    pub(crate) rec: ByteRecord,
    header: Vec<String>,
    raw: RawTemplate,
    /// The input's name, for errors.
    pub(crate) source_name: String,
    keep_raw: bool,
    /// The current row's number (1-based, header excluded).
    pub(crate) record: u64,
    done: bool,
}

impl<R: std::io::Read> Rows<R> {
    /// Rows of `csv`, whose `header` the caller has read (and normalised, if it does).
    pub(crate) fn new(
        csv: csv::Reader<R>,
        header: Vec<String>,
        source_name: &str,
        keep_raw: bool,
    ) -> Self {
        Self {
            csv,
            rec: ByteRecord::new(),
            raw: RawTemplate::new(&header),
            header,
            source_name: source_name.to_owned(),
            keep_raw,
            record: 0,
            done: false,
        }
    }

    /// Steps to the next row: `None` at the end, `Some(Ok(()))` with the row in `rec` (and
    /// `record` counted), or `Some(Err(..))` for an I/O or decompression error, after which the
    /// stream cannot be trusted and ends.
    pub(crate) fn advance(&mut self) -> Option<Result<(), RecordError>> {
        if self.done {
            return None;
        }
        match self.csv.read_byte_record(&mut self.rec) {
            Ok(true) => {
                self.record += 1;
                Some(Ok(()))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                // Only I/O (or decompression) errors reach here with a flexible byte reader.
                self.done = true;
                self.record += 1;
                // The reader stamps `rec` with where the record starts before reading it, so
                // it holds the failed record's line.
                Some(Err(stream_error(
                    &e,
                    &self.source_name,
                    self.record,
                    line_of(&self.rec),
                )))
            }
        }
    }

    /// Where the current row sits, once it is checked to have as many fields as the header.
    pub(crate) fn at(&self) -> Result<At<'_>, RecordError> {
        let at = At {
            source_name: &self.source_name,
            record: self.record,
            line: line_of(&self.rec),
        };
        if self.rec.len() != self.header.len() {
            return Err(at.error(
                None,
                format!(
                    "expected {} fields, found {}",
                    self.header.len(),
                    self.rec.len()
                ),
            ));
        }
        Ok(at)
    }

    /// Copies the current row into `alert.raw` when the reader keeps raw fields.
    pub(crate) fn fill_raw(&self, alert: &mut vigil_core::Alert) {
        if self.keep_raw {
            alert.raw = self.raw.fill(&self.header, &self.rec);
        }
    }
}

/// Builds a CSV reader: headers read by the caller, ragged rows allowed (the caller reports
/// them as record errors instead of failing the file).
pub(crate) fn reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(input)
}

/// Reads the header's column names (trimmed; invalid UTF-8 replaced).
pub(crate) fn header<R: std::io::Read>(
    csv: &mut csv::Reader<R>,
    source_name: &str,
) -> Result<Vec<String>, IoError> {
    let h = csv.byte_headers().map_err(|e| IoError::Header {
        source_name: source_name.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(h.iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect())
}

/// Index of `column` in `header` (ASCII case-insensitive, so GUIDE's `OrgId` spelling works
/// too), or a missing-column error listing `expected`.
pub(crate) fn find(
    header: &[String],
    column: &'static str,
    expected: &[&str],
    source_name: &str,
) -> Result<usize, IoError> {
    header
        .iter()
        .position(|h| h.eq_ignore_ascii_case(column))
        .ok_or_else(|| IoError::MissingColumn {
            source_name: source_name.to_owned(),
            column,
            expected: expected.join(","),
        })
}

/// Where a record sits (CSV or JSON), for its errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) source_name: &'a str,
    pub(crate) record: u64,
    pub(crate) line: u64,
}

impl At<'_> {
    /// An error about this record.
    pub(crate) fn error(&self, field: Option<&str>, reason: impl Into<String>) -> RecordError {
        RecordError {
            source_name: self.source_name.to_owned(),
            record: self.record,
            line: self.line,
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }

    /// The field at `index` as UTF-8 text (absent fields read as empty).
    pub(crate) fn text<'r>(
        &self,
        rec: &'r ByteRecord,
        index: usize,
        name: &str,
    ) -> Result<&'r str, RecordError> {
        let bytes = rec.get(index).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|e| {
            self.error(
                Some(name),
                format!(
                    "expected UTF-8 text, found invalid byte at offset {}",
                    e.valid_up_to()
                ),
            )
        })
    }
}

/// The line a record starts on (1-based), from the CSV parser's position.
pub(crate) fn line_of(rec: &ByteRecord) -> u64 {
    rec.position().map_or(0, |p| p.line())
}

/// Maps a CSV parser error (an I/O or decompression failure mid-stream) to a record error.
/// I/O errors carry no position, so the line is then `line`: where the failed record starts
/// (a truncated gzip fails there), never a meaningless 0.
pub(crate) fn stream_error(
    e: &csv::Error,
    source_name: &str,
    record: u64,
    line: u64,
) -> RecordError {
    let line = e.position().map_or(line, |p| p.line());
    RecordError {
        source_name: source_name.to_owned(),
        record,
        line,
        field: None,
        reason: format!("cannot read input: {e}"),
    }
}

/// Builds [`vigil_core::Alert::raw`] from a row cheaply: a template map holding every header
/// name is cloned (copying its hash table instead of hashing every key again for every row)
/// and its values filled in by position.
#[derive(Debug, Clone)]
pub(crate) struct RawTemplate {
    map: IndexMap<String, String>,
    /// False when the header repeats a name: positions and entries no longer line up.
    by_position: bool,
}

impl RawTemplate {
    pub(crate) fn new(header: &[String]) -> Self {
        let map: IndexMap<String, String> =
            header.iter().map(|h| (h.clone(), String::new())).collect();
        Self {
            by_position: map.len() == header.len(),
            map,
        }
    }

    /// The row's fields keyed by column name, in file order (invalid UTF-8 replaced).
    pub(crate) fn fill(&self, header: &[String], rec: &ByteRecord) -> IndexMap<String, String> {
        if !self.by_position {
            let mut raw = IndexMap::with_capacity(header.len());
            for (k, v) in header.iter().zip(rec.iter()) {
                raw.insert(k.clone(), String::from_utf8_lossy(v).into_owned());
            }
            return raw;
        }
        let mut raw = self.map.clone();
        for (slot, v) in raw.values_mut().zip(rec.iter()) {
            *slot = String::from_utf8_lossy(v).into_owned();
        }
        raw
    }
}

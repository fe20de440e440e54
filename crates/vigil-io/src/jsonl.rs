//! Vigil's own JSON Lines: one serialised [`Alert`] per line. Read them with
//! [`crate::Format::Jsonl`]; write them with [`JsonlWriter`].

use std::io::Write;

use vigil_core::Alert;

use crate::IoError;

/// Writes alerts as JSON Lines, one object per line.
///
/// ```
/// use vigil_io::{read, Format, JsonlWriter, ReadOptions};
/// use vigil_core::Alert;
///
/// let mut w = JsonlWriter::new(Vec::new());
/// w.write(&Alert::new("a-1", chrono::DateTime::UNIX_EPOCH, "Port scan"))?;
/// let bytes = w.finish()?;
/// let back: Vec<_> = read(Format::Jsonl, std::io::Cursor::new(bytes), "mem", &ReadOptions::new())?
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(back[0].title, "Port scan");
/// # Ok::<(), vigil_io::IoError>(())
/// ```
#[derive(Debug)]
pub struct JsonlWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer onto `out` (wrap files in a `BufWriter`).
    pub fn new(out: W) -> Self {
        Self { out, written: 0 }
    }

    /// Writes one alert and a newline.
    pub fn write(&mut self, alert: &Alert) -> Result<(), IoError> {
        serde_json::to_writer(&mut self.out, alert).map_err(|source| {
            if source.is_io() {
                IoError::Write {
                    source: source.into(),
                }
            } else {
                IoError::Serialize {
                    id: alert.id.clone(),
                    source,
                }
            }
        })?;
        self.out
            .write_all(b"\n")
            .map_err(|source| IoError::Write { source })?;
        self.written += 1;
        Ok(())
    }

    /// Writes every alert of an iterator.
    pub fn write_all<'a>(
        &mut self,
        alerts: impl IntoIterator<Item = &'a Alert>,
    ) -> Result<(), IoError> {
        alerts.into_iter().try_for_each(|a| self.write(a))
    }

    /// Alerts written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> Result<W, IoError> {
        self.out
            .flush()
            .map_err(|source| IoError::Write { source })?;
        Ok(self.out)
    }
}

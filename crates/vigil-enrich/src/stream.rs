//! Enriching a JSON Lines stream of alerts (`vigil enrich`).

use std::io::{BufRead, Write};

use serde::Serialize;
use vigil_core::{Alert, Enricher, RecordError};

use crate::EnrichError;

/// Counts of one stream: every line read is either enriched or rejected (blank lines are not
/// records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StreamStats {
    /// Non-blank lines read.
    pub read: u64,
    /// Alerts enriched and written.
    pub enriched: u64,
    /// Lines that were not a Vigil alert.
    pub rejected: u64,
    /// Context items added.
    pub items: u64,
    /// Enricher failures recorded on alerts.
    pub failures: u64,
}

/// Alerts enriched together: enough for an indicator store to overlap its memory reads
/// across them, few enough that a slow stream is written out promptly.
pub const BATCH: usize = 256;

/// Reads one [`Alert`] per line from `input`, enriches it with `enricher`, writes it as one
/// line to `output`, in input order. Alerts go through [`Enricher::enrich_alerts`] in batches
/// of up to 256 lines, so batched lookups serve the stream. A bad line is passed to
/// `on_error` (with its line number) and skipped.
pub fn enrich_jsonl(
    input: impl BufRead,
    mut output: impl Write,
    enricher: &dyn Enricher,
    source_name: &str,
    mut on_error: impl FnMut(RecordError),
) -> Result<StreamStats, EnrichError> {
    let mut stats = StreamStats::default();
    let io = |e| EnrichError::io(source_name, e);
    let mut batch: Vec<Alert> = Vec::with_capacity(BATCH);
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        stats.read += 1;
        match serde_json::from_str::<Alert>(&line) {
            Ok(alert) => batch.push(alert),
            Err(e) => {
                stats.rejected += 1;
                on_error(RecordError {
                    source_name: source_name.to_owned(),
                    record: stats.read,
                    line: i as u64 + 1,
                    field: None,
                    reason: format!("not a Vigil alert: {e}"),
                });
            }
        }
        if batch.len() == BATCH {
            write_batch(&mut batch, enricher, &mut output, &mut stats, source_name)?;
        }
    }
    write_batch(&mut batch, enricher, &mut output, &mut stats, source_name)?;
    output.flush().map_err(io)?;
    Ok(stats)
}

/// Enriches a batch in place, writes it in order and empties it.
fn write_batch(
    batch: &mut Vec<Alert>,
    enricher: &dyn Enricher,
    mut output: impl Write,
    stats: &mut StreamStats,
    source_name: &str,
) -> Result<(), EnrichError> {
    let before: Vec<(usize, usize)> = batch
        .iter()
        .map(|a| (a.enrichment.items.len(), a.enrichment.failures.len()))
        .collect();
    enricher.enrich_alerts(batch);
    for (alert, (items, failures)) in batch.iter().zip(before) {
        stats.items += alert.enrichment.items.len().saturating_sub(items) as u64;
        stats.failures += alert.enrichment.failures.len().saturating_sub(failures) as u64;
        serde_json::to_writer(&mut output, alert)
            .map_err(|e| EnrichError::io(source_name, e.into()))?;
        output
            .write_all(b"\n")
            .map_err(|e| EnrichError::io(source_name, e))?;
        stats.enriched += 1;
    }
    batch.clear();
    Ok(())
}

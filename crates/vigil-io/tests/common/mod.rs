//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use vigil_core::{Alert, ReadStats, RecordError};
use vigil_io::{Format, ReadOptions, read};

/// A file under the shared datasets folder ([`vigil_io::datasets`]), or `None` after printing
/// why the caller skips.
pub fn datasets(what: &str) -> Option<PathBuf> {
    let found = vigil_io::datasets::find(what);
    if found.is_none() {
        println!("skipping: {what} not found under the datasets folder (set VIGIL_DATASETS)");
    }
    found
}

/// Reads bytes in a format; returns the results and the reader's counts.
pub fn read_bytes(
    format: Format,
    bytes: &[u8],
    options: &ReadOptions,
) -> (Vec<Result<Alert, RecordError>>, ReadStats) {
    let mut records = read(
        format,
        std::io::Cursor::new(bytes.to_vec()),
        "test",
        options,
    )
    .expect("header should be readable");
    let out: Vec<_> = records.by_ref().collect();
    (out, records.stats())
}

/// The alerts, panicking on any rejected record.
pub fn ok_alerts(format: Format, text: &str) -> Vec<Alert> {
    let (rs, stats) = read_bytes(format, text.as_bytes(), &ReadOptions::new());
    assert!(stats.is_conserved());
    rs.into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("unexpected reject: {e}")))
        .collect()
}

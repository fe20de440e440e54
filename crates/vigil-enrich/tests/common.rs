//! Shared test helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

/// The shared data folder, or `None` (with the reason printed) when it is absent.
pub fn datasets() -> Option<PathBuf> {
    let p = std::env::var_os("VIGIL_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets")
        });
    if p.join("intel").is_dir() {
        Some(p)
    } else {
        println!(
            "skipping: data folder {} not found (set VIGIL_DATASETS)",
            p.display()
        );
        None
    }
}

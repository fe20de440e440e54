//! Shared test helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

/// The shared data folder ([`vigil_io::datasets`]) when it holds `intel/`, or `None` with the
/// reason printed.
pub fn datasets() -> Option<PathBuf> {
    let found = vigil_io::datasets::find("intel").and_then(|p| p.parent().map(PathBuf::from));
    if found.is_none() {
        println!("skipping: datasets folder with intel/ not found (set VIGIL_DATASETS)");
    }
    found
}

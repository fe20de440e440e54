//! Where the public datasets Vigil is evaluated on live, so tests, benches and examples find
//! them the same way: `$VIGIL_DATASETS` when set, else a `shared/datasets` folder beside the
//! current directory or one of its ancestors (a checkout with `../shared` next to it, run
//! from the checkout or any folder inside it). Nothing is copied; callers read by path.

use std::path::{Path, PathBuf};

/// The environment variable that names the datasets folder.
pub const ENV: &str = "VIGIL_DATASETS";

/// The datasets folder, when one is found (see the module docs).
///
/// ```
/// // Absent data is `None`, never an error: callers skip and say why.
/// if let Some(root) = vigil_io::datasets::root() {
///     assert!(root.is_dir());
/// }
/// ```
pub fn root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(ENV) {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|a| a.join("shared/datasets"))
        .find(|d| d.is_dir())
}

/// A file or folder under the datasets folder, when it exists.
///
/// ```
/// if let Some(guide) = vigil_io::datasets::find("guide/guide_sample.csv") {
///     assert!(guide.is_file());
/// }
/// ```
pub fn find(relative: impl AsRef<Path>) -> Option<PathBuf> {
    let path = root()?.join(relative);
    path.exists().then_some(path)
}

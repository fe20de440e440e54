//! The alert-file arguments shared by the commands that read files of one format
//! (`vigil inspect`, `vigil bench read`), and how they open a file.

use std::path::{Path, PathBuf};

use vigil_io::{Format, ReadOptions, Records};

use crate::CliError;

/// Alert files of one format.
#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// Input format: ait-ads, guide, ocsf, ecs or jsonl.
    #[arg(long)]
    pub format: Format,
    /// Alert files (gzip is detected by content).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Do not keep raw source fields (faster; the counts are the same).
    #[arg(long)]
    pub no_raw: bool,
}

impl SourceArgs {
    /// Opens one of the files with the options the flags ask for.
    pub fn open(&self, path: &Path) -> Result<Records, CliError> {
        let options = ReadOptions::new().keep_raw(!self.no_raw);
        vigil_io::read_path_with(self.format, path, &options).map_err(|e| CliError::layer("io", e))
    }
}

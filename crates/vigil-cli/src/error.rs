//! The CLI's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Errors the `vigil` binary reports before exiting non-zero.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Standard output could not be written (a closed pipe, a full disk).
    #[error("standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// Arguments that do not fit together.
    #[error("usage: {0}")]
    Usage(String),
    /// A Vigil layer failed.
    #[error("{layer}: {source}")]
    Layer {
        /// Which layer (`io`, `triage`, ...).
        layer: &'static str,
        /// Its error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CliError {
    /// Wraps a layer's error.
    pub fn layer(layer: &'static str, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Layer {
            layer,
            source: Box::new(e),
        }
    }

    /// Wraps an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// True when the error, or any error beneath it, is a closed pipe: the reader went away
    /// (`vigil … | head`), which is not a failure of the command.
    pub fn is_broken_pipe(&self) -> bool {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cur {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return true;
            }
            cur = e.source();
        }
        false
    }
}

impl From<vigil_core::CoreError> for CliError {
    fn from(e: vigil_core::CoreError) -> Self {
        Self::layer("core", e)
    }
}

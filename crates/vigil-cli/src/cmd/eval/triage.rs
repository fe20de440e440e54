//! `vigil eval triage`: triage quality on unseen organisations.

use crate::CliError;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command.
pub fn run(_args: Args) -> Result<(), CliError> {
    Err(CliError::Usage("not implemented yet".into()))
}

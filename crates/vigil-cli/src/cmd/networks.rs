//! The network-set arguments shared by the commands that train on some AIT-ADS networks and
//! test on others (`vigil replay`, `vigil eval feedback`), and their one check.

use std::path::PathBuf;

use crate::CliError;

/// Which networks to train on and which to test on.
#[derive(Debug, clap::Args)]
pub struct NetworkArgs {
    /// Input format (only `ait-ads` carries the attack labels these commands score against).
    #[arg(long, default_value = "ait-ads")]
    pub format: String,
    /// Networks to train on (one file each).
    #[arg(long, num_args = 1..)]
    pub train: Vec<PathBuf>,
    /// Networks to test on (one file each). With `--leave-one-out`, every one is tested in
    /// turn by a model trained on all the others.
    #[arg(long, num_args = 1.., required = true)]
    pub test: Vec<PathBuf>,
    /// Rotate: test each `--test` network, training on the other ones (`--train` must then
    /// be empty).
    #[arg(long)]
    pub leave_one_out: bool,
}

impl NetworkArgs {
    /// Errors unless the format is `ait-ads` and exactly one of `--train` and
    /// `--leave-one-out` is given.
    pub fn check(&self) -> Result<(), CliError> {
        if self.format != "ait-ads" {
            return Err(CliError::Usage(format!(
                "--format {}: only ait-ads carries the attack labels this command needs",
                self.format
            )));
        }
        if self.leave_one_out != self.train.is_empty() {
            return Err(CliError::Usage(
                "give --train FILES, or --leave-one-out without --train".into(),
            ));
        }
        Ok(())
    }
}

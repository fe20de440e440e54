//! `vigil eval …`: quality of each layer on real data.

use clap::Subcommand;

use crate::CliError;

pub mod baseline;
pub mod feedback;
pub mod triage;

/// Evaluations.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Unsupervised anomaly detection (NSL-KDD, AIT-ADS per host).
    Baseline(baseline::Args),
    /// Triage scoring on organisations never seen in training (GUIDE).
    Triage(triage::Args),
    /// Feedback-driven retraining on networks never seen in training (AIT-ADS).
    Feedback(feedback::Args),
}

/// Runs an evaluation.
pub fn run(c: Command) -> Result<(), CliError> {
    match c {
        Command::Baseline(a) => baseline::run(a),
        Command::Triage(a) => triage::run(a),
        Command::Feedback(a) => feedback::run(a),
    }
}

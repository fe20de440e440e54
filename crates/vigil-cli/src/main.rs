//! `vigil`: the command-line interface to Vigil.
//!
//! Each subcommand lives in its own file under `cmd/`; this file only wires them to clap.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod error;
mod out;

pub use error::CliError;

/// Vigil: the AI and collaboration layer of a security operations center.
#[derive(Debug, Parser)]
#[command(name = "vigil", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the main job: generate an enterprise, train, replay a traditional and an
    /// AI-augmented SOC side by side, print the table and write the report.
    Demo(cmd::demo::Args),
    /// Read alert files and print counts, balance, time span and read rate.
    Inspect(cmd::inspect::Args),
    /// Enrich JSON Lines alerts from standard input to standard output.
    Enrich(cmd::enrich::Args),
    /// Write the exact triage feature matrix of a data set to CSV.
    ExportFeatures(cmd::export_features::Args),
    /// Replay real alert streams through FIFO, severity-first and Vigil queues.
    Replay(cmd::replay::Args),
    /// Evaluate a layer on real data.
    #[command(subcommand)]
    Eval(cmd::eval::Command),
    /// Measure speed and memory.
    #[command(subcommand)]
    Bench(cmd::bench::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::run(a),
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Enrich(a) => cmd::enrich::run(a),
        Command::ExportFeatures(a) => cmd::export_features::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Eval(c) => cmd::eval::run(c),
        Command::Bench(c) => cmd::bench::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader closed the pipe: it has what it wanted, so end quietly (as `head` expects).
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Output helpers shared by subcommands.

use serde::Serialize;

use crate::CliError;

/// Prints a value as one line of JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let s = serde_json::to_string(value).map_err(|e| CliError::layer("json", e))?;
    println!("{s}");
    Ok(())
}

//! Output helpers shared by subcommands.
//!
//! Everything a subcommand prints on standard output goes through [`write`] (or the
//! [`outln!`]/[`outp!`] macros over it), so a closed pipe (`vigil … | head`) comes back as
//! [`CliError::Stdout`] instead of the panic `println!` raises, and `main` can end quietly.

use std::fmt;
use std::io::Write;

use serde::Serialize;

use crate::CliError;

/// Writes formatted text to standard output.
pub fn write(args: fmt::Arguments<'_>) -> Result<(), CliError> {
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(CliError::Stdout)
}

/// Like `println!`, but a failed write returns [`CliError::Stdout`] from the caller.
macro_rules! outln {
    () => {
        $crate::out::write(::std::format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::out::write(::std::format_args!("{}\n", ::std::format_args!($($arg)*)))?
    };
}

/// Like `print!`, but a failed write returns [`CliError::Stdout`] from the caller.
macro_rules! outp {
    ($($arg:tt)*) => {
        $crate::out::write(::std::format_args!($($arg)*))?
    };
}

pub(crate) use {outln, outp};

/// Prints a value as one line of JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let s = serde_json::to_string(value).map_err(|e| CliError::layer("json", e))?;
    outln!("{s}");
    Ok(())
}

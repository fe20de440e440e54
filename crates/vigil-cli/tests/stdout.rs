//! What `vigil` does when standard output goes away: a reader that closes the pipe early
//! (`vigil … | head`) ends the command quietly with success, and a write that fails for
//! another reason is a reported error, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests may panic.

use std::process::{Command, Output, Stdio};

/// A tiny model, so the command runs in a debug build within a second or two.
const SCORE: [&str; 10] = [
    "bench",
    "score",
    "--rows",
    "400",
    "--trees",
    "2",
    "--depth",
    "2",
    "--features",
    "4",
];

/// Runs `vigil args…` with standard output a pipe whose reading end is already closed, so the
/// first write fails with `EPIPE` whatever the timing.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Asserts that `vigil args…` into a closed pipe exits with success and no panic.
fn ends_quietly(args: &[&str]) {
    let out = into_closed_pipe(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "status {:?}, stderr {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_pipe_ends_the_table_quietly() {
    ends_quietly(&SCORE);
}

#[test]
fn a_closed_pipe_ends_the_json_quietly() {
    let mut args = SCORE.to_vec();
    args.push("--json");
    ends_quietly(&args);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_a_reported_failure() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        println!("skipping: /dev/full cannot be opened here");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(SCORE)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("vigil: standard output:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

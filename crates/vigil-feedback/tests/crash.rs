//! An acknowledged verdict survives SIGKILL: a child process appends verdicts to a redb file
//! and prints each id once `append` has returned; the parent kills it mid-stream, reopens the
//! store and finds every acknowledged verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use vigil_feedback::store::{RedbStore, VerdictStore};

mod common;
use common::numbered_event as event;

const CHILD_ENV: &str = "VIGIL_FEEDBACK_CRASH_CHILD";

/// The child: runs only when re-executed by the parent with the env var set.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not a child: the parent test below does the work.
    };
    let mut store = RedbStore::open(&path).unwrap();
    let start = store.len().unwrap();
    let mut out = std::io::stdout().lock();
    for i in start..start + 1_000_000 {
        let id = store.append(&event(i)).unwrap();
        writeln!(out, "ack {id}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_verdicts_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verdicts.redb");
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<u64> = Vec::new();
    // Three rounds: kill after a different number of acknowledgements each time; every round
    // restarts on the file the previous one was killed writing.
    for kill_after in [40_usize, 7, 90] {
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut round = 0;
        while round < kill_after {
            let Some(line) = lines.next() else { break };
            if let Some(id) = line.unwrap().strip_prefix("ack ") {
                acked.push(id.trim().parse().unwrap());
                round += 1;
            }
        }
        // SIGKILL on Unix: no destructors, no flush, no chance to finish a commit.
        child.kill().unwrap();
        // Acks already in the pipe were acknowledged too.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("ack ") {
                acked.push(id.trim().parse().unwrap());
            }
        }
        child.wait().unwrap();
        assert!(
            round == kill_after,
            "child stopped early after {round} acks"
        );

        let store = RedbStore::open(&path).unwrap();
        for id in &acked {
            let got = store.get(*id).unwrap();
            assert_eq!(
                got.map(|g| g.event),
                Some(event(*id)),
                "acknowledged verdict {id} lost"
            );
        }
        // Nothing beyond what was written: ids stay dense.
        assert_eq!(store.scan(0).unwrap().len() as u64, store.len().unwrap());
    }
    assert!(acked.len() >= 137);
}

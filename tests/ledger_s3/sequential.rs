//! Many separate runners extend one chain on s3s-fs: 8 long-lived processes, each with its
//! own S3 client, append 50 signed entries each, taking turns round-robin (runner 0, 1, …, 7,
//! 0, …) so every append must find the end of the chain another process left. The turns
//! keep creates from overlapping, which s3s-fs needs (its create-if-absent is not atomic:
//! see race_evidence.rs); the truly concurrent 8 × 50 run is `cli::eight_runners_append_one_
//! linear_chain`, ignored until pointed at a compliant server.

use super::server::S3Server;
use super::util::{command, stderr, stdout};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tollgate::ledger::entry::Kind;
use tollgate::ledger::query::LogRecord;
use tollgate::ledger::s3::S3Store;
use tollgate::ledger::{append, record};
use tollgate::signing::Signer;

const RUNNERS: usize = 8;
const APPENDS: usize = 50;
// A bound for a stuck runner, not the expected time: about 25 s on an idle 2-core machine
// (s3s-fs answers each GET after a delayed ACK, ~20 ms; docs/ledger-s3.md).
const TURN_TIMEOUT: Duration = Duration::from_secs(90);

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name}: run by sequential_runners_*"))
}

/// The file that says turn `n` (0-based) may start; written when turn `n - 1` is durable.
fn turn_file(turns: &Path, n: usize) -> PathBuf {
    turns.join(format!("turn-{n}"))
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + TURN_TIMEOUT;
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The child side of `sequential_runners_extend_one_linear_chain`: one runner.
#[test]
#[ignore = "child process of sequential_runners_extend_one_linear_chain"]
fn sequential_runner_child() {
    let me: usize = var("TOLLGATE_S3_RUNNER").parse().unwrap();
    let turns = PathBuf::from(var("TOLLGATE_S3_RUNNER_TURNS"));
    let store = S3Store::open(&var("TOLLGATE_S3_RUNNER_URL")).unwrap();
    let signer = Signer::load(Path::new(&var("TOLLGATE_S3_RUNNER_KEY")), None).unwrap();
    for i in 0..APPENDS {
        let turn = i * RUNNERS + me;
        wait_for(&turn_file(&turns, turn));
        let time = tollgate::verdict::rfc3339(time::OffsetDateTime::now_utc());
        let reason = format!("runner {me} append {i}");
        let by = format!("runner {me}");
        let statement = record::freeze_statement(Kind::Freeze, "regtest", &reason, &by, &time);
        let signature = record::OpsSignature {
            minisig: tollgate::ledger::ops::sign(&statement, &signer).unwrap(),
            public_key: signer.public_key_base64(),
        };
        let pending = record::freeze_entry(&statement, Some(signature));
        let id = append::append(&store, pending, Some(&signer))
            .unwrap_or_else(|e| panic!("runner {me}, append {i}: {e}"));
        println!("APPENDED {} {}", id.seq, id.sha256);
        std::fs::write(turn_file(&turns, turn + 1), b"").unwrap();
    }
}

fn spawn(server: &S3Server, url: &str, turns: &Path, key: &Path, me: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "sequential::sequential_runner_child",
            "--exact",
            "--ignored",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .envs(server.env())
        .env("TOLLGATE_S3_RUNNER", me.to_string())
        .env("TOLLGATE_S3_RUNNER_TURNS", turns)
        .env("TOLLGATE_S3_RUNNER_URL", url)
        .env("TOLLGATE_S3_RUNNER_KEY", key)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn output(child: &mut Child) -> String {
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Wait for every runner; the first one that fails stops the others and fails the test.
fn wait_all(children: &mut [Child]) -> Vec<String> {
    let deadline = Instant::now() + TURN_TIMEOUT;
    let mut outputs = vec![None; children.len()];
    while outputs.iter().any(Option::is_none) {
        for (r, child) in children.iter_mut().enumerate() {
            if outputs[r].is_some() {
                continue;
            }
            if let Some(status) = child.try_wait().unwrap() {
                let text = output(child);
                if !status.success() {
                    for other in children.iter_mut() {
                        let _ = other.kill();
                        let _ = other.wait();
                    }
                    panic!("runner {r} failed ({status}):\n{text}");
                }
                outputs[r] = Some(text);
            }
        }
        if Instant::now() > deadline {
            for child in children.iter_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
            panic!("runners still going after {TURN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    outputs.into_iter().map(Option::unwrap).collect()
}

#[test]
fn sequential_runners_extend_one_linear_chain() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let keys = tollgate::signing::keygen(&scratch.path().join("keys"), None).unwrap();
    let turns = scratch.path().join("turns");
    std::fs::create_dir(&turns).unwrap();
    let url = server.url("sequential/ledger");
    let mut children: Vec<Child> = (0..RUNNERS)
        .map(|me| spawn(&server, &url, &turns, &keys.secret, me))
        .collect();
    std::fs::write(turn_file(&turns, 0), b"").unwrap();
    let outputs = wait_all(&mut children);

    // What each runner was told it appended.
    let mut reported: Vec<(u64, String, usize)> = Vec::new();
    for (runner, text) in outputs.iter().enumerate() {
        // The test harness may print its own text before the first line on the same line.
        for line in text
            .lines()
            .filter_map(|l| l.split_once("APPENDED ").map(|x| x.1))
        {
            let (seq, sha) = line.split_once(' ').unwrap();
            reported.push((seq.parse().unwrap(), sha.to_owned(), runner));
        }
    }
    reported.sort();
    assert_eq!(
        reported.len(),
        RUNNERS * APPENDS,
        "ids the runners reported"
    );

    let run = |args: &[&str]| {
        command(args)
            .args(["--store", &url])
            .envs(server.env())
            .output()
            .unwrap()
    };
    let out = run(&["audit", "log", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log: Vec<LogRecord> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log.len(), RUNNERS * APPENDS);
    for (i, (record, (seq, sha, runner))) in log.iter().zip(&reported).enumerate() {
        // Entry i + 1 is turn i: runner i % 8's (i / 8)-th append, and the runner got its id.
        assert_eq!(record.seq, i as u64 + 1);
        assert_eq!(
            (*seq, sha),
            (record.seq, &record.entry_sha256),
            "entry {seq}"
        );
        assert_eq!(*runner, i % RUNNERS, "entry {seq}");
        let reason = format!("runner {} append {}", i % RUNNERS, i / RUNNERS);
        assert_eq!(
            record.reason.as_deref(),
            Some(reason.as_str()),
            "entry {seq}"
        );
    }

    let out = run(&["audit", "verify", "--pubkey", keys.public.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("400 entries"), "{text}");
    assert!(text.contains("head covers all 400 entries"), "{text}");
    assert!(text.contains("OK: the chain is intact"), "{text}");
}

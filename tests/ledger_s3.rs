//! The S3 ledger backend against a real S3-compatible server on loopback (s3s-fs; see
//! tests/ledger_s3/server.rs): the store guarantees, racing threads and processes, and the
//! error messages for the usual mistakes; the conformance suite, the CLI end to end, runners
//! taking turns, and the evidence for s3s-fs's non-atomic create (one module each).

#[path = "ledger_s3/careless_server.rs"]
mod careless_server;
#[path = "ledger_s3/check_store.rs"]
mod check_store;
#[path = "ledger_s3/cli.rs"]
mod cli;
#[path = "ledger_s3/cli_e2e.rs"]
mod cli_e2e;
#[path = "ledger_s3/conformance.rs"]
mod conformance;
#[path = "ledger_s3/errors.rs"]
mod errors;
#[path = "ledger_s3/promotion.rs"]
mod promotion;
#[path = "ledger_s3/race_evidence.rs"]
mod race_evidence;
#[path = "ledger_s3/sequential.rs"]
mod sequential;
#[path = "ledger_s3/server.rs"]
mod server;
#[allow(dead_code)]
#[path = "cli/util.rs"]
mod util;

use server::S3Server;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use tollgate::ledger::s3::{PROBE_KEY, S3Store};
use tollgate::ledger::store::{Created, Store};

fn open(server: &S3Server, prefix: &str) -> S3Store {
    S3Store::open_with_env(&server.url(prefix), server.env())
        .unwrap_or_else(|e| panic!("open: {e}"))
}

#[test]
fn create_is_create_if_absent() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    assert_eq!(store.location(), server.url("ledger"));
    assert_eq!(store.get("entries/000000000001.json").unwrap(), None);
    assert_eq!(
        store.create("entries/000000000001.json", b"first").unwrap(),
        Created::New
    );
    assert_eq!(
        store
            .create("entries/000000000001.json", b"second")
            .unwrap(),
        Created::AlreadyExists
    );
    assert_eq!(
        store.get("entries/000000000001.json").unwrap().as_deref(),
        Some(&b"first"[..])
    );
    // The object is where an operator would look for it: under the prefix in the bucket.
    if let Some(dir) = server.store_dir("ledger") {
        let on_disk = dir.join("entries/000000000001.json");
        assert_eq!(std::fs::read(on_disk).unwrap(), b"first");
    }
}

#[test]
fn replace_overwrites_and_creates() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    store.replace("head.json", b"v1").unwrap();
    store.replace("head.json", b"v2").unwrap();
    assert_eq!(store.get("head.json").unwrap().as_deref(), Some(&b"v2"[..]));
    // A replaced key is still protected from create.
    assert_eq!(
        store.create("head.json", b"v3").unwrap(),
        Created::AlreadyExists
    );
    assert_eq!(store.get("head.json").unwrap().as_deref(), Some(&b"v2"[..]));
}

#[test]
fn list_is_sorted_relative_and_prefix_isolated() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "team/ledger");
    let keys = [
        "entries/000000000010.json",
        "objects/sha256/ab/cdef",
        "entries/000000000002.json",
        "entries/000000000001.json",
        "head.json",
    ];
    for key in keys {
        store.create(key, key.as_bytes()).unwrap();
    }
    // A neighbour whose prefix starts with ours must stay invisible.
    let neighbour = open(&server, "team/ledger-old");
    neighbour.create("entries/000000000099.json", b"x").unwrap();

    assert_eq!(
        store.list("entries/").unwrap(),
        [
            "entries/000000000001.json",
            "entries/000000000002.json",
            "entries/000000000010.json"
        ]
    );
    // A prefix that ends mid-name matches by characters, like a local directory listing.
    assert_eq!(
        store.list("entries/00000000001").unwrap(),
        ["entries/000000000010.json"]
    );
    assert_eq!(store.list("objects/").unwrap(), ["objects/sha256/ab/cdef"]);
    assert!(store.list("nothing/").unwrap().is_empty());
    let all = store.list("").unwrap();
    let mut expected: Vec<&str> = keys.to_vec();
    expected.push(PROBE_KEY);
    expected.sort();
    assert_eq!(all, expected);
    assert_eq!(
        neighbour.list("entries/").unwrap(),
        ["entries/000000000099.json"]
    );
}

#[test]
fn bad_keys_are_refused_before_any_request() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    for key in ["", "/head.json", "entries/", "a//b", "a/../b"] {
        let err = store.get(key).unwrap_err().to_string();
        assert!(err.starts_with(&server.url("ledger")), "{key}: {err}");
        assert!(
            err.contains("not a valid object key") || err.contains("a store key is"),
            "{err}"
        );
    }
}

#[test]
fn lock_for_append_holds_nothing() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    // Two guards at once: object storage has no lock to take; create resolves races.
    let first = store.lock_for_append().unwrap();
    let second = store.lock_for_append().unwrap();
    drop((first, second));
}

#[test]
#[ignore = "needs a server with atomic If-None-Match; s3s-fs 0.14 is not (docs/ledger-s3.md)"]
fn racing_threads_have_one_winner() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    const THREADS: usize = 8;
    for round in 0..20 {
        let key = format!("race/{round}");
        let barrier = Arc::new(Barrier::new(THREADS));
        let results: Vec<Created> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (barrier, key, store) = (Arc::clone(&barrier), &key, &store);
                    scope.spawn(move || {
                        barrier.wait();
                        store.create(key, format!("writer {t}").as_bytes()).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<usize> = (0..THREADS)
            .filter(|t| results[*t] == Created::New)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let stored = store.get(&key).unwrap().unwrap();
        assert_eq!(stored, format!("writer {}", winners[0]).into_bytes());
    }
}

/// One store shared by many threads (as rayon shares it in `audit verify`): distinct creates
/// all land, and concurrent reads and listings see them all.
#[test]
fn one_store_serves_many_threads() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = open(&server, "ledger");
    const THREADS: usize = 8;
    const EACH: usize = 10;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let store = &store;
            scope.spawn(move || {
                for i in 0..EACH {
                    let key = format!("objects/{t}/{i}");
                    assert_eq!(store.create(&key, key.as_bytes()).unwrap(), Created::New);
                }
            });
        }
    });
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let store = &store;
            scope.spawn(move || {
                assert_eq!(store.list("objects/").unwrap().len(), THREADS * EACH);
                for i in 0..EACH {
                    let key = format!("objects/{}/{i}", (t + 1) % THREADS);
                    assert_eq!(store.get(&key).unwrap().unwrap(), key.as_bytes());
                }
            });
        }
    });
}

/// The child side of `racing_processes_have_one_winner`: waits for the start file, creates
/// the key once, prints what it saw. Run only by that test.
#[test]
#[ignore = "child process of racing_processes_have_one_winner"]
fn race_child() {
    let url = std::env::var("TOLLGATE_S3_RACE_URL").expect("run by the parent test");
    let key = std::env::var("TOLLGATE_S3_RACE_KEY").unwrap();
    let go = std::env::var("TOLLGATE_S3_RACE_GO").unwrap();
    let me = std::env::var("TOLLGATE_S3_RACE_ME").unwrap();
    let store = S3Store::open(&url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Path::new(&go).exists() {
        assert!(Instant::now() < deadline, "the parent never said go");
        std::thread::sleep(Duration::from_millis(1));
    }
    let created = store.create(&key, me.as_bytes()).unwrap();
    println!("RACE-RESULT {me} {created:?}");
}

#[test]
#[ignore = "needs a server with atomic If-None-Match; s3s-fs 0.14 is not (docs/ledger-s3.md)"]
fn racing_processes_have_one_winner() {
    let Some(server) = S3Server::start() else {
        return;
    };
    const PROCESSES: usize = 8;
    let scratch = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let key = format!("process-race/{round}");
        let go = scratch.path().join(format!("go-{round}"));
        let children: Vec<_> = (0..PROCESSES)
            .map(|p| {
                std::process::Command::new(std::env::current_exe().unwrap())
                    .args(["race_child", "--exact", "--ignored", "--nocapture"])
                    .envs(server.env())
                    .env("TOLLGATE_S3_RACE_URL", server.url("ledger"))
                    .env("TOLLGATE_S3_RACE_KEY", &key)
                    .env("TOLLGATE_S3_RACE_GO", &go)
                    .env("TOLLGATE_S3_RACE_ME", format!("process {p}"))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // Let every child open its store and reach the wait before starting them together.
        std::thread::sleep(Duration::from_millis(500));
        std::fs::write(&go, b"go").unwrap();
        let mut winners = Vec::new();
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "child failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let line = stdout
                .lines()
                .find_map(|l| l.strip_prefix("RACE-RESULT "))
                .unwrap_or_else(|| panic!("no result in {stdout}"));
            if let Some(who) = line.strip_suffix(" New") {
                winners.push(who.to_string());
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let store = open(&server, "ledger");
        assert_eq!(
            store.get(&key).unwrap().unwrap(),
            winners[0].as_bytes(),
            "round {round}"
        );
    }
}

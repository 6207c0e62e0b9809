//! The backend conformance suite (`tollgate::ledger::conformance`) against the local
//! directory backend; the S3 backend runs the same suite against a real server.

use tollgate::ledger::local::LocalStore;
use tollgate::ledger::store::{Created, Store};

fn store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("ledger"), true).unwrap();
    (dir, store)
}

#[test]
fn local_store_passes_the_conformance_suite() {
    let (_dir, store) = store();
    tollgate::ledger::conformance::run_all(&store).unwrap();
}

#[test]
fn racing_creates_across_many_threads_have_one_winner() {
    let (_dir, store) = store();
    tollgate::ledger::conformance::racing_creates_have_one_winner(&store, 32).unwrap();
}

#[test]
fn leftover_temp_files_are_never_listed_and_keys_cannot_escape() {
    let (dir, store) = store();
    store.create("entries/000000000001.json", b"{}").unwrap();
    // What a write killed between its temp file and its link leaves behind.
    std::fs::write(dir.path().join("ledger/entries/.tmp-abc"), b"half").unwrap();
    assert_eq!(
        store.list("entries/").unwrap(),
        ["entries/000000000001.json"]
    );
    for bad in ["../x", "a/../../x", "/etc/passwd", "entries/.tmp-x", ""] {
        assert!(store.create(bad, b"x").is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        store.create("entries/000000000001.json", b"[]").unwrap(),
        Created::AlreadyExists
    );
}

#[test]
fn opening_a_missing_ledger_for_reading_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = LocalStore::open(&dir.path().join("nope"), false).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(err.to_string().contains("--store"), "{err}");
}

#[test]
fn skipping_the_racing_check_needs_a_reason_and_is_reported() {
    let (_dir, store) = store();
    use tollgate::ledger::conformance::{Racing, run};
    let err = run(&store, Racing::Skip { why: " " }).unwrap_err();
    assert!(err.contains("without a reason"), "{err}");
    let ran = run(&store, Racing::Check { threads: 4 }).unwrap();
    assert_eq!(
        ran,
        [
            "create-if-absent",
            "replace-atomicity",
            "list-ordering",
            "racing-create"
        ]
    );
}

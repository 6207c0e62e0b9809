//! Format v1 still verifies: a ledger and a signed verdict written by tollgate before the
//! explicit canonicaliser (testdata/canonical/format-v1/, made with the previous binary)
//! pass `audit verify`, `verify` and `audit replay` of the current binary, and every
//! canonical document in them has exactly the bytes the canonicaliser writes today.

use crate::util::*;
use std::path::{Path, PathBuf};
use tollgate::ledger::entry::Entry;
use tollgate::ledger::head::Head;
use tollgate::verdict::{Verdict, canonical_json};

fn fixture() -> PathBuf {
    testdata("canonical/format-v1")
}

/// A scratch copy of the fixture ledger (commands may take its lock).
fn ledger_copy() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ledger");
    copy(&fixture().join("ledger"), &store);
    (dir, store)
}

#[test]
fn format_v1_documents_keep_their_canonical_bytes() {
    let dir = fixture();
    let verdict_bytes = std::fs::read(dir.join("out/verdict.json")).unwrap();
    let verdict: Verdict = serde_json::from_slice(&verdict_bytes).unwrap();
    assert_eq!(verdict.canonical_bytes(), verdict_bytes);
    for name in ["provenance.json", "ledger-entry.json"] {
        let bytes = std::fs::read(dir.join("out").join(name)).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(canonical_json(&value), bytes, "{name}");
    }
    let mut entries = 0;
    for entry in std::fs::read_dir(dir.join("ledger/entries")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let parsed: Entry = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed.bytes(), bytes);
        entries += 1;
    }
    assert_eq!(entries, 2);
    // The head parser demands exactly canonical bytes.
    let head = std::fs::read(dir.join("ledger/head.json")).unwrap();
    Head::parse(&head).unwrap();
}

#[test]
fn format_v1_ledger_and_verdict_verify_and_replay() {
    let (_dir, store) = ledger_copy();
    let pubkey = fixture().join("verdict.pub");
    let out = tollgate(&[
        "audit".as_ref(),
        "verify".as_ref(),
        "--store".as_ref(),
        store.as_os_str(),
        "--pubkey".as_ref(),
        pubkey.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    let verdict = fixture().join("out/verdict.json");
    let out = tollgate(&[
        "verify".as_ref(),
        verdict.as_os_str(),
        "--pubkey".as_ref(),
        pubkey.as_os_str(),
        "--environment".as_ref(),
        "regtest".as_ref(),
        "--now".as_ref(),
        "2026-11-22T00:00:00Z".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // Entry 1 promoted, entry 2 blocked (a changed artifact): the decision function
    // re-makes both from their stored reports.
    for (seq, decision) in [("1", "promote"), ("2", "block")] {
        let out = tollgate(&[
            "audit".as_ref(),
            "replay".as_ref(),
            seq.as_ref(),
            "--store".as_ref(),
            store.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ]);
        let value: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
        assert_eq!(out.status.code(), Some(0), "{value:#}");
        assert_eq!(value["consistent"], true, "{value:#}");
        assert_eq!(value["replayed_decision"], decision, "{value:#}");
    }
}

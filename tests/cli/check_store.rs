//! `tollgate audit check-store` on a local store: the probe passes (a directory's
//! compare-and-swap holds a lock), the result is recorded, and bad input exits 2.

use crate::util::*;
use serde_json::Value;

#[test]
fn a_local_store_passes_and_the_result_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ledger");
    std::fs::create_dir(&store).unwrap();
    let store_arg = store.to_str().unwrap();

    let out = tollgate(&[
        "audit",
        "check-store",
        "--store",
        store_arg,
        "--writers",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("check-store {store_arg}: PASS (4 writers")),
        "{text}"
    );
    assert!(
        text.contains(
            "ok round 1: 1 of 4 racing conditional creates (If-None-Match: *) reported success"
        ),
        "{text}"
    );
    assert!(text.contains("kernel lock"), "{text}");

    let out = tollgate(&[
        "audit",
        "check-store",
        "--store",
        store_arg,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["passed"], true);
    assert_eq!(report["writers"], 16);
    let recorded: Value =
        serde_json::from_slice(&std::fs::read(store.join("store-check.json")).unwrap()).unwrap();
    assert_eq!(recorded, report);
    // The probe's keys are gone.
    let leftovers: Vec<_> = walk(&store.join("store-check"));
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_missing_store_or_too_few_writers_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing");
    let out = tollgate(&["audit", "check-store", "--store", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("no ledger here"), "{}", stderr(&out));

    let out = tollgate(&[
        "audit",
        "check-store",
        "--writers",
        "1",
        "--store",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
}

/// Every file under `dir` (none when it does not exist), temporary ones excepted.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if !entry.file_name().to_string_lossy().starts_with(".tmp-") {
            files.push(path);
        }
    }
    files
}

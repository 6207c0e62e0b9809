//! The auditors' ledger end to end: evaluate appends, `audit log|show|verify` read it, every
//! kind of tampering is caught and named, a lagging head is accepted, freezes block.

use crate::util::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `audit log --format json` records, as a machine reads them.
#[derive(Debug, Deserialize)]
struct LogRecord {
    seq: u64,
    entry_sha256: String,
    environment: String,
    kind: String,
    decision: Option<String>,
    verdict_sha256: Option<String>,
    reason: Option<String>,
}

fn audit(ws: &Workspace, args: &[&str]) -> std::process::Output {
    let store = ws.store();
    let mut all: Vec<&str> = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--store", store.to_str().unwrap()]);
    tollgate(&all)
}

fn verify(ws: &Workspace) -> std::process::Output {
    let pubkey = ws.verdict_pub();
    audit(ws, &["verify", "--pubkey", pubkey.to_str().unwrap()])
}

fn log(ws: &Workspace, extra: &[&str]) -> Vec<LogRecord> {
    let mut args = vec!["log", "--format", "json"];
    args.extend_from_slice(extra);
    let out = audit(ws, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A workspace whose ledger holds `n` signed promote verdicts.
fn ledger_with(n: usize) -> Workspace {
    appended(Workspace::new(), n)
}

/// A format-1 ledger (the hash chain) with `n` evaluations, for tests of that layout.
fn v1_ledger_with(n: usize) -> Workspace {
    let ws = Workspace::new();
    ws.pin_v1();
    appended(ws, n)
}

fn appended(ws: Workspace, n: usize) -> Workspace {
    for _ in 0..n {
        let out = ws.evaluate(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    ws
}

/// Every file in the store but the lock (which holds no data).
fn stored_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().unwrap() != "lock"
                && !path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".tmp-")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn evaluate_appends_and_audit_reads_the_chain() {
    let ws = ledger_with(2);
    // Its own clock: evaluations of the same release within one second (and equal gate
    // timings) make byte-identical verdicts, and the digest-prefix lookup below would then
    // rightly find two entries.
    let out = ws.evaluate(&["--now", "2026-01-02T03:04:05Z"]);
    assert!(
        stdout(&out).contains("ledger: entry 3 (sha256 "),
        "{}",
        stdout(&out)
    );
    let entry = read_json(&ws.out().join("ledger-entry.json"));
    assert_eq!(entry["seq"], 3);
    let records = log(&ws, &[]);
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(records[2].entry_sha256, entry["sha256"].as_str().unwrap());
    assert!(records.iter().all(|r| r.kind == "verdict"
        && r.environment == "mainnet"
        && r.decision.as_deref() == Some("promote")));
    // The verdict in the ledger is the one written to --out.
    let verdict = std::fs::read(ws.out().join("verdict.json")).unwrap();
    assert_eq!(
        records[2].verdict_sha256.as_deref(),
        Some(tollgate::digest::sha256_hex(&verdict).as_str())
    );

    let ok = verify(&ws);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    // "the chain" in format 1, "the log" in format 2.
    assert!(
        stdout(&ok).contains("OK: the chain is intact")
            || stdout(&ok).contains("OK: the log is intact"),
        "{}",
        stdout(&ok)
    );
    assert!(
        stdout(&ok).contains("7 signatures verified"),
        "{}",
        stdout(&ok)
    );
    let unchecked = audit(&ws, &["verify"]);
    assert_eq!(unchecked.status.code(), Some(0));
    assert!(
        stdout(&unchecked).contains("signatures NOT checked"),
        "{}",
        stdout(&unchecked)
    );

    // show: by seq, by SEQ:SHA256, by a verdict digest prefix; evidence without artifacts.
    let id = entry["id"].as_str().unwrap();
    let verdict_prefix = &records[2].verdict_sha256.as_ref().unwrap()[..10];
    for wanted in ["3", id, verdict_prefix] {
        let shown = audit(&ws, &["show", wanted, "--format", "json"]);
        assert_eq!(shown.status.code(), Some(0), "{wanted}: {}", stderr(&shown));
        let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(shown["id"]["seq"], 3, "{wanted}");
        let paths: Vec<&str> = shown["entry"]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&"SHA256SUMS") && paths.contains(&"SHA256SUMS.minisig"),
            "{paths:?}"
        );
        assert!(
            paths.iter().any(|p| p.ends_with("policy.toml")),
            "{paths:?}"
        );
        assert!(
            !paths.contains(&"chain-node-1.4.2-x86_64-linux.tar.gz"),
            "artifact stored: {paths:?}"
        );
    }
    let text = stdout(&audit(&ws, &["show", "3"]));
    assert!(text.contains("DECISION: PROMOTE to mainnet"), "{text}");
    assert!(text.contains("gate:signatures"), "{text}");
    let ambiguous = audit(&ws, &["show", "zz"]);
    assert_eq!(ambiguous.status.code(), Some(2));
}

#[test]
fn log_filters_by_time_environment_and_decision() {
    let ws = ledger_with(1);
    ws.write(
        "chain-node-1.4.2-x86_64-linux.tar.gz",
        b"swapped after signing",
    );
    assert_eq!(ws.evaluate(&[]).status.code(), Some(1));
    assert_eq!(log(&ws, &["--decision", "block"]).len(), 1);
    assert_eq!(log(&ws, &["--decision", "promote"])[0].seq, 1);
    assert_eq!(log(&ws, &["--environment", "regtest"]).len(), 0);
    assert_eq!(log(&ws, &["--since", "1h"]).len(), 2);
    assert_eq!(log(&ws, &["--since", "2999-01-01T00:00:00Z"]).len(), 0);
    let bad = audit(&ws, &["log", "--since", "yesterday-ish"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--since"), "{}", stderr(&bad));
}

/// Run verify on a tampered copy of `ws`'s ledger; it must exit 1 and name a place.
fn assert_broken(ws: &Workspace, what: &str, tamper: impl FnOnce(&Path)) {
    let copy = tempfile::tempdir().unwrap();
    let store = copy.path().join("ledger");
    copy_dir(&ws.store(), &store);
    tamper(&store);
    let pubkey = ws.verdict_pub();
    let out = tollgate(&[
        "audit",
        "verify",
        "--pubkey",
        pubkey.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: not caught:\n{text}{}",
        stderr(&out)
    );
    assert!(
        text.starts_with("BROKEN: ") && text.contains(store.to_str().unwrap()),
        "{what}: {text}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn any_single_changed_byte_in_any_stored_file_is_caught() {
    let ws = ledger_with(3);
    let files = stored_files(&ws.store());
    assert!(files.len() > 15, "{files:?}");
    for file in files {
        let relative = file.strip_prefix(ws.store()).unwrap().to_owned();
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        for at in [0, len / 3, len / 2, len - 2, len - 1] {
            assert_broken(&ws, &format!("{} byte {at}", relative.display()), |store| {
                let path = store.join(&relative);
                let mut bytes = std::fs::read(&path).unwrap();
                bytes[at] ^= 0x01;
                std::fs::write(&path, bytes).unwrap();
            });
        }
    }
}

#[test]
fn deleted_reordered_and_truncated_entries_are_caught_and_named() {
    let ws = v1_ledger_with(4);
    let entry = |store: &Path, seq: u64| store.join(format!("entries/{seq:012}.json"));
    assert_broken(&ws, "delete a middle entry", |s| {
        std::fs::remove_file(entry(s, 2)).unwrap()
    });
    assert_broken(&ws, "delete the last entry", |s| {
        std::fs::remove_file(entry(s, 4)).unwrap()
    });
    assert_broken(&ws, "delete the first entry", |s| {
        std::fs::remove_file(entry(s, 1)).unwrap()
    });
    assert_broken(&ws, "reorder two entries", |s| {
        let (a, b) = (entry(s, 2), entry(s, 3));
        let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        std::fs::write(&a, y).unwrap();
        std::fs::write(&b, x).unwrap();
    });
    assert_broken(&ws, "truncate an entry file", |s| {
        let bytes = std::fs::read(entry(s, 3)).unwrap();
        std::fs::write(entry(s, 3), &bytes[..bytes.len() / 2]).unwrap();
    });
    assert_broken(&ws, "truncate the chain (last two entries)", |s| {
        std::fs::remove_file(entry(s, 4)).unwrap();
        std::fs::remove_file(entry(s, 3)).unwrap();
    });
    assert_broken(&ws, "remove a blob", |s| {
        std::fs::remove_dir_all(s.join("objects")).unwrap()
    });
    assert_broken(&ws, "remove the head", |s| {
        std::fs::remove_file(s.join("head.json")).unwrap()
    });

    // The message names the exact place: the entry after the changed one, both digests.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&ws.store(), copy.path());
    let second = entry(copy.path(), 2);
    let text = std::fs::read_to_string(&second).unwrap();
    std::fs::write(&second, text.replace("\"promote\"", "\"block\"")).unwrap();
    let out = tollgate(&["audit", "verify", "--store", copy.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    let first_line = report.lines().next().unwrap();
    assert!(
        first_line.contains("entries/000000000003.json: prev is ")
            && first_line.contains(", but entry 2 hashes to "),
        "{report}"
    );
}

#[test]
fn a_head_that_lags_the_chain_is_accepted_and_the_next_signed_append_covers_the_tail() {
    let ws = v1_ledger_with(1);
    let head = std::fs::read(ws.store().join("head.json")).unwrap();
    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    // As if the run had been killed between creating entry 2 and replacing the head.
    std::fs::write(ws.store().join("head.json"), &head).unwrap();
    let out = verify(&ws);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("entries 2..2 are not covered by the head"),
        "{}",
        stdout(&out)
    );
    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    let out = verify(&ws);
    assert!(
        stdout(&out).contains("head covers all 3 entries"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn freeze_blocks_every_evaluate_until_unfrozen() {
    let ws = ledger_with(1);
    tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
    let policy = std::fs::read_to_string(ws.policy_path()).unwrap();
    let policy = policy.replace(
        "[trust]\n",
        "[trust]\nops_keys = [\"ops-keys/tollgate.pub\"]\n",
    );
    std::fs::write(ws.policy_path(), policy).unwrap();
    let (store, key) = (ws.store(), ws.path().join("ops-keys/tollgate.key"));
    let freeze = |verb: &str, reason: &str| {
        tollgate(&[
            verb,
            "--environment",
            "mainnet",
            "--reason",
            reason,
            "--key",
            key.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ])
    };
    let not_frozen = freeze("unfreeze", "nothing to lift");
    assert_eq!(not_frozen.status.code(), Some(2));
    assert!(
        stderr(&not_frozen).contains("mainnet is not frozen"),
        "{}",
        stderr(&not_frozen)
    );

    let out = freeze("freeze", "INC-7: chain halt");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "freeze"), ["freeze.frozen"]);
    let reasons = verdict["reasons"].to_string();
    assert!(
        reasons.contains("mainnet is frozen since") && reasons.contains("INC-7: chain halt"),
        "{reasons}"
    );
    assert!(gate(&verdict, "freeze")["required"].as_bool().unwrap());

    assert_eq!(freeze("unfreeze", "INC-7 resolved").status.code(), Some(0));
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 0, "{verdict:#}");
    let kinds: Vec<String> = log(&ws, &[]).into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        ["verdict", "freeze", "verdict", "unfreeze", "verdict"]
    );
    let reasons: Vec<Option<String>> = log(&ws, &[]).into_iter().map(|r| r.reason).collect();
    assert_eq!(reasons[1].as_deref(), Some("INC-7: chain halt"));
    // Freeze signatures are checked with the rest, their signers with --ops-key.
    let out = verify(&ws);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let ops_pub = ws.path().join("ops-keys/tollgate.pub");
    let out = audit(&ws, &["verify", "--ops-key", ops_pub.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("2 ops signature(s) verified (freeze, unfreeze, deploy, rollback, ...), each by an --ops-key"),
        "{}",
        stdout(&out)
    );
    let explain = tollgate(&["explain", "freeze.frozen"]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
}

// Regression: evaluate used to write the signed verdict into --out before appending, so a
// failed append left a signed verdict that no ledger holds.
#[test]
fn a_failed_append_is_exit_2_and_leaves_no_signed_verdict_in_out() {
    let ws = v1_ledger_with(1);
    assert!(ws.out().join("verdict.json.minisig").exists());
    // Damaged so that the append fails (for root too, unlike a read-only directory).
    std::fs::write(ws.store().join("head.json"), b"{\"not\": \"a head\"}\n").unwrap();
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("could not record this evaluation, so no verdict is written")
            && err.contains("head.json"),
        "{err}"
    );
    // Neither this run's verdict nor the previous run's is left, nor any temporary file.
    let left: Vec<String> = std::fs::read_dir(ws.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &left {
        assert!(
            !name.contains("verdict") && !name.contains("provenance") && !name.ends_with(".tmp"),
            "{name} left in --out: {left:?}"
        );
    }
}

#[test]
fn s3_stores_are_refused_clearly_by_this_build_and_missing_stores_are_named() {
    let ws = Workspace::new();
    let out = ws.evaluate(&["--store", "s3://bucket/prefix"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tollgate(&[
        "audit",
        "log",
        "--store",
        ws.path().join("absent").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("absent"), "{}", stderr(&out));
}

#[test]
fn stock_minisign_verifies_the_exported_head() {
    let ws = v1_ledger_with(2);
    let bytes = std::fs::read(ws.store().join("head.json")).unwrap();
    let head = tollgate::ledger::head::Head::parse(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("head-body.json");
    std::fs::write(&body, head.body.signed_bytes()).unwrap();
    std::fs::write(
        dir.path().join("head-body.json.minisig"),
        head.signature.unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new("minisign")
        .arg("-Vm")
        .arg(&body)
        .arg("-p")
        .arg(ws.verdict_pub())
        .output()
        .expect("minisign is installed by .ci/setup.d");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("tollgate-ledger-head length:2 last:"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_removed_head_is_not_silently_recreated_by_the_next_append() {
    let ws = v1_ledger_with(2);
    std::fs::remove_file(ws.store().join("head.json")).unwrap();
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("head.json is missing, but the ledger holds 2 entries"),
        "{}",
        stderr(&out)
    );
    assert!(!ws.store().join("entries/000000000003.json").exists());
}

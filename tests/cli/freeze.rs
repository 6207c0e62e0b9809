//! Freezes need a trusted key to lift: only an unfreeze signed by a key in the policy's
//! `[trust] ops_keys` resumes promotion; an unsigned one (as an old version or anyone who can
//! write the store would leave) or one by another key lifts nothing, `audit verify` names it,
//! and the head's cached freeze index is never trusted.

use crate::util::*;
use std::path::{Path, PathBuf};
use tollgate::ledger::entry::Kind;
use tollgate::ledger::head::{HEAD_KEY, Head};
use tollgate::ledger::{Mode, append, open, record};

/// A promoted workspace whose mainnet policy trusts `ops-keys/tollgate.pub` for ops.
fn with_ops_key() -> Workspace {
    ops_trusted(Workspace::new())
}

/// The same with a format-1 ledger (its head's freeze index is format 1's).
fn v1_with_ops_key() -> Workspace {
    let ws = Workspace::new();
    ws.pin_v1();
    ops_trusted(ws)
}

fn ops_trusted(ws: Workspace) -> Workspace {
    tollgate::signing::keygen(&ws.path().join("ops-keys"), None).unwrap();
    tollgate::signing::keygen(&ws.path().join("other-keys"), None).unwrap();
    let policy = std::fs::read_to_string(ws.policy_path()).unwrap();
    let policy = policy.replace(
        "[trust]\n",
        "[trust]\nops_keys = [\"ops-keys/tollgate.pub\"]\n",
    );
    std::fs::write(ws.policy_path(), policy).unwrap();
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ws
}

fn ops_key(ws: &Workspace) -> PathBuf {
    ws.path().join("ops-keys/tollgate.key")
}

fn other_key(ws: &Workspace) -> PathBuf {
    ws.path().join("other-keys/tollgate.key")
}

/// `tollgate freeze|unfreeze` of mainnet, signed with `key` when given.
fn change(ws: &Workspace, verb: &str, reason: &str, key: Option<&Path>) -> std::process::Output {
    let store = ws.store();
    let mut args = vec![
        verb,
        "--environment",
        "mainnet",
        "--reason",
        reason,
        "--store",
        store.to_str().unwrap(),
    ];
    if let Some(key) = key {
        args.extend(["--key", key.to_str().unwrap()]);
    }
    tollgate(&args)
}

fn audit_verify(ws: &Workspace, extra: &[&str]) -> std::process::Output {
    let store = ws.store();
    let mut args = vec!["audit", "verify", "--store", store.to_str().unwrap()];
    args.extend_from_slice(extra);
    tollgate(&args)
}

/// An unfreeze without a signature, appended through the library as a version before ops
/// keys (or anyone who can write the store) would have.
fn append_unsigned_unfreeze(ws: &Workspace) {
    let store = open(ws.store().to_str().unwrap(), Path::new("."), Mode::Existing).unwrap();
    let statement = record::freeze_statement(
        Kind::Unfreeze,
        "mainnet",
        "lifted by an old tollgate",
        "mallory",
        "2026-12-01T00:00:00Z",
    );
    append::append(store.as_ref(), record::freeze_entry(&statement, None), None).unwrap();
}

fn frozen(ws: &Workspace) {
    let out = change(ws, "freeze", "INC-9: reorg", Some(&ops_key(ws)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_unsigned_unfreeze_lifts_nothing_and_breaks_audit_verify() {
    let ws = with_ops_key();
    frozen(&ws);
    append_unsigned_unfreeze(&ws);
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1, "{verdict:#}");
    assert_eq!(
        gate_codes(&verdict, "freeze"),
        ["freeze.frozen", "freeze.unsigned-unfreeze"]
    );
    let reasons = verdict["reasons"].to_string();
    assert!(
        reasons.contains("mainnet is frozen since") && reasons.contains("did not lift it"),
        "{reasons}"
    );

    for extra in [
        &[][..],
        &["--pubkey", ws.verdict_pub().to_str().unwrap()][..],
    ] {
        let out = audit_verify(&ws, extra);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(
            stdout(&out).contains("unsigned unfreeze (by mallory)"),
            "{}",
            stdout(&out)
        );
    }
    let explain = tollgate(&["explain", "freeze.unsigned-unfreeze"]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));

    // A properly ops-signed unfreeze lifts it.
    let out = change(&ws, "unfreeze", "INC-9 resolved", Some(&ops_key(&ws)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 0, "{verdict:#}");
}

#[test]
fn an_unfreeze_signed_by_a_key_outside_ops_keys_lifts_nothing() {
    let ws = with_ops_key();
    frozen(&ws);
    let out = change(&ws, "unfreeze", "trust me", Some(&other_key(&ws)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1, "{verdict:#}");
    assert_eq!(
        gate_codes(&verdict, "freeze"),
        ["freeze.frozen", "freeze.untrusted-unfreeze"]
    );
    assert!(
        verdict
            .to_string()
            .contains("which is not in `[trust] ops_keys`"),
        "{verdict:#}"
    );
    let explain = tollgate(&["explain", "freeze.untrusted-unfreeze"]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));

    // Its signature is sound (checked with the key it records) ...
    let out = audit_verify(&ws, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("signers NOT checked"),
        "{}",
        stdout(&out)
    );
    // ... but its signer is not an ops key.
    let ops_pub = ws.path().join("ops-keys/tollgate.pub");
    let out = audit_verify(&ws, &["--ops-key", ops_pub.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("which is not among the --ops-key keys"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn freeze_and_unfreeze_without_a_key_are_refused_and_write_nothing() {
    let ws = with_ops_key();
    frozen(&ws);
    let entries = || {
        let store = ws.store();
        let out = tollgate(&["audit", "log", "--store", store.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).lines().count()
    };
    let before = entries();
    for verb in ["unfreeze", "freeze"] {
        let out = change(&ws, verb, "no key", None);
        assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("needs --key OPSKEY"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(entries(), before);
    let (code, _) = ws.evaluate_verdict();
    assert_eq!(code, 1);
}

#[test]
fn a_rewritten_freeze_index_in_the_head_lifts_nothing() {
    let ws = v1_with_ops_key();
    frozen(&ws);
    // A signed evaluate re-signs the head, so the head covers the freeze and indexes it.
    let (code, _) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    let path = ws.store().join(HEAD_KEY);
    let mut head = Head::parse(&std::fs::read(&path).unwrap()).unwrap();
    assert!(head.body.freezes.contains_key("mainnet"), "{head:?}");
    head.body.freezes.clear();
    std::fs::write(&path, head.bytes()).unwrap();

    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1, "{verdict:#}");
    assert_eq!(gate_codes(&verdict, "freeze"), ["freeze.frozen"]);
}

#[test]
fn an_unsigned_freeze_still_blocks() {
    let ws = with_ops_key();
    let store = open(ws.store().to_str().unwrap(), Path::new("."), Mode::Existing).unwrap();
    let statement = record::freeze_statement(
        Kind::Freeze,
        "mainnet",
        "stop: written without a key",
        "anyone",
        "2026-12-01T00:00:00Z",
    );
    append::append(store.as_ref(), record::freeze_entry(&statement, None), None).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1, "{verdict:#}");
    assert_eq!(gate_codes(&verdict, "freeze"), ["freeze.frozen"]);
    assert!(
        verdict
            .to_string()
            .contains("a freeze blocks even unsigned"),
        "{verdict:#}"
    );
    let out = change(&ws, "unfreeze", "lifted by ops", Some(&ops_key(&ws)));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ws.evaluate_verdict().0, 0);
}

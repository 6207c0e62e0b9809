//! Revocations where a signature counts outside evaluate and verify: `deploy record` and
//! `rollback record` refuse a revoked signer and a verdict signed by a revoked key, the
//! snapshots gate ignores entries by a revoked operator key, and `audit verify --bundle`
//! fails a bundle whose verdict was signed after its key's cutoff (per the bundle's own
//! revocation records). Real keys from `tollgate keygen`, a real ledger.

use crate::keys::{revoke, with_ops_key};
use crate::util::*;
use std::path::Path;
use std::time::Duration;

fn key_id(public: &Path) -> String {
    tollgate::keys::TrustedKey::resolve(public.to_str().unwrap(), Path::new("."))
        .unwrap()
        .key_id
        .to_string()
}

fn deploy(ws: &Workspace, signer: &Path, ops_pub: Option<&Path>) -> std::process::Output {
    let verdict = ws.out().join("verdict.json");
    let mut args = vec![
        "deploy".to_owned(),
        "record".into(),
        "--verdict".into(),
        verdict.to_str().unwrap().into(),
        "--pubkey".into(),
        ws.verdict_pub().to_str().unwrap().into(),
        "--stage".into(),
        "all".into(),
        "--key".into(),
        signer.to_str().unwrap().into(),
        "--store".into(),
        ws.store().to_str().unwrap().into(),
    ];
    if let Some(ops) = ops_pub {
        args.extend(["--ops-key".to_owned(), ops.to_str().unwrap().into()]);
    }
    tollgate(&args)
}

fn rollback(ws: &Workspace, signer: &Path, ops_pub: &Path) -> std::process::Output {
    tollgate(&[
        "rollback",
        "record",
        "--environment",
        "mainnet",
        "--to",
        "1",
        "--reason",
        "bad peers",
        "--key",
        signer.to_str().unwrap(),
        "--store",
        ws.store().to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ])
}

fn refused(out: &std::process::Output, needles: &[&str]) {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    let text = stderr(out);
    assert!(text.contains("trust.key-revoked"), "{text}");
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn deploy_and_rollback_records_refuse_revoked_signers_and_verdicts() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    let ops_pub = ops.join("tollgate.pub");
    let oncall = ws.path().join("oncall-keys");
    tollgate::signing::keygen(&oncall, None).unwrap();
    assert_eq!(ws.evaluate_verdict().0, 0);
    let out = deploy(&ws, &oncall.join("tollgate.key"), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The on-call ops key is revoked by an ops key of the policy.
    revoke(
        &ws,
        &oncall.join("tollgate.pub"),
        &ops.join("tollgate.key"),
        &[],
    );
    // A ledger holding revocations is not read without the keys that judge them.
    let out = deploy(&ws, &oncall.join("tollgate.key"), None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--ops-key"), "{}", stderr(&out));
    let oncall_id = key_id(&oncall.join("tollgate.pub"));
    let out = deploy(&ws, &oncall.join("tollgate.key"), Some(&ops_pub));
    refused(&out, &[&oncall_id, "compromised", "ledger entry 3:"]);
    let out = rollback(&ws, &oncall.join("tollgate.key"), &ops_pub);
    refused(&out, &[&oncall_id, "rollback's signing key"]);
    // The ops key that is not revoked still records.
    let out = deploy(&ws, &ops.join("tollgate.key"), Some(&ops_pub));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The verdict key, compromised since long before the verdict was logged: the verdict
    // can no longer be deployed, nor rolled back to.
    revoke(
        &ws,
        &ws.verdict_pub(),
        &ops.join("tollgate.key"),
        &["--compromised-since", "2000-01-01T00:00:00Z"],
    );
    let verdict_id = key_id(&ws.verdict_pub());
    let out = deploy(&ws, &ops.join("tollgate.key"), Some(&ops_pub));
    refused(
        &out,
        &[&verdict_id, "revoked verdict key", "compromised since"],
    );
    let out = rollback(&ws, &ops.join("tollgate.key"), &ops_pub);
    refused(&out, &[&verdict_id, "--to 1"]);
    let log = tollgate(&["audit", "log", "--store", ws.store().to_str().unwrap()]);
    assert_eq!(
        stdout(&log).matches("deploy").count(),
        2,
        "only the two allowed deploys are in the ledger: {}",
        stdout(&log)
    );
}

#[test]
fn a_verdict_key_rotated_after_the_verdict_was_logged_still_deploys() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    assert_eq!(ws.evaluate_verdict().0, 0);
    std::thread::sleep(Duration::from_millis(1100));
    revoke(&ws, &ws.verdict_pub(), &ops.join("tollgate.key"), &[]);
    let out = deploy(
        &ws,
        &ops.join("tollgate.key"),
        Some(&ops.join("tollgate.pub")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn snapshot(ws: &Workspace, kind: &str, signer: &Path) {
    let created =
        tollgate::verdict::rfc3339(time::OffsetDateTime::now_utc() - time::Duration::hours(2));
    let out = tollgate(&[
        "snapshot",
        "record",
        "--kind",
        kind,
        "--height",
        "870000",
        "--tip",
        "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054",
        "--created-at",
        &created,
        "--location",
        &format!("s3://backups/{kind}-870000.tar"),
        "--sha256",
        "5f1c3a2b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b",
        "--size",
        "4096",
        "--log",
        ws.path().join("snapshots.jsonl").to_str().unwrap(),
        "--key",
        signer.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_snapshot_signed_by_a_revoked_operator_key_no_longer_counts() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    let operator = ws.path().join("operator-keys");
    tollgate::signing::keygen(&operator, None).unwrap();
    snapshot(&ws, "full", &operator.join("tollgate.key"));
    snapshot(&ws, "state", &operator.join("tollgate.key"));
    let mut text = std::fs::read_to_string(ws.policy_path()).unwrap();
    text.push_str("\n[gates.snapshots]\nlog = \"snapshots.jsonl\"\noperator_keys = [\"operator-keys/tollgate.pub\"]\nretention = \"1h\"\n");
    std::fs::write(ws.policy_path(), text).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 0, "{verdict:#}");
    revoke(
        &ws,
        &operator.join("tollgate.pub"),
        &ops.join("tollgate.key"),
        &[],
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    let codes = gate_codes(&verdict, "snapshots");
    assert!(
        codes.contains(&"snapshot.revoked-key".to_owned())
            && codes.contains(&"snapshot.missing".to_owned()),
        "{verdict:#}"
    );
    let message = gate(&verdict, "snapshots")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "snapshot.revoked-key")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let operator_id = key_id(&operator.join("tollgate.pub"));
    assert!(
        message.contains(&operator_id)
            && message.contains("compromised")
            && message.contains("ledger entry"),
        "{message}"
    );
}

fn export(ws: &Workspace, what: &str, name: &str) -> std::path::PathBuf {
    let bundle = ws.path().join(name);
    let mut args = vec!["audit", "export"];
    args.push(what);
    let store = ws.store();
    args.extend([
        "--out",
        bundle.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    let out = tollgate(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    bundle
}

fn verify_bundle(ws: &Workspace, bundle: &Path, ops_pub: &Path) -> std::process::Output {
    tollgate(&[
        "audit",
        "verify",
        "--bundle",
        bundle.to_str().unwrap(),
        "--pubkey",
        ws.verdict_pub().to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ])
}

#[test]
fn a_bundle_fails_for_a_verdict_signed_after_its_key_was_compromised() {
    let ws = Workspace::new();
    ws.pin_v1();
    a_bundle_judges_revocations_on_its_own(&ws);
}

#[test]
fn a_bundle_of_a_format_2_log_judges_revocations_on_its_own() {
    let ws = Workspace::new();
    crate::ledger_bundle_v2::pin_v2(&ws);
    a_bundle_judges_revocations_on_its_own(&ws);
    // Record 1's bundle proves the revocation record (3) too, against the same checkpoint.
    let names: Vec<String> = crate::ledger_bundle::members(&ws.path().join("one.tar"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        names.contains(&"entries/1/proof.json".to_owned())
            && names.contains(&"entries/3/proof.json".to_owned())
            && !names.iter().any(|n| n.starts_with("entries/2/")),
        "{names:?}"
    );
}

/// A verdict before and one after the verdict key's compromise, then its revocation: a
/// bundle of everything fails for the later one, and a bundle of one entry carries the
/// revocation record, so it is judged alone.
fn a_bundle_judges_revocations_on_its_own(ws: &Workspace) {
    let ops = with_ops_key(ws);
    let ops_pub = ops.join("tollgate.pub");
    assert_eq!(ws.evaluate_verdict().0, 0);
    std::thread::sleep(Duration::from_millis(1100));
    let since = tollgate::verdict::rfc3339(time::OffsetDateTime::now_utc());
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(ws.evaluate_verdict().0, 0);
    revoke(
        ws,
        &ws.verdict_pub(),
        &ops.join("tollgate.key"),
        &["--compromised-since", &since],
    );

    let all = export(ws, "--all", "all.tar");
    let out = verify_bundle(ws, &all, &ops_pub);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).matches("trust.key-revoked").count(),
        1,
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("verdict entry 2:"),
        "{}",
        stdout(&out)
    );

    // One entry's bundle carries the revocation records: the verdict logged before the
    // compromise verifies, the one after it does not.
    let before = export(ws, "1", "one.tar");
    let out = verify_bundle(ws, &before, &ops_pub);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let after = export(ws, "2", "two.tar");
    let out = verify_bundle(ws, &after, &ops_pub);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("trust.key-revoked") && stdout(&out).contains("compromised since"),
        "{}",
        stdout(&out)
    );
}

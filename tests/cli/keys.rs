//! Key revocation through the binary: an artifact key revoked by an ops key blocks the next
//! evaluate (a revocation signed by another key does not); a verdict logged before
//! `--compromised-since` still verifies, one logged after does not, with `--store` and
//! offline with `--revocations`.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The workspace's policy with an ops key in `[trust]`; returns the ops key's directory.
pub fn with_ops_key(ws: &Workspace) -> PathBuf {
    let ops = ws.path().join("ops-keys");
    tollgate::signing::keygen(&ops, None).unwrap();
    tollgate::signing::keygen(&ws.path().join("other-keys"), None).unwrap();
    let text = "environment = \"mainnet\"\nverdict_ttl = \"72h\"\n\n[trust]\nartifact_keys = [\"release-keys/tollgate.pub\"]\nops_keys = [\"ops-keys/tollgate.pub\"]\n\n[gates.signatures]\nartifact_signatures = \"required\"\n";
    std::fs::write(ws.policy_path(), text).unwrap();
    ops
}

pub fn revoke(ws: &Workspace, pubkey: &Path, signer: &Path, extra: &[&str]) {
    let mut args = vec![
        "key".to_owned(),
        "revoke".into(),
        "--pubkey".into(),
        pubkey.to_str().unwrap().into(),
        "--reason".into(),
        "compromised".into(),
        "--key".into(),
        signer.to_str().unwrap().into(),
        "--store".into(),
        ws.store().to_str().unwrap().into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tollgate(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn an_artifact_key_revoked_by_an_ops_key_blocks_the_next_evaluate() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    let (code, _) = ws.evaluate_verdict();
    assert_eq!(code, 0);
    let release_pub = ws.path().join("release-keys/tollgate.pub");
    revoke(&ws, &release_pub, &ops.join("tollgate.key"), &[]);
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert!(
        gate_codes(&verdict, "signatures").contains(&"trust.key-revoked".to_owned()),
        "{verdict:#}"
    );
    let message = gate(&verdict, "signatures")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "trust.key-revoked")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("compromised") && message.contains("ledger entry"),
        "{message}"
    );

    let list = tollgate(&[
        "key",
        "list",
        "--policy",
        ws.policy_path().to_str().unwrap(),
        "--store",
        ws.store().to_str().unwrap(),
    ]);
    let text = stdout(&list);
    assert!(
        text.lines().any(|l| l.starts_with("artifact")
            && l.contains("revoked at")
            && l.contains("compromised")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("ops") && l.contains("active")),
        "{text}"
    );
}

#[test]
fn a_revocation_signed_by_another_key_counts_for_nothing() {
    let ws = Workspace::new();
    with_ops_key(&ws);
    let release_pub = ws.path().join("release-keys/tollgate.pub");
    revoke(
        &ws,
        &release_pub,
        &ws.path().join("other-keys/tollgate.key"),
        &[],
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 0, "{verdict:#}");
    let ops_pub = ws.path().join("ops-keys/tollgate.pub");
    let out = tollgate(&[
        "audit",
        "verify",
        "--store",
        ws.store().to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ]);
    assert!(
        stdout(&out).contains("counts for nothing"),
        "{}",
        stdout(&out)
    );
}

fn verify(ws: &Workspace, verdict: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "verify".to_owned(),
        verdict.to_str().unwrap().into(),
        "--pubkey".into(),
        ws.verdict_pub().to_str().unwrap().into(),
        "--environment".into(),
        "mainnet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    tollgate(&args)
}

#[test]
fn a_verdict_logged_before_the_compromise_still_verifies_one_after_does_not() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    assert_eq!(ws.evaluate_verdict().0, 0);
    let before = ws.path().join("before");
    std::fs::create_dir(&before).unwrap();
    for name in ["verdict.json", "verdict.json.minisig"] {
        std::fs::copy(ws.out().join(name), before.join(name)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(1100));
    let since = tollgate::verdict::rfc3339(time::OffsetDateTime::now_utc());
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(ws.evaluate_verdict().0, 0);
    let after = ws.out().join("verdict.json");
    let old = before.join("verdict.json");

    revoke(
        &ws,
        &ws.verdict_pub(),
        &ops.join("tollgate.key"),
        &["--compromised-since", &since],
    );
    let store = ws.store();
    let ops_pub = ops.join("tollgate.pub");
    let online = [
        "--store",
        store.to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ];
    let out = verify(&ws, &old, &online);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = verify(&ws, &after, &online);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("trust.key-revoked"),
        "{}",
        stdout(&out)
    );

    // Without --ops-key, a ledger holding revocations is refused rather than ignored.
    let out = verify(&ws, &old, &["--store", store.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let list = ws.path().join("revocations.json");
    let out = tollgate(&[
        "key",
        "revocations",
        "--store",
        store.to_str().unwrap(),
        "--key",
        ops.join("tollgate.key").to_str().unwrap(),
        "--out",
        list.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let offline = [
        "--revocations",
        list.to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ];
    let out = verify(&ws, &old, &offline);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = verify(&ws, &after, &offline);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("trust.key-revoked"),
        "{}",
        stdout(&out)
    );

    // A list signed by a key that is not an ops key is refused.
    let other_pub = ws.path().join("other-keys/tollgate.pub");
    let out = verify(
        &ws,
        &old,
        &[
            "--revocations",
            list.to_str().unwrap(),
            "--ops-key",
            other_pub.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // audit verify refuses the verdict entry recorded after the cutoff, and only that one.
    let out = tollgate(&[
        "audit",
        "verify",
        "--store",
        store.to_str().unwrap(),
        "--ops-key",
        ops_pub.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).matches("trust.key-revoked").count(),
        1,
        "{}",
        stdout(&out)
    );

    // And evaluate refuses to sign with the revoked verdict key.
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("trust.key-revoked"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_drill_signed_by_a_revoked_operator_key_no_longer_counts() {
    let ws = Workspace::new();
    let ops = with_ops_key(&ws);
    let operator = ws.path().join("operator-keys");
    tollgate::signing::keygen(&operator, None).unwrap();
    let log = ws.path().join("drills.jsonl");
    let record = tollgate(&[
        "drill",
        "record",
        "--log",
        log.to_str().unwrap(),
        "--kind",
        "restore",
        "--result",
        "pass",
        "--rto",
        "20m",
        "--operator",
        "ops-oncall",
        "--key",
        operator.join("tollgate.key").to_str().unwrap(),
    ]);
    assert_eq!(record.status.code(), Some(0), "{}", stderr(&record));
    let mut text = std::fs::read_to_string(ws.policy_path()).unwrap();
    text.push_str("\n[gates.drills]\nlog = \"drills.jsonl\"\noperator_keys = [\"operator-keys/tollgate.pub\"]\nrestore = { max_age = \"30d\" }\n");
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
    let codes = gate_codes(&verdict, "drills");
    assert!(
        codes.contains(&"drill.revoked-key".to_owned())
            && codes.contains(&"drill.missing".to_owned()),
        "{verdict:#}"
    );
}

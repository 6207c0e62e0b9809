//! `tollgate keygen` end to end, and signing with the keys it makes.

use crate::util::*;

#[test]
fn keygen_needs_a_password_or_unencrypted() {
    let dir = tempfile::tempdir().unwrap();
    let out = tollgate(&[
        "keygen".as_ref(),
        "--out".as_ref(),
        dir.path().join("k").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("TOLLGATE_KEY_PASSWORD"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn encrypted_key_signs_with_password_from_env() {
    let ws = Workspace::new();
    let keys = ws.path().join("enc");
    let out = bare()
        .args(["keygen", "--out"])
        .arg(&keys)
        .env("TOLLGATE_KEY_PASSWORD", "correct horse")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let evaluate = |password: Option<&str>| {
        let mut cmd = bare();
        cmd.args(["evaluate", "--policy"])
            .arg(ws.policy_path())
            .arg("--release")
            .arg(ws.release())
            .arg("--out")
            .arg(ws.out())
            .arg("--store")
            .arg(ws.store())
            .arg("--key")
            .arg(keys.join("tollgate.key"))
            .env_remove("TOLLGATE_KEY_PASSWORD");
        if let Some(p) = password {
            cmd.env("TOLLGATE_KEY_PASSWORD", p);
        }
        cmd.output().unwrap()
    };
    let no_password = evaluate(None);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(
        stderr(&no_password).contains("encrypted"),
        "{}",
        stderr(&no_password)
    );
    assert_eq!(evaluate(Some("wrong")).status.code(), Some(2));
    assert_eq!(evaluate(Some("correct horse")).status.code(), Some(0));
    let out = tollgate(&[
        "verify".as_ref(),
        ws.out().join("verdict.json").as_os_str(),
        "--pubkey".as_ref(),
        keys.join("tollgate.pub").as_os_str(),
        "--environment".as_ref(),
        "mainnet".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[cfg(unix)]
#[test]
fn world_readable_key_is_refused_before_any_gate_runs() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    std::fs::set_permissions(ws.verdict_key(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!ws.out().exists());
}

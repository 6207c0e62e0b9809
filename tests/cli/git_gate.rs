//! The git gate end to end through `tollgate evaluate`, against repositories made with stock
//! `git`, and tags signed with stock `ssh-keygen` keys (`gpg.format = ssh`).

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `git` isolated from the machine's configuration.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Release",
            "-c",
            "user.email=release@example.org",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A repository with one commit on `main`.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("README.md"), "node\n").unwrap();
    git(dir.path(), &["add", "README.md"]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    dir
}

/// An unencrypted Ed25519 key made by stock ssh-keygen; returns the private key's path.
fn ssh_key(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("run ssh-keygen (openssh-client)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    key
}

fn signed_tag(repo: &Path, key: &Path, tag: &str) {
    git(
        repo,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "tag",
            "-s",
            tag,
            "-m",
            tag,
        ],
    );
}

/// A workspace whose policy trusts `tag_key` (a .pub path) and has `table` under [gates.git].
fn workspace(tag_key: Option<&Path>, table: &str) -> Workspace {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &format!("[gates.git]\n{table}\n"),
    );
    if let Some(key) = tag_key {
        let text = std::fs::read_to_string(ws.policy_path()).unwrap();
        let text = text.replace(
            "[trust]\n",
            &format!("[trust]\ntag_keys = [{:?}]\n", key.display().to_string()),
        );
        std::fs::write(ws.policy_path(), text).unwrap();
    }
    ws
}

#[test]
fn clean_commit_on_main_promotes_and_dirty_tree_blocks() {
    let repo = repo();
    let ws = workspace(None, "");
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    let report = gate(&verdict, "git");
    assert_eq!(report["outcome"], "pass");
    assert!(
        report["evidence"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("git:commit/")
    );
    std::fs::write(repo.path().join("README.md"), "patched\n").unwrap();
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.dirty"]);
    let finding = &gate(&verdict, "git")["findings"][0];
    assert!(
        finding["message"].as_str().unwrap().contains("README.md"),
        "{finding:#}"
    );
}

#[test]
fn commit_not_on_an_allowed_ref_blocks() {
    let repo = repo();
    git(repo.path(), &["checkout", "-q", "-b", "experiment"]);
    std::fs::write(repo.path().join("x.txt"), "x\n").unwrap();
    git(repo.path(), &["add", "x.txt"]);
    git(repo.path(), &["commit", "-q", "-m", "experiment"]);
    let ws = workspace(
        None,
        "allowed_refs = [\"refs/heads/main\", \"refs/tags/v*\"]",
    );
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.unreachable"]);
    // Merged into main, the same commit is releasable.
    git(repo.path(), &["checkout", "-q", "main"]);
    git(repo.path(), &["merge", "-q", "--ff-only", "experiment"]);
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 0, "{verdict:#}");
}

#[test]
fn unsigned_tag_blocks_when_a_signed_tag_is_required() {
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let trusted = ssh_key(keys.path(), "release");
    let ws = workspace(
        Some(&trusted.with_extension("pub")),
        "tag = \"v*\"\nsigned_tag = true",
    );
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.no-tag"]);
    git(repo.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.unsigned-tag"]);
}

#[test]
fn tag_signed_by_an_untrusted_ssh_key_blocks() {
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let trusted = ssh_key(keys.path(), "release");
    let stranger = ssh_key(keys.path(), "stranger");
    signed_tag(repo.path(), &stranger, "v1.0.0");
    let ws = workspace(
        Some(&trusted.with_extension("pub")),
        "tag = \"v*\"\nsigned_tag = true",
    );
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.untrusted-tag-signature"]);
    let message = gate(&verdict, "git")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("SHA256:"), "{message}");
}

#[test]
fn tag_signed_by_a_trusted_ssh_key_promotes() {
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let trusted = ssh_key(keys.path(), "release");
    signed_tag(repo.path(), &trusted, "v1.0.0");
    let ws = workspace(
        Some(&trusted.with_extension("pub")),
        "tag = \"v*\"\nsigned_tag = true",
    );
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 0, "{verdict:#}");
    let report = gate(&verdict, "git");
    assert_eq!(report["outcome"], "pass");
    assert_eq!(report["counts"]["tag_signatures_verified"], 1);
    assert!(
        report["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "git:refs/tags/v1.0.0")
    );
    // The same signed tag moved onto another commit no longer points at the release.
    std::fs::write(repo.path().join("y.txt"), "y\n").unwrap();
    git(repo.path(), &["add", "y.txt"]);
    git(repo.path(), &["commit", "-q", "-m", "later"]);
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.no-tag"]);
}

#[test]
fn stock_ssh_keygen_accepts_what_the_gate_accepts() {
    // The gate verifies the signature itself; git's own verifier agrees on the same tag.
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let trusted = ssh_key(keys.path(), "release");
    signed_tag(repo.path(), &trusted, "v1.0.0");
    let public = std::fs::read_to_string(trusted.with_extension("pub")).unwrap();
    let signers = keys.path().join("allowed_signers");
    std::fs::write(&signers, format!("release@example.org {public}")).unwrap();
    git(
        repo.path(),
        &[
            "-c",
            &format!("gpg.ssh.allowedSignersFile={}", signers.display()),
            "verify-tag",
            "v1.0.0",
        ],
    );
}

#[test]
fn tag_edited_after_signing_blocks() {
    let repo = repo();
    let keys = tempfile::tempdir().unwrap();
    let trusted = ssh_key(keys.path(), "release");
    signed_tag(repo.path(), &trusted, "v1.0.0");
    // Rewrite the tag's message, keep its signature, and move the ref to the forgery.
    let original = Command::new("git")
        .args(["cat-file", "tag", "v1.0.0"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let forged = String::from_utf8(original.stdout).unwrap().replacen(
        "\nv1.0.0\n",
        "\nv1.0.0 (hotfix)\n",
        1,
    );
    let file = keys.path().join("forged-tag");
    std::fs::write(&file, forged).unwrap();
    let mktag = Command::new("git")
        .arg("mktag")
        .stdin(std::fs::File::open(&file).unwrap())
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        mktag.status.success(),
        "{}",
        String::from_utf8_lossy(&mktag.stderr)
    );
    let oid = String::from_utf8(mktag.stdout).unwrap();
    git(repo.path(), &["update-ref", "refs/tags/v1.0.0", oid.trim()]);
    let ws = workspace(
        Some(&trusted.with_extension("pub")),
        "tag = \"v*\"\nsigned_tag = true",
    );
    let (code, verdict) = ws.evaluate_repo(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "git"), ["git.bad-tag-signature"]);
}

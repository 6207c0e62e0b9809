//! `tollgate init`: the starter policy passes `policy check`, evaluates the release it was
//! made for, never overwrites, and refuses to guess a signer it cannot find.

use crate::report::{copy_demo_release, testdata};
use crate::util::*;
use std::path::{Path, PathBuf};

/// The demo release's source workspace (testdata/demo-repo), the demo signer's public key
/// in keys/, and the demo release (with its SBOM and audit report) in dist/.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&testdata().join("demo-repo"), dir.path());
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::copy(
        testdata().join("keys/demo-release.pub"),
        dir.path().join("keys/demo-release.pub"),
    )
    .unwrap();
    copy_demo_release(&dir.path().join("dist"));
    dir
}

fn check(policy: &Path) {
    let out = tollgate(&["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&out),
        std::fs::read_to_string(policy).unwrap_or_default()
    );
}

#[test]
fn starter_policy_passes_check_and_promotes_the_release_it_was_made_for() {
    let repo = repo();
    let root = repo.path().to_str().unwrap();
    let out = tollgate(&["init", "--repo", root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let notes = stderr(&out);
    assert!(
        notes.contains("SHA256SUMS, signed (SHA256SUMS.minisig, key "),
        "{notes}"
    );
    assert!(
        notes.contains("5 artifact(s), 5 with NAME.minisig"),
        "{notes}"
    );
    let policy = repo.path().join("gates/regtest.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    for line in [
        "environment = \"regtest\"",
        "artifact_keys = [\"../keys/demo-release.pub\"]",
        "[gates.signatures]",
        "require_sums_signature = true",
        "artifact_signatures = \"required\"",
        // Every gate whose inputs were found is written enabled.
        "[gates.real_deps]",
        "manifest = \"Cargo.toml\"",
        "[gates.sbom]",
        "file = \"chain-node-1.4.2.cdx.json\"",
        "[gates.audit]",
        "reports = [\"chain-node-1.4.2.audit.json\"]",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} missing from\n{text}"
        );
    }
    check(&policy);
    assert!(
        !text.contains("# [gates."),
        "no gate is left commented out:\n{text}"
    );
    let out = tollgate(&[
        "evaluate",
        "--policy",
        policy.to_str().unwrap(),
        "--release",
        repo.path().join("dist").to_str().unwrap(),
        "--repo",
        root,
        "--out",
        repo.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn never_overwrites_without_force() {
    let repo = repo();
    let root = repo.path().to_str().unwrap();
    let policy = repo.path().join("gates/regtest.toml");
    std::fs::create_dir_all(policy.parent().unwrap()).unwrap();
    std::fs::write(&policy, "# hand-written\n").unwrap();
    let out = tollgate(&["init", "--repo", root]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already exists (pass --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&policy).unwrap(),
        "# hand-written\n"
    );
    let out = tollgate(&["init", "--repo", root, "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check(&policy);
}

#[test]
fn a_signed_release_without_the_signer_key_is_refused() {
    let repo = repo();
    std::fs::remove_file(repo.path().join("keys/demo-release.pub")).unwrap();
    let out = tollgate(&["init", "--repo", repo.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("is signed by minisign key "), "{err}");
    assert!(err.contains("--trust-key FILE"), "{err}");
    assert!(!repo.path().join("gates/regtest.toml").exists());
}

#[test]
fn trust_key_and_output_elsewhere_for_mainnet() {
    let repo = repo();
    std::fs::remove_file(repo.path().join("keys/demo-release.pub")).unwrap();
    let key = testdata().join("keys/demo-release.pub");
    let policy: PathBuf = repo.path().join("policies/prod/mainnet.toml");
    let out = tollgate(&[
        "init",
        "--repo",
        repo.path().to_str().unwrap(),
        "--release",
        repo.path().join("dist").to_str().unwrap(),
        "--environment",
        "mainnet",
        "--trust-key",
        key.to_str().unwrap(),
        "-o",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("environment = \"mainnet\""), "{text}");
    assert!(text.contains("allow_legacy = false"), "{text}");
    check(&policy);
}

#[test]
fn bare_repository_gets_a_digest_only_policy_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = tollgate(&["init", "--repo", dir.path().to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: no minisign public key found"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("require_sums_signature = false"), "{text}");
    assert!(text.contains("WARNING: no minisign public key"), "{text}");
    assert!(
        !text.contains("[gates.real_deps]"),
        "no Cargo.toml: no real_deps section\n{text}"
    );
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, &text).unwrap();
    check(&policy);
}

#[test]
fn on_tollgate_itself_every_gate_with_inputs_is_written_and_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("mainnet.toml");
    let out = tollgate(&[
        "init",
        "--repo",
        root.to_str().unwrap(),
        "--release",
        testdata().join("demo-release").to_str().unwrap(),
        "--environment",
        "mainnet",
        "--trust-key",
        testdata().join("keys/demo-release.pub").to_str().unwrap(),
        "--output",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&policy).unwrap();
    for table in ["signatures", "real_deps", "sbom", "audit", "smoke"] {
        let header = format!("[gates.{table}]");
        let at = text
            .find(&header)
            .unwrap_or_else(|| panic!("{header} missing:\n{text}"));
        // Every table is explained by a comment right above it.
        let above = text[..at].trim_end().lines().last().unwrap_or_default();
        assert!(
            above.starts_with("# "),
            "{header} has no explanation:\n{text}"
        );
    }
    check(&policy);
}

/// Copy the files under `from` into `to` (directories created as needed).
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

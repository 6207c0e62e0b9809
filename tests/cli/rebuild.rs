//! `[gates.rebuild]` through the binary: a release built deterministically from the commit
//! passes; one built from an uncommitted change blocks, naming the artifact and the member
//! that differs; the build sees none of tollgate's secrets.

use crate::spawn::{SECRETS, assert_no_secret_in};
use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ARTIFACT: &str = "node-linux-x64.tar.gz";

/// A deterministic release script: a tarball of src/ with fixed order, time and owners.
const BUILD: &str = r#"#!/bin/sh
set -eu
rm -rf dist stage
mkdir -p dist stage/node
cp src/*.txt stage/node/
tar --sort=name --mtime=@"$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --mode=u=rwX,go=rX -C stage -cf - node | gzip -n > dist/node-linux-x64.tar.gz
"#;

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_owned()
}

/// A committed repository with the release script (and `extra` script lines appended).
fn repo(ws: &Workspace, extra: &str) -> PathBuf {
    let repo = ws.path().join("repo");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(
        repo.join("scripts/build-release.sh"),
        format!("{BUILD}{extra}"),
    )
    .unwrap();
    std::fs::write(repo.join("src/main.txt"), "fn main() {}\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "dist/\nstage/\n").unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "commit",
            "-q",
            "-m",
            "release",
            "--date",
            "2026-11-01T00:00:00Z",
        ],
    );
    repo
}

/// Build the release in the repository's work tree as it stands (committed or not) and
/// publish it as the workspace's only artifact, with signed sums.
fn publish(ws: &Workspace, repo: &Path) {
    let epoch = git(repo, &["log", "-1", "--format=%ct"]);
    let out = Command::new("sh")
        .arg("scripts/build-release.sh")
        .current_dir(repo)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_dir_all(ws.release()).unwrap();
    std::fs::create_dir_all(ws.release()).unwrap();
    std::fs::copy(
        repo.join("dist").join(ARTIFACT),
        ws.release().join(ARTIFACT),
    )
    .unwrap();
    ws.write_sums_and_sign(&[ARTIFACT]);
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        "[gates.rebuild]\ncommand = [\"sh\", \"scripts/build-release.sh\"]\noutputs = \"dist\"\ntimeout = \"5m\"\n",
    );
}

fn evaluate(ws: &Workspace, repo: &Path) -> (i32, Value) {
    ws.evaluate_repo(repo, &[])
}

#[test]
fn a_deterministic_release_rebuilt_from_the_commit_passes() {
    let ws = Workspace::new();
    let repo = repo(&ws, "");
    publish(&ws, &repo);
    let (code, verdict) = evaluate(&ws, &repo);
    let report = gate(&verdict, "rebuild");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["outcome"], "pass", "{report:#}");
    assert_eq!(report["counts"]["rebuild_artifacts_matched"], 1);
    let evidence: Vec<&str> = report["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        evidence.iter().any(|p| p.ends_with("rebuild/build.log")),
        "{evidence:?}"
    );
    assert!(
        evidence
            .iter()
            .any(|p| p.ends_with("rebuild/toolchain.txt")),
        "{evidence:?}"
    );
    let log = std::fs::read_to_string(ws.out().join("rebuild/build.log")).unwrap();
    assert!(log.contains("network: "), "{log}");
    let toolchain = std::fs::read_to_string(ws.out().join("rebuild/toolchain.txt")).unwrap();
    assert!(
        toolchain.contains("rustc ") || toolchain.starts_with("unavailable"),
        "{toolchain}"
    );
    // The provenance records the rebuild's toolchain as a byproduct, bound by digest.
    let provenance = read_json(&ws.out().join("provenance.json"));
    let byproducts = provenance["predicate"]["runDetails"]["byproducts"]
        .as_array()
        .unwrap();
    let rebuilt = byproducts
        .iter()
        .find(|b| b["name"] == "rebuild/toolchain.txt")
        .unwrap_or_else(|| panic!("{byproducts:#?}"));
    assert_eq!(
        rebuilt["digest"]["sha256"],
        tollgate::digest::sha256_hex(toolchain.as_bytes())
    );
    let first = toolchain.lines().next().unwrap();
    if toolchain.starts_with("unavailable") {
        assert!(
            rebuilt["annotations"]["unavailable"].is_string(),
            "{rebuilt:#}"
        );
    } else {
        assert_eq!(rebuilt["annotations"]["rustc"], first, "{rebuilt:#}");
        assert!(rebuilt["annotations"]["release"].is_string(), "{rebuilt:#}");
    }
}

#[test]
fn a_release_built_from_an_uncommitted_change_blocks_naming_the_member() {
    let ws = Workspace::new();
    let repo = repo(&ws, "");
    std::fs::write(repo.join("src/main.txt"), "fn main() { backdoor() }\n").unwrap();
    publish(&ws, &repo);
    let (code, verdict) = evaluate(&ws, &repo);
    assert_eq!(code, 1);
    let report = gate(&verdict, "rebuild");
    assert_eq!(
        gate_codes(&verdict, "rebuild"),
        ["rebuild.mismatch"],
        "{report:#}"
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["subject"], ARTIFACT);
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("\"node/main.txt\""), "{message}");
    assert!(message.contains("content sha256"), "{message}");
    assert!(message.contains("release sha256"), "{message}");
}

#[test]
fn the_build_sees_no_secret() {
    let ws = Workspace::new();
    let repo = repo(&ws, "env | sort > dist/env.txt\nenv | sort\n");
    publish(&ws, &repo);
    let mut command = bare();
    command
        .args(["evaluate", "--policy"])
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--repo")
        .arg(&repo)
        .arg("--out")
        .arg(ws.out())
        .arg("--store")
        .arg(ws.store())
        .arg("--key")
        .arg(ws.verdict_key());
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = ws.out().join("rebuild/build.log");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("SOURCE_DATE_EPOCH="),
        "the script's env dump is not in {text}"
    );
    assert!(text.contains("CARGO_HOME="), "{text}");
    for (name, _) in SECRETS {
        assert!(
            !text.contains(&format!("{name}=")),
            "{name} reached the build: {text}"
        );
    }
    assert_no_secret_in(&[ws.out(), ws.store()]);
}

#[test]
fn a_failing_build_blocks_with_its_status_and_log_tail_and_a_missing_output_is_named() {
    let ws = Workspace::new();
    let repo = repo(&ws, "");
    publish(&ws, &repo);
    let policy = std::fs::read_to_string(ws.policy_path()).unwrap();
    let failing = policy.replace(
        "command = [\"sh\", \"scripts/build-release.sh\"]",
        "command = [\"sh\", \"-c\", \"echo boom-from-the-build; exit 3\"]",
    );
    std::fs::write(ws.policy_path(), failing).unwrap();
    let (code, verdict) = evaluate(&ws, &repo);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "rebuild"), ["rebuild.failed"]);
    let message = gate(&verdict, "rebuild")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("exit status: 3") && message.contains("boom-from-the-build"),
        "{message}"
    );

    let elsewhere = policy.replace("outputs = \"dist\"", "outputs = \"stage\"");
    std::fs::write(ws.policy_path(), elsewhere).unwrap();
    let (code, verdict) = evaluate(&ws, &repo);
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "rebuild"), ["rebuild.missing-output"]);
}

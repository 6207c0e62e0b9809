//! Issue 10 (points 7 and 8) through the binary: only real signatures are exempt from the
//! unlisted-file check, and special files in a release (FIFOs, devices, symlinks leaving the
//! release, symlinks to directories) block with a finding instead of hanging a read.

use crate::util::*;
use serde_json::Value;
use std::process::Stdio;
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

const ARTIFACT: &str = "chain-node-1.4.2-x86_64-linux.tar.gz";
const ARTIFACT_SIZE: &str = env!("CARGO_BIN_EXE_tollgate-plugin-artifact-size");

/// A hang is the bug: far more than any evaluation of this tiny release needs, even on a
/// loaded machine, and far less than forever.
const GUARD: Duration = Duration::from_secs(120);

/// `evaluate` with the workspace's paths, killed if it runs past `GUARD`; the exit code,
/// the verdict and the text report.
fn evaluate_guarded(ws: &Workspace) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let policy = ws.policy_path();
    let (release, out, key, store) = (ws.release(), ws.out(), ws.verdict_key(), ws.store());
    let now = std::ffi::OsStr::new("2026-11-21T10:00:00Z");
    let flag = |name: &'static str| std::ffi::OsStr::new(name);
    let args = [
        flag("evaluate"),
        flag("--policy"),
        policy.as_os_str(),
        flag("--release"),
        release.as_os_str(),
        flag("--repo"),
        ws.path().as_os_str(),
        flag("--out"),
        out.as_os_str(),
        flag("--key"),
        key.as_os_str(),
        flag("--store"),
        store.as_os_str(),
        flag("--now"),
        now,
    ];
    let mut child = command(&args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = match child.wait_timeout(GUARD).unwrap() {
        Some(status) => status,
        None => {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "evaluate hung for {GUARD:?} on a special file; stderr so far:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
    };
    let text = format!(
        "{}{}",
        std::fs::read_to_string(&out_path).unwrap(),
        std::fs::read_to_string(&err_path).unwrap()
    );
    eprintln!("evaluate took {:?}", started.elapsed());
    let code = status.code().unwrap();
    assert!(code == 0 || code == 1, "exit {code}: {text}");
    (code, read_json(&ws.out().join("verdict.json")), text)
}

/// The workspace's policy plus the artifact-size plugin, which hashes every release file
/// (the read that used to hang on a FIFO or `/dev/zero`).
fn policy_with_plugin(ws: &Workspace) {
    let plugin = format!(
        "[[gates.plugin]]\nname = \"artifact-size\"\ncommand = [\"{ARTIFACT_SIZE}\", \"--max-kb\", \"200\"]\ntimeout = \"30s\"\n"
    );
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &plugin);
}

/// Every (gate, code, subject) of the verdict's blocking findings.
fn blocking(verdict: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for gate in verdict["gates"].as_array().unwrap() {
        for finding in gate["findings"].as_array().unwrap() {
            if finding["severity"] == "error" {
                out.push((
                    gate["gate"].as_str().unwrap().to_owned(),
                    finding["code"].as_str().unwrap().to_owned(),
                    finding["subject"].as_str().unwrap_or("").to_owned(),
                ));
            }
        }
    }
    out
}

fn has(verdict: &Value, code: &str, subject: &str) -> bool {
    blocking(verdict)
        .iter()
        .any(|(_, c, s)| c == code && s == subject)
}

/// Point 8: `evil.minisig` beside no listed artifact used to be exempt as "a signature".
#[test]
fn a_stray_minisig_is_an_unlisted_file() {
    let ws = Workspace::new();
    // A perfectly valid signature by the trusted key, over nothing the release lists.
    let sig = ws.release_signer.sign(b"evil", "timestamp:0").unwrap();
    ws.write("evil.minisig", sig.as_bytes());
    let (code, verdict, text) = evaluate_guarded(&ws);
    assert_eq!(code, 1, "{text}");
    assert!(has(&verdict, "sig.unlisted-file", "evil.minisig"), "{text}");
    assert!(
        text.contains("a signature is exempt only beside an artifact"),
        "{text}"
    );
    // The real signatures stay exempt: nothing else is reported.
    assert_eq!(blocking(&verdict).len(), 1, "{:?}", blocking(&verdict));
}

/// Point 7: a symlink to /dev/zero listed in SHA256SUMS blocks within seconds (it used to
/// be hashed forever by every gate that reads release files).
#[cfg(unix)]
#[test]
fn a_symlink_to_dev_zero_in_the_sums_blocks_quickly() {
    let ws = Workspace::new();
    std::os::unix::fs::symlink("/dev/zero", ws.release().join("zero.bin")).unwrap();
    let sums = std::fs::read_to_string(ws.release().join("SHA256SUMS")).unwrap();
    ws.write(
        "SHA256SUMS",
        format!("{sums}{}  zero.bin\n", "0".repeat(64)).as_bytes(),
    );
    ws.sign("SHA256SUMS");
    policy_with_plugin(&ws);
    let started = Instant::now();
    let (code, verdict, text) = evaluate_guarded(&ws);
    assert_eq!(code, 1, "{text}");
    assert!(started.elapsed() < GUARD, "{text}");
    assert!(has(&verdict, "sig.path-escape", "zero.bin"), "{text}");
    assert_eq!(verdict["decision"], "block");
}

/// Point 7: a FIFO in the release blocks without hanging (opening it for reading would wait
/// for a writer forever).
#[cfg(unix)]
#[test]
fn a_fifo_in_the_release_blocks_without_hanging() {
    let ws = Workspace::new();
    let made = std::process::Command::new("mkfifo")
        .arg(ws.release().join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    policy_with_plugin(&ws);
    let (code, verdict, text) = evaluate_guarded(&ws);
    assert_eq!(code, 1, "{text}");
    assert!(has(&verdict, "sig.special-file", "pipe"), "{text}");
    assert!(text.contains("a FIFO (named pipe)"), "{text}");
    // The plugin gate could not hash it either: it says so instead of waiting.
    let plugin = verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "artifact-size")
        .unwrap();
    assert_eq!(plugin["outcome"], "error", "{plugin}");
}

/// Point 7: a symlink to a directory inside the release, listed as an artifact, gets a
/// finding that says what it is (not "Is a directory (os error 21)").
#[cfg(unix)]
#[test]
fn a_symlink_to_a_directory_is_named_for_what_it_is() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.release().join("docs")).unwrap();
    ws.write("docs/index.html", b"<html></html>");
    std::os::unix::fs::symlink("docs", ws.release().join("docs-link")).unwrap();
    let sums = std::fs::read_to_string(ws.release().join("SHA256SUMS")).unwrap();
    ws.write(
        "SHA256SUMS",
        format!("{sums}{}  docs-link\n", "0".repeat(64)).as_bytes(),
    );
    ws.sign("SHA256SUMS");
    let (code, verdict, text) = evaluate_guarded(&ws);
    assert_eq!(code, 1, "{text}");
    assert!(has(&verdict, "sig.special-file", "docs-link"), "{text}");
    assert!(text.contains("`docs-link` is a directory"), "{text}");
    assert!(!text.contains("os error 21"), "{text}");
    // The signature beside the artifact is still exempt; the unsigned file inside is not.
    assert!(
        has(&verdict, "sig.unlisted-file", "docs/index.html"),
        "{text}"
    );
    assert!(std::fs::read(ws.release().join(format!("{ARTIFACT}.minisig"))).is_ok());
}

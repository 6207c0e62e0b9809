//! The audit gate end to end through `tollgate evaluate`: promote on clean or waived reports,
//! block with the right code on each bad one, and `run = true` with and without cargo-audit.
//! Reports are the committed fixtures made by real cargo-audit and cargo-deny
//! (testdata/audit/regen.sh), copied into a fresh release so their age is "now".

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/audit")
        .join(path)
}

/// A signed release that also ships `reports` (fixture path, release name), the repository
/// (`--repo`) holding `project`'s Cargo.lock, and a policy with `[gates.audit]` = `audit`
/// followed by `tail`.
fn scene(project: &str, reports: &[(&str, &str)], audit: &str, tail: &str) -> Workspace {
    let ws = Workspace::new();
    let lock = fixture(&format!("projects/{project}/Cargo.lock"));
    std::fs::copy(lock, ws.path().join("Cargo.lock")).unwrap();
    let mut names = vec!["chain-node-1.4.2-x86_64-linux.tar.gz", "RELEASE-NOTES.md"];
    for (from, name) in reports {
        let bytes = std::fs::read(fixture(&format!("reports/{from}"))).unwrap();
        ws.write(name, &bytes);
        names.push(name);
    }
    ws.write_sums_and_sign(&names);
    let list: Vec<String> = reports.iter().map(|(_, n)| format!("{n:?}")).collect();
    // The reports were just copied, so their mtime is "now": these tests age them by it
    // (mainnet's default, `undated = "block"`, has its own test).
    let table = format!(
        "[gates.audit]\nreports = [{}]\nundated = \"mtime\"\n{audit}\n{tail}",
        list.join(", ")
    );
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &table);
    ws
}

fn audit_report(verdict: &Value) -> &Value {
    verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "audit")
        .expect("an audit gate report")
}

fn waiver(id: &str, expires: &str) -> String {
    format!(
        "[[waivers]]\ngate = \"audit\"\ncode = \"audit.vulnerability\"\nid = \"{id}\"\nreason = \"not reachable from the node binary; OPS-112\"\nowner = \"release-manager@example.org\"\nexpires = {expires}\n"
    )
}

#[test]
fn clean_reports_promote() {
    let ws = scene(
        "clean",
        &[
            ("clean/cargo-audit.json", "cargo-audit.json"),
            ("clean/cargo-deny.json", "cargo-deny.json"),
            ("clean/osv-scanner-all.json", "osv-scanner.json"),
        ],
        "",
        "",
    );
    let output = ws.evaluate(&[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let verdict = read_json(&ws.out().join("verdict.json"));
    let audit = audit_report(&verdict);
    assert_eq!(audit["outcome"], "pass");
    let evidence: Vec<&str> = audit["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for name in ["cargo-audit.json", "cargo-deny.json", "osv-scanner.json"] {
        assert!(evidence.contains(&name), "{evidence:?}");
    }
}

#[test]
fn vulnerabilities_block_with_their_codes() {
    let ws = scene(
        "vulnerable",
        &[("vulnerable/cargo-audit.json", "cargo-audit.json")],
        "threshold = \"high\"",
        "",
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(verdict["decision"], "block");
    let audit = audit_report(&verdict);
    assert_eq!(audit["outcome"], "fail");
    let blocking: Vec<(&str, &str)> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| (f["code"].as_str().unwrap(), f["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(blocking, [("audit.vulnerability", "RUSTSEC-2021-0003")]);
    let codes = codes(&verdict);
    for code in ["audit.unmaintained", "audit.unsound", "audit.yanked"] {
        assert!(codes.contains(&code.to_owned()), "{codes:?}");
    }
}

#[test]
fn waivers_by_id_or_alias_promote_and_are_listed() {
    let tail = format!(
        "{}{}{}",
        waiver("RUSTSEC-2021-0003", &soon()),
        // time's advisory, waived by its CVE alias (cargo-deny keeps the aliases).
        waiver("CVE-2020-26235", &soon()),
        waiver("RUSTSEC-2099-0001", &soon()),
    );
    let ws = scene(
        "vulnerable",
        &[("vulnerable/cargo-deny.json", "cargo-deny.json")],
        "",
        &tail,
    );
    let output = ws.evaluate(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(audit_report(&verdict)["outcome"], "waived");
    let applied: Vec<&str> = verdict["waivers_applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(applied, ["RUSTSEC-2021-0003", "CVE-2020-26235"]);
    assert_eq!(verdict["waivers_unused"][0]["id"], "RUSTSEC-2099-0001");
}

#[test]
fn an_expired_waiver_is_void() {
    let tail = format!(
        "{}{}",
        waiver("RUSTSEC-2021-0003", "2020-01-01"),
        waiver("RUSTSEC-2020-0071", &soon())
    );
    let ws = scene(
        "vulnerable",
        &[("vulnerable/osv-scanner.json", "osv-scanner.json")],
        "",
        &tail,
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(verdict["waivers_expired"][0]["id"], "RUSTSEC-2021-0003");
    assert_eq!(audit_report(&verdict)["outcome"], "fail");
}

#[test]
fn a_waiver_without_an_owner_is_a_configuration_error() {
    let ws = scene(
        "clean",
        &[("clean/cargo-audit.json", "cargo-audit.json")],
        "",
        "[[waivers]]\ngate = \"audit\"\nid = \"RUSTSEC-2021-0003\"\nreason = \"r\"\nexpires = 2099-12-31\n",
    );
    let output = ws.evaluate(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("owner"), "{}", stderr(&output));
}

#[test]
fn stale_and_foreign_lockfile_reports_block() {
    let ws = scene(
        "clean",
        &[
            ("clean/cargo-deny.json", "cargo-deny.json"),
            ("vulnerable/cargo-audit.json", "cargo-audit.json"),
        ],
        "max_age = \"7d\"",
        "",
    );
    let path = ws.release().join("cargo-deny.json");
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(10 * 24 * 3600))
        .unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    let codes = codes(&verdict);
    assert!(
        codes.contains(&"audit.stale-report".to_owned()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"audit.lockfile-mismatch".to_owned()),
        "{codes:?}"
    );
}

#[test]
fn a_missing_report_is_an_error_naming_it() {
    let ws = scene("clean", &[], "", "");
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        "[gates.audit]\nreports = [\"cargo-audit.json\"]\n",
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    let audit = audit_report(&verdict);
    assert_eq!(audit["outcome"], "error");
    assert!(
        audit["error"]
            .as_str()
            .unwrap()
            .contains("`cargo-audit.json` is missing")
    );
}

/// `tollgate evaluate` with `run = true` and the given PATH, from the repository's parent
/// with a relative `--repo` (cargo-audit runs inside the repository: paths handed to it must
/// not be relative to tollgate's own directory).
fn evaluate_run(ws: &Workspace, path_env: &std::ffi::OsStr) -> std::process::Output {
    let parent = ws.path().parent().unwrap();
    let repo = ws.path().file_name().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .current_dir(parent)
        .arg("evaluate")
        .arg("--policy")
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--repo")
        .arg(repo)
        .arg("--out")
        .arg(ws.out())
        .env("PATH", path_env)
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn run_policy(ws: &Workspace, db: &Path) {
    let table = format!(
        "[gates.audit]\nrun = true\ndb = {:?}\nno_fetch = true\ntimeout = \"5m\"\n",
        db.display().to_string()
    );
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &table);
}

#[test]
fn run_without_cargo_audit_is_an_error_not_a_pass() {
    let ws = scene("clean", &[], "", "");
    run_policy(&ws, Path::new("/nonexistent/advisory-db"));
    let empty = tempfile::tempdir().unwrap();
    let output = evaluate_run(&ws, empty.path().as_os_str());
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let verdict = read_json(&ws.out().join("verdict.json"));
    let audit = audit_report(&verdict);
    assert_eq!(audit["outcome"], "error");
    assert!(
        audit["error"]
            .as_str()
            .unwrap()
            .contains("cargo install cargo-audit"),
        "{audit}"
    );
}

/// Runs the real cargo-audit (CI installs it: .ci/setup.d/20-cargo-audit.sh) against the
/// advisory-db snapshot beside the repository. A missing tool or database is a failure.
#[test]
fn run_true_audits_the_repository_with_real_cargo_audit() {
    let db = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/advisory-db");
    assert!(
        db.join("crates").is_dir(),
        "the advisory-db snapshot is missing at {}",
        db.display()
    );
    let ws = scene("vulnerable", &[], "", "");
    run_policy(&ws, &db);
    let output = evaluate_run(&ws, &std::env::var_os("PATH").unwrap_or_default());
    let verdict = read_json(&ws.out().join("verdict.json"));
    let audit = audit_report(&verdict);
    assert_ne!(
        audit["outcome"], "error",
        "is cargo-audit installed? run .ci/run or `cargo install cargo-audit --locked`: {audit}"
    );
    assert_eq!(output.status.code(), Some(1));
    let blocking: Vec<&str> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert_eq!(blocking, ["RUSTSEC-2021-0003", "RUSTSEC-2020-0071"]);
    assert!(ws.out().join("cargo-audit.json").is_file());
}

#[test]
fn a_hanging_cargo_audit_is_stopped_and_errors() {
    use std::os::unix::fs::PermissionsExt;
    let ws = scene("clean", &[], "", "");
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        "[gates.audit]\nrun = true\ntimeout = \"1s\"\n",
    );
    // A stand-in that never answers: `exec` so that stopping it leaves no child behind.
    let bin = tempfile::tempdir().unwrap();
    let fake = bin.path().join("cargo-audit");
    std::fs::write(&fake, "#!/bin/sh\nexec /bin/sleep 30\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let output = evaluate_run(&ws, bin.path().as_os_str());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the timeout did not stop it"
    );
    assert_eq!(output.status.code(), Some(1));
    let verdict = read_json(&ws.out().join("verdict.json"));
    let audit = audit_report(&verdict);
    assert_eq!(audit["outcome"], "error");
    assert!(
        audit["error"]
            .as_str()
            .unwrap()
            .contains("did not finish within 1s"),
        "{audit}"
    );
}

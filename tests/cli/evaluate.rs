//! `tollgate evaluate` end to end: promote, each signatures finding, exit codes, outputs.

use crate::util::*;
use tollgate::digest::sha256_hex;
use tollgate::verdict::Verdict;

#[test]
fn clean_release_promotes_and_writes_all_outputs() {
    let ws = Workspace::new();
    let output = ws.evaluate(&[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("DECISION: PROMOTE to mainnet"),
        "{}",
        stdout(&output)
    );
    for name in [
        "verdict.json",
        "verdict.json.minisig",
        "provenance.json",
        "provenance.json.minisig",
    ] {
        assert!(ws.out().join(name).is_file(), "{name} missing");
    }
    // The verdict parses into the library's own type: the format is what we promise.
    let bytes = std::fs::read(ws.out().join("verdict.json")).unwrap();
    let verdict: Verdict = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        verdict.canonical_bytes(),
        bytes,
        "verdict.json is not in canonical form"
    );
    assert_eq!(verdict.environment.as_str(), "mainnet");
    let subjects: Vec<_> = verdict
        .subjects
        .iter()
        .map(|s| (s.name.as_str(), s.sha256.clone()))
        .collect();
    assert_eq!(
        subjects,
        [
            ("RELEASE-NOTES.md", sha256_hex(b"# 1.4.2\n- faster sync\n")),
            (
                "chain-node-1.4.2-x86_64-linux.tar.gz",
                sha256_hex(b"pretend this is a tarball")
            ),
        ]
    );
    let policy_bytes = std::fs::read(ws.policy_path()).unwrap();
    assert_eq!(verdict.policy.sha256, sha256_hex(&policy_bytes));
    assert!(
        verdict.commit.is_none(),
        "a temp dir is not a git repository"
    );
}

#[test]
fn verdict_expiry_follows_verdict_ttl() {
    let ws = Workspace::new();
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["evaluated_at"], "2026-11-21T10:00:00Z");
    assert_eq!(verdict["expires_at"], "2026-11-24T10:00:00Z");
}

#[test]
fn digest_mismatch_blocks() {
    let ws = Workspace::new();
    ws.write(
        "RELEASE-NOTES.md",
        b"# 1.4.2\n- faster sync\n- and a backdoor\n",
    );
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(verdict["decision"], "block");
    // The artifact's own signature no longer matches either.
    assert_eq!(
        codes(&verdict),
        ["sig.signature-invalid", "sig.digest-mismatch"]
    );
}

#[test]
fn listed_file_missing_blocks() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join("RELEASE-NOTES.md")).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.listed-missing"]);
}

#[test]
fn unlisted_file_blocks() {
    let ws = Workspace::new();
    ws.write("chain-node-debug.so", b"symbols");
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.unlisted-file"]);
}

#[test]
fn duplicate_and_malformed_lines_block() {
    let ws = Workspace::new();
    let sums = std::fs::read_to_string(ws.release().join("SHA256SUMS")).unwrap();
    let first = sums.lines().next().unwrap().to_owned();
    ws.write(
        "SHA256SUMS",
        format!("{sums}{first}\nthis is not a sums line\n").as_bytes(),
    );
    ws.sign("SHA256SUMS");
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(
        codes(&verdict),
        ["sig.malformed-line", "sig.duplicate-entry"]
    );
    let malformed = &verdict["gates"][0]["findings"][0];
    assert_eq!(malformed["location"]["line"], 4);
}

#[test]
fn escaping_names_block() {
    let ws = Workspace::new();
    std::fs::write(ws.path().join("passwd"), b"root").unwrap();
    let sums = std::fs::read_to_string(ws.release().join("SHA256SUMS")).unwrap();
    let digest = sha256_hex(b"root");
    ws.write(
        "SHA256SUMS",
        format!("{sums}{digest}  ../passwd\n").as_bytes(),
    );
    ws.sign("SHA256SUMS");
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.path-escape"]);
}

#[test]
fn tampered_signature_and_untrusted_key_block() {
    let ws = Workspace::new();
    let sig_path = ws.release().join("SHA256SUMS.minisig");
    let sig = std::fs::read_to_string(&sig_path).unwrap();
    std::fs::write(&sig_path, sig.replace("timestamp:0", "timestamp:9")).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.signature-invalid"]);

    // Now sign with a key the policy does not trust.
    let stranger = tollgate::signing::keygen(&ws.path().join("stranger"), None).unwrap();
    let signer = tollgate::signing::Signer::load(&stranger.secret, None).unwrap();
    let sums = std::fs::read(ws.release().join("SHA256SUMS")).unwrap();
    std::fs::write(&sig_path, signer.sign(&sums, "timestamp:0").unwrap()).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.untrusted-key"]);
}

#[test]
fn required_artifact_signature_missing_blocks() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join("RELEASE-NOTES.md.minisig")).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(codes(&verdict), ["sig.signature-missing"]);
    ws.policy("artifact_signatures = \"optional\"");
    assert_eq!(ws.evaluate_verdict().0, 0);
}

#[test]
fn missing_sums_file_blocks_as_error_not_pass() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join("SHA256SUMS")).unwrap();
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(verdict["gates"][0]["outcome"], "error");
    assert!(
        verdict["gates"][0]["error"]
            .as_str()
            .unwrap()
            .contains("SHA256SUMS")
    );
}

#[test]
fn advisory_only_policy_blocks() {
    let ws = Workspace::new();
    ws.policy("required = false");
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert!(
        verdict["reasons"][0]
            .as_str()
            .unwrap()
            .contains("only advisory")
    );
}

const ARTIFACT: &str = "chain-node-1.4.2-x86_64-linux.tar.gz";

fn signature_waiver(id: &str, expires: &str) -> String {
    format!(
        "[[waivers]]\ngate = \"signatures\"\ncode = \"sig.signature-missing\"\nid = \"{id}\"\nreason = \"signed by hand after the build until OPS-7\"\nowner = \"rm@example.org\"\nexpires = {expires}\n"
    )
}

#[test]
fn waivers_applied_expired_and_unused_are_recorded() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join(format!("{ARTIFACT}.minisig"))).unwrap();
    let tail = format!(
        "{}{}",
        signature_waiver(ARTIFACT, "2026-12-31"),
        signature_waiver("RELEASE-NOTES.md", "2026-12-31")
    );
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &tail);
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["gates"][0]["outcome"], "waived");
    assert_eq!(
        verdict["waivers_applied"][0]["reason"],
        "signed by hand after the build until OPS-7"
    );
    assert_eq!(
        verdict["waivers_applied"][0]["code"],
        "sig.signature-missing"
    );
    assert_eq!(verdict["waivers_unused"][0]["id"], "RELEASE-NOTES.md");
    assert!(stdout(&output).contains("waiver unused"));

    let output = ws.evaluate(&["--now", "2027-01-05T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(1));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["waivers_expired"].as_array().unwrap().len(), 2);
    assert!(stdout(&output).contains("EXPIRED"));
}

/// Issue 10 (point 2): a waiver meant for a missing per-artifact signature (`gate`, `id`,
/// no `code`) also waived `sig.digest-mismatch` after one byte of the artifact changed, and
/// the tampered digest was bound into a PROMOTE verdict. That waiver is now refused, and
/// the one that names its code covers that code only: the release blocks on the mismatch.
#[test]
fn a_signature_waiver_does_not_waive_a_tampered_artifact() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join(format!("{ARTIFACT}.minisig"))).unwrap();
    ws.write(ARTIFACT, b"pretend this is a tarbalL");
    let as_in_the_issue = format!(
        "[[waivers]]\ngate = \"signatures\"\nid = \"{ARTIFACT}\"\nreason = \"signed later\"\nowner = \"rm@example.org\"\nexpires = 2026-12-31\n"
    );
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &as_in_the_issue,
    );
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(
        err.contains("a waiver needs `code`") && err.contains("sig.digest-mismatch"),
        "{err}"
    );
    assert!(!ws.out().join("verdict.json").exists());

    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &signature_waiver(ARTIFACT, "2026-12-31"),
    );
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("sig.digest-mismatch"),
        "{}",
        stdout(&output)
    );
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["decision"], "block");
    assert_eq!(verdict["gates"][0]["outcome"], "fail");
    let findings = verdict["gates"][0]["findings"].as_array().unwrap();
    let mismatch = findings
        .iter()
        .find(|f| f["code"] == "sig.digest-mismatch")
        .expect("the tampered artifact is reported");
    assert_eq!(mismatch["subject"], ARTIFACT);
    assert!(mismatch.get("waived_by").is_none(), "{mismatch}");
    // The waiver still covers what it names: the missing signature.
    let missing = findings
        .iter()
        .find(|f| f["code"] == "sig.signature-missing")
        .unwrap();
    assert_eq!(missing["waived_by"], 0);
}

/// The issue's waiver as it was written (no `code`), and one naming an integrity code, are
/// configuration errors that name the file, the line and the code.
#[test]
fn waivers_without_code_or_for_integrity_codes_exit_2() {
    let ws = Workspace::new();
    let policy = ws.policy_path().display().to_string();
    let cases = [
        (
            "[[waivers]]\ngate = \"signatures\"\nid = \"app.tar.gz\"\n",
            "a waiver needs `code`",
        ),
        (
            "[[waivers]]\ngate = \"signatures\"\ncode = \"sig.digest-mismatch\"\nid = \"app.tar.gz\"\n",
            "`sig.digest-mismatch` can never be waived (integrity)",
        ),
        (
            "[[waivers]]\ngate = \"signatures\"\ncode = \"sig.unlisted-file\"\nid = \"evil.minisig\"\n",
            "`sig.unlisted-file` can never be waived (integrity)",
        ),
    ];
    for (waiver, expected) in cases {
        let tail =
            format!("{waiver}reason = \"r\"\nowner = \"rm@example.org\"\nexpires = 2026-12-31\n");
        ws.policy_with("mainnet", "artifact_signatures = \"required\"", &tail);
        for args in [
            vec!["policy", "check", policy.as_str()],
            vec!["evaluate", "--policy", policy.as_str()],
        ] {
            let output = tollgate(&args);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{args:?}: {}",
                stderr(&output)
            );
            let err = stderr(&output);
            assert!(err.contains(expected), "{args:?}: {err}");
            assert!(
                err.contains(&format!("{policy}:")),
                "names the file and line: {err}"
            );
        }
    }
}

#[test]
fn a_waiver_past_max_waiver_days_exits_2() {
    let ws = Workspace::new();
    std::fs::remove_file(ws.release().join(format!("{ARTIFACT}.minisig"))).unwrap();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &signature_waiver(ARTIFACT, "2027-06-30"),
    );
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "expires 2027-06-30, more than max_waiver_days = 90 days after 2026-11-21T10:00:00Z"
        ),
        "{err}"
    );
    assert!(err.contains("raise `max_waiver_days`"), "{err}");
    assert!(!ws.out().join("verdict.json").exists());
    // The policy may allow longer waivers explicitly.
    let text = std::fs::read_to_string(ws.policy_path()).unwrap();
    std::fs::write(ws.policy_path(), format!("max_waiver_days = 365\n{text}")).unwrap();
    let output = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn bad_policy_exits_2_naming_file_and_line() {
    let ws = Workspace::new();
    ws.policy("artifact_signature = \"required\"");
    let output = ws.evaluate(&[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("policy.toml:8:1"), "{err}");
    assert!(err.contains("did you mean `artifact_signatures`?"), "{err}");
    assert!(
        !ws.out().join("verdict.json").exists(),
        "no verdict from an unusable policy"
    );
}

#[test]
fn missing_policy_and_release_and_bad_flags_exit_2() {
    let ws = Workspace::new();
    let out = tollgate(&["evaluate", "--policy", "/nonexistent.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent.toml"));
    let missing_release = ws.path().join("nope");
    let out = tollgate(&[
        "evaluate".as_ref(),
        "--policy".as_ref(),
        ws.policy_path().as_os_str(),
        "--release".as_ref(),
        missing_release.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        tollgate(&["evaluate", "--frobnicate"]).status.code(),
        Some(2)
    );
    assert_eq!(tollgate(&["--version"]).status.code(), Some(0));
}

#[test]
fn unsigned_evaluation_warns_and_removes_stale_signatures() {
    let ws = Workspace::new();
    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    let out = tollgate(&[
        "evaluate".as_ref(),
        "--policy".as_ref(),
        ws.policy_path().as_os_str(),
        "--release".as_ref(),
        ws.release().as_os_str(),
        "--out".as_ref(),
        ws.out().as_os_str(),
        "--store".as_ref(),
        ws.store().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("unsigned"), "{}", stderr(&out));
    assert!(!ws.out().join("verdict.json.minisig").exists());
    assert_eq!(ws.verify(&[]).status.code(), Some(1));
}

#[test]
fn json_and_markdown_formats() {
    let ws = Workspace::new();
    let out = ws.evaluate(&["--format", "json"]);
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, read_json(&ws.out().join("verdict.json")));
    let out = ws.evaluate(&["--format", "markdown"]);
    let text = stdout(&out);
    assert!(text.contains("| signatures | yes | ✅ PASS |"), "{text}");
}

#[test]
fn provenance_is_an_in_toto_slsa_statement() {
    let ws = Workspace::new();
    // Make the workspace a git repository so the commit is recorded.
    let repo = git2::Repository::init(ws.path()).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("policy.toml")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.org").unwrap();
    let commit = repo
        .commit(Some("HEAD"), &sig, &sig, "c", &tree, &[])
        .unwrap();

    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    let p = read_json(&ws.out().join("provenance.json"));
    assert_eq!(p["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(p["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(p["subject"].as_array().unwrap().len(), 2);
    assert_eq!(
        p["subject"][0]["digest"]["sha256"].as_str().unwrap().len(),
        64
    );
    let deps = &p["predicate"]["buildDefinition"]["resolvedDependencies"];
    assert_eq!(deps[0]["digest"]["gitCommit"], commit.to_string());
    assert_eq!(
        deps[0]["annotations"]["dirty"], true,
        "release/ and out/ are untracked"
    );
    let policy_sha = sha256_hex(&std::fs::read(ws.policy_path()).unwrap());
    assert_eq!(
        p["predicate"]["buildDefinition"]["externalParameters"]["policy"]["sha256"],
        policy_sha
    );
    let verdict_sha = sha256_hex(&std::fs::read(ws.out().join("verdict.json")).unwrap());
    let byproducts = p["predicate"]["runDetails"]["byproducts"]
        .as_array()
        .unwrap();
    assert_eq!(byproducts[0]["digest"]["sha256"], verdict_sha);
    let toolchain = byproducts
        .iter()
        .find(|b| b["name"] == "toolchain")
        .unwrap();
    assert!(
        toolchain["annotations"]["rustc"]
            .as_str()
            .unwrap()
            .contains("rustc")
    );
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(verdict["commit"]["sha"], commit.to_string());
}

#[test]
fn ci_variables_reach_the_provenance() {
    let ws = Workspace::new();
    let out = bare()
        .args(["evaluate", "--policy"])
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--out")
        .arg(ws.out())
        .arg("--store")
        .arg(ws.store())
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/chain-node")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let p = read_json(&ws.out().join("provenance.json"));
    assert_eq!(
        p["predicate"]["runDetails"]["metadata"]["invocationId"],
        "https://github.example/acme/chain-node/actions/runs/42/attempts/2"
    );
}

#[test]
fn closed_stdout_is_not_a_crash() {
    let ws = Workspace::new();
    let mut child = bare()
        .args(["evaluate", "--policy"])
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--out")
        .arg(ws.out())
        .arg("--store")
        .arg(ws.store())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(0), "{err}");
}

//! Interop with tools nobody here wrote: stock `minisign` (jedisct1's C implementation) and
//! GNU coreutils `sha256sum`. Each test either feeds tollgate files those tools made, or
//! hands tollgate's output to them, and checks that both sides agree.
//!
//! The committed fixtures under `testdata/` come from `testdata/regen.sh`; other releases are
//! built in temporary directories while the test runs. A missing tool is a failure, not a
//! skip: CI installs both (`.ci/run`).

use assert_cmd::Command;
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

const INSTALL_HINT: &str =
    "run .ci/run (it installs the test tools) or `apt-get install -y minisign coreutils`";

// ---------------------------------------------------------------------------------------
// The verdict as a reader outside tollgate sees it: only the fields these tests rely on.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct Verdict {
    decision: String,
    environment: String,
    subjects: Vec<Subject>,
    gates: Vec<GateReport>,
}

#[derive(Debug, Deserialize)]
struct Subject {
    name: String,
    sha256: String,
}

#[derive(Debug, Deserialize)]
struct GateReport {
    gate: String,
    outcome: String,
    findings: Vec<Finding>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Finding {
    code: String,
    subject: Option<String>,
}

impl Verdict {
    /// Every finding as `(code, subject)`, across all gates.
    fn findings(&self) -> Vec<(&str, Option<&str>)> {
        self.gates
            .iter()
            .flat_map(|g| &g.findings)
            .map(|f| (f.code.as_str(), f.subject.as_deref()))
            .collect()
    }

    fn subject_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.subjects.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names
    }
}

// ---------------------------------------------------------------------------------------
// Running the stock tools
// ---------------------------------------------------------------------------------------

/// Run a stock tool; a tool that cannot be started fails the test with how to install it.
fn stock(tool: &str, args: &[&str], cwd: &Path) -> Output {
    std::process::Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{tool}` ({e}): the interop tests need the real tool; {INSTALL_HINT}"
            )
        })
}

/// Run a stock tool that must succeed.
fn stock_ok(tool: &str, args: &[&str], cwd: &Path) -> Output {
    let out = stock(tool, args, cwd);
    assert!(
        out.status.success(),
        "`{tool} {}` in {} failed ({}):\n{}{}",
        args.join(" "),
        cwd.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A passwordless key pair made by `minisign -G -W`: (secret key, public key).
fn minisign_keypair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (key, public) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    );
    stock_ok(
        "minisign",
        &["-G", "-W", "-f", "-p", s(&public), "-s", s(&key)],
        dir,
    );
    chmod_600(&key);
    (key, public)
}

/// `minisign -S` (or `-S -l` when `legacy`) over `file`, writing `file.minisig`.
fn minisign_sign(key: &Path, file: &Path, legacy: bool) {
    let mut args = vec!["-S"];
    if legacy {
        args.push("-l");
    }
    args.extend([
        "-s",
        s(key),
        "-m",
        s(file),
        "-t",
        "signed by the interop test",
    ]);
    stock_ok("minisign", &args, file.parent().unwrap());
}

/// `minisign -V`: whether stock minisign accepts `sig` over `file` by `public`.
fn minisign_accepts(public: &Path, file: &Path, sig: &Path, extra: &[&str]) -> bool {
    let mut args = vec!["-V", "-q", "-p", s(public), "-x", s(sig), "-m", s(file)];
    args.extend_from_slice(extra);
    stock("minisign", &args, file.parent().unwrap())
        .status
        .success()
}

/// `sha256sum [flags] names... > SHA256SUMS` in `dir`.
fn write_sums(dir: &Path, flags: &[&str], names: &[&str]) {
    let mut args = flags.to_vec();
    args.push("--");
    args.extend_from_slice(names);
    let out = stock_ok("sha256sum", &args, dir);
    fs::write(dir.join("SHA256SUMS"), out.stdout).unwrap();
}

/// Whether `sha256sum -c SHA256SUMS` accepts the release in `dir`.
fn sha256sum_accepts(dir: &Path) -> bool {
    stock("sha256sum", &["--strict", "-c", "SHA256SUMS"], dir)
        .status
        .success()
}

fn s(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

#[cfg(unix)]
fn chmod_600(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

#[cfg(not(unix))]
fn chmod_600(_path: &Path) {}

// ---------------------------------------------------------------------------------------
// Running tollgate
// ---------------------------------------------------------------------------------------

fn tollgate() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    // When this suite runs under GitHub Actions, keep the runner's files out of reach.
    for name in ["GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"] {
        command.env_remove(name);
    }
    command
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The exit code and the parsed `--format json` verdict of `tollgate evaluate`.
fn evaluate(policy: &Path, release: &Path, out: &Path, key: Option<&Path>) -> (i32, Verdict) {
    evaluate_in(policy, release, out, key, out)
}

fn evaluate_in(
    policy: &Path,
    release: &Path,
    out: &Path,
    key: Option<&Path>,
    repo: &Path,
) -> (i32, Verdict) {
    let mut cmd = tollgate();
    cmd.args(["-q", "evaluate", "--format", "json"])
        .args(["--policy", s(policy), "--release", s(release)])
        .args(["--repo", s(repo), "--out", s(out)])
        .args(["--store", s(&out.join("ledger"))])
        .current_dir(out);
    if let Some(key) = key {
        cmd.args(["--key", s(key)]);
    }
    let output = cmd.output().unwrap();
    let code = output.status.code().expect("tollgate exited by a signal");
    assert!(
        code == 0 || code == 1,
        "evaluate exited {code}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdict: Verdict = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "evaluate --format json did not print a verdict ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let on_disk: Verdict =
        serde_json::from_slice(&fs::read(out.join("verdict.json")).unwrap()).unwrap();
    assert_eq!(on_disk.decision, verdict.decision);
    (code, verdict)
}

/// Assert a promote verdict (exit 0, every gate passed), with a readable failure.
fn assert_promotes(code: i32, verdict: &Verdict) {
    assert_eq!(
        (code, verdict.decision.as_str()),
        (0, "promote"),
        "expected promote, findings: {:?}",
        verdict.findings()
    );
    assert!(verdict.gates.iter().all(|g| g.outcome == "pass"));
}

/// A policy file in `dir` trusting `keys` (absolute paths or inline keys), with `signatures`
/// as the body of its [gates.signatures] table.
fn write_policy(dir: &Path, keys: &[&str], signatures: &str) -> PathBuf {
    let keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    let text = format!(
        "environment = \"regtest\"\nverdict_ttl = \"1h\"\n\n[trust]\nartifact_keys = [{}]\n\n\
         [gates.signatures]\n{signatures}\n",
        keys.join(", ")
    );
    let path = dir.join("policy.toml");
    fs::write(&path, text).unwrap();
    path
}

/// The base64 key line of a minisign public key file, for an inline `RW...` trust entry.
fn inline_key(public: &Path) -> String {
    let text = fs::read_to_string(public).unwrap();
    text.lines()
        .find(|l| l.starts_with("RW"))
        .expect("a minisign public key line")
        .to_owned()
}

/// A scratch area: `release/` with two small artifacts, and room for keys and output.
struct Scratch {
    dir: TempDir,
}

const ARTIFACTS: [&str; 2] = ["chain-node-9.9.9-x86_64-linux.tar.gz", "RELEASE-NOTES.md"];

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("release")).unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        fs::write(dir.path().join("release").join(ARTIFACTS[0]), bytes).unwrap();
        fs::write(
            dir.path().join("release").join(ARTIFACTS[1]),
            "# chain-node 9.9.9\n\nTest release built by tests/interop.rs.\n",
        )
        .unwrap();
        Scratch { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn release(&self) -> PathBuf {
        self.path().join("release")
    }

    fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    /// Sign SHA256SUMS and every artifact with stock minisign.
    fn sign_all(&self, key: &Path, legacy: bool) {
        for name in ["SHA256SUMS"].iter().chain(&ARTIFACTS) {
            minisign_sign(key, &self.release().join(name), legacy);
        }
    }
}

// ---------------------------------------------------------------------------------------
// (a) stock minisign accepts the verdicts tollgate signs
// ---------------------------------------------------------------------------------------

#[test]
fn minisign_verifies_a_verdict_signed_with_a_tollgate_keygen_key() {
    let scratch = Scratch::new();
    tollgate()
        .args([
            "keygen",
            "--unencrypted",
            "--out",
            s(&scratch.path().join("k")),
        ])
        .assert()
        .success();
    let (key, public) = (
        scratch.path().join("k/tollgate.key"),
        scratch.path().join("k/tollgate.pub"),
    );
    let policy = testdata().join("../gates/demo.toml");
    // The demo policy's build gates read testdata/demo-repo relative to --repo.
    let (code, verdict) = evaluate_in(
        &policy,
        &testdata().join("demo-release"),
        &scratch.out(),
        Some(&key),
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_promotes(code, &verdict);

    let verdict_path = scratch.out().join("verdict.json");
    let sig = scratch.out().join("verdict.json.minisig");
    assert!(minisign_accepts(&public, &verdict_path, &sig, &[]));
    // -H: minisign insists on a prehashed signature, its modern default.
    assert!(minisign_accepts(&public, &verdict_path, &sig, &["-H"]));
    // The trusted comment that minisign verified binds environment and decision.
    let comment = stock_ok(
        "minisign",
        &["-V", "-Q", "-p", s(&public), "-m", s(&verdict_path)],
        &scratch.out(),
    );
    let comment = String::from_utf8(comment.stdout).unwrap();
    assert!(
        comment.starts_with("tollgate-verdict ")
            && comment.contains("environment:regtest")
            && comment.contains("decision:promote"),
        "trusted comment: {comment:?}"
    );
    let provenance = scratch.out().join("provenance.json");
    let provenance_sig = scratch.out().join("provenance.json.minisig");
    assert!(minisign_accepts(&public, &provenance, &provenance_sig, &[]));

    // minisign is really checking: one changed byte and it refuses.
    let mut bytes = fs::read(&verdict_path).unwrap();
    let at = bytes.iter().position(|&b| b == b'{').unwrap();
    bytes.insert(at + 1, b' ');
    fs::write(&verdict_path, bytes).unwrap();
    assert!(!minisign_accepts(&public, &verdict_path, &sig, &[]));
}

// Regression: `minisign -G -W` writes an all-zero checksum into a passwordless secret key
// and never checks it; tollgate once refused such keys as "Corrupted key".
#[test]
fn a_key_made_by_minisign_signs_verdicts_both_tools_accept() {
    let scratch = Scratch::new();
    let (key, public) = minisign_keypair(scratch.path(), "verdict");
    let policy = testdata().join("../gates/demo.toml");
    // The demo policy's build gates read testdata/demo-repo relative to --repo.
    let (code, verdict) = evaluate_in(
        &policy,
        &testdata().join("demo-release"),
        &scratch.out(),
        Some(&key),
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_promotes(code, &verdict);
    let verdict_path = scratch.out().join("verdict.json");
    let sig = scratch.out().join("verdict.json.minisig");
    assert!(minisign_accepts(&public, &verdict_path, &sig, &["-H"]));
    tollgate()
        .args(["verify", s(&verdict_path), "--pubkey", s(&public)])
        .args(["--environment", "regtest"])
        .assert()
        .success();
}

#[test]
fn a_tollgate_keygen_key_signs_releases_with_stock_minisign() {
    let scratch = Scratch::new();
    let keys = scratch.path().join("k");
    tollgate()
        .args(["keygen", "--unencrypted", "--out", s(&keys)])
        .assert()
        .success();
    write_sums(&scratch.release(), &[], &ARTIFACTS);
    scratch.sign_all(&keys.join("tollgate.key"), false);
    let policy = write_policy(
        scratch.path(),
        &[s(&keys.join("tollgate.pub"))],
        "artifact_signatures = \"required\"",
    );
    let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
    assert_promotes(code, &verdict);
}

// ---------------------------------------------------------------------------------------
// (b) tollgate accepts stock minisign signatures, prehashed and legacy
// ---------------------------------------------------------------------------------------

#[test]
fn stock_prehashed_and_legacy_signatures_made_now_are_accepted() {
    for legacy in [false, true] {
        let scratch = Scratch::new();
        let (key, public) = minisign_keypair(scratch.path(), "release");
        write_sums(&scratch.release(), &[], &ARTIFACTS);
        scratch.sign_all(&key, legacy);
        let policy = write_policy(
            scratch.path(),
            &[s(&public)],
            "artifact_signatures = \"required\"\nallow_legacy = true",
        );
        let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
        assert_promotes(code, &verdict);
        let mut expected = ARTIFACTS.to_vec();
        expected.sort_unstable();
        assert_eq!(verdict.subject_names(), expected, "legacy = {legacy}");
    }
}

#[test]
fn committed_fixtures_from_stock_tools_are_accepted() {
    let interop = testdata().join("interop");
    let signer = interop.join("keys/signer.pub");
    for (fixture, artifacts) in [
        ("prehashed", 2),
        ("legacy", 2),
        ("bsd", 3),
        ("binary-mode", 2),
    ] {
        let scratch = Scratch::new();
        let policy = write_policy(
            scratch.path(),
            &[s(&signer)],
            "artifact_signatures = \"required\"\nallow_legacy = true",
        );
        let (code, verdict) = evaluate(&policy, &interop.join(fixture), &scratch.out(), None);
        assert_promotes(code, &verdict);
        assert_eq!(verdict.subjects.len(), artifacts, "{fixture}");
    }
}

#[test]
fn legacy_signatures_are_refused_when_allow_legacy_is_false() {
    let scratch = Scratch::new();
    let signer = testdata().join("interop/keys/signer.pub");
    let policy = write_policy(
        scratch.path(),
        &[s(&signer)],
        "artifact_signatures = \"required\"\nallow_legacy = false",
    );
    let (code, verdict) = evaluate(
        &policy,
        &testdata().join("interop/legacy"),
        &scratch.out(),
        None,
    );
    assert_eq!((code, verdict.decision.as_str()), (1, "block"));
    let mut refused: Vec<(&str, Option<&str>)> = verdict.findings();
    refused.sort_unstable();
    assert_eq!(
        refused,
        [
            ("sig.legacy-signature", Some("SHA256SUMS")),
            ("sig.legacy-signature", Some("hello.txt")),
            ("sig.legacy-signature", Some("payload.bin")),
        ]
    );
    // The same signatures are fine for stock minisign (without -H), and for tollgate when
    // the policy allows them: the refusal is policy, not a parse failure.
    assert!(minisign_accepts(
        &signer,
        &testdata().join("interop/legacy/hello.txt"),
        &testdata().join("interop/legacy/hello.txt.minisig"),
        &[]
    ));
}

// ---------------------------------------------------------------------------------------
// (c) sha256sum -c and tollgate agree; (d) BSD form
// ---------------------------------------------------------------------------------------

#[test]
fn sha256sum_and_tollgate_agree_on_good_and_altered_releases() {
    // Plain GNU, binary-mode (`*name`) and BSD (`--tag`) sums files.
    for flags in [&[][..], &["-b"][..], &["--tag"][..]] {
        let scratch = Scratch::new();
        let (key, public) = minisign_keypair(scratch.path(), "release");
        write_sums(&scratch.release(), flags, &ARTIFACTS);
        minisign_sign(&key, &scratch.release().join("SHA256SUMS"), false);
        let policy = write_policy(
            scratch.path(),
            &[&inline_key(&public)],
            "artifact_signatures = \"ignore\"",
        );

        assert!(sha256sum_accepts(&scratch.release()), "flags {flags:?}");
        let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
        assert_promotes(code, &verdict);
        let tarball = &ARTIFACTS[0];
        let listed = verdict
            .subjects
            .iter()
            .find(|s| s.name == *tarball)
            .unwrap();
        let sums = fs::read_to_string(scratch.release().join("SHA256SUMS")).unwrap();
        assert!(sums.contains(&listed.sha256), "{sums}");

        // Flip one byte in the middle of the tarball.
        let path = scratch.release().join(tarball);
        let mut bytes = fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        fs::write(&path, bytes).unwrap();

        assert!(!sha256sum_accepts(&scratch.release()), "flags {flags:?}");
        let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
        assert_eq!((code, verdict.decision.as_str()), (1, "block"));
        assert_eq!(
            verdict.findings(),
            [("sig.digest-mismatch", Some(*tarball))],
            "flags {flags:?}"
        );
    }
}

#[test]
fn bsd_sums_from_sha256sum_tag_are_accepted() {
    let scratch = Scratch::new();
    let (key, public) = minisign_keypair(scratch.path(), "release");
    let odd = "notes (draft) v2.txt";
    fs::write(scratch.release().join(odd), "draft\n").unwrap();
    let names = [ARTIFACTS[0], ARTIFACTS[1], odd];
    write_sums(&scratch.release(), &["--tag"], &names);
    let sums = fs::read_to_string(scratch.release().join("SHA256SUMS")).unwrap();
    assert!(sums.starts_with("SHA256 ("), "not BSD form: {sums}");
    for name in ["SHA256SUMS"].iter().chain(&names) {
        minisign_sign(&key, &scratch.release().join(name), false);
    }
    let policy = write_policy(
        scratch.path(),
        &[s(&public)],
        "artifact_signatures = \"required\"",
    );
    assert!(sha256sum_accepts(&scratch.release()));
    let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
    assert_promotes(code, &verdict);
    let mut expected = names.to_vec();
    expected.sort_unstable();
    assert_eq!(verdict.subject_names(), expected);
}

#[test]
fn escaped_names_from_sha256sum_are_understood() {
    // GNU sha256sum escapes `\` and newline in names and marks such lines with a leading `\`,
    // in both forms; a leading space survives only thanks to the two-space separator.
    let names = ["back\\slash.txt", "new\nline.txt", " leading-space.txt"];
    for flags in [&[][..], &["--tag"][..]] {
        let scratch = Scratch::new();
        let (key, public) = minisign_keypair(scratch.path(), "release");
        for (i, name) in names.iter().enumerate() {
            fs::write(scratch.release().join(name), format!("artifact {i}\n")).unwrap();
        }
        let mut all = ARTIFACTS.to_vec();
        all.extend(names);
        write_sums(&scratch.release(), flags, &all);
        let sums = fs::read_to_string(scratch.release().join("SHA256SUMS")).unwrap();
        assert!(
            sums.lines().any(|l| l.starts_with('\\')),
            "no escaped line: {sums}"
        );
        minisign_sign(&key, &scratch.release().join("SHA256SUMS"), false);
        let policy = write_policy(
            scratch.path(),
            &[s(&public)],
            "artifact_signatures = \"ignore\"",
        );
        assert!(sha256sum_accepts(&scratch.release()), "flags {flags:?}");
        let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
        assert_promotes(code, &verdict);
        let mut expected = all.clone();
        expected.sort_unstable();
        assert_eq!(verdict.subject_names(), expected, "flags {flags:?}");
    }
}

// ---------------------------------------------------------------------------------------
// (e) a signature by a key the policy does not trust
// ---------------------------------------------------------------------------------------

#[test]
fn signatures_by_an_untrusted_key_are_reported() {
    // Committed fixture, policy trusting only the unrelated key.
    let scratch = Scratch::new();
    let other = testdata().join("interop/keys/other.pub");
    let policy = write_policy(
        scratch.path(),
        &[s(&other)],
        "artifact_signatures = \"required\"",
    );
    let (code, verdict) = evaluate(
        &policy,
        &testdata().join("interop/prehashed"),
        &scratch.out(),
        None,
    );
    assert_eq!((code, verdict.decision.as_str()), (1, "block"));
    let mut findings = verdict.findings();
    findings.sort_unstable();
    assert_eq!(
        findings,
        [
            ("sig.untrusted-key", Some("SHA256SUMS")),
            ("sig.untrusted-key", Some("hello.txt")),
            ("sig.untrusted-key", Some("payload.bin")),
        ]
    );

    // A release signed now with one minisign key, the policy trusting another.
    let scratch = Scratch::new();
    let (signing_key, _) = minisign_keypair(scratch.path(), "signer");
    let (_, trusted) = minisign_keypair(scratch.path(), "trusted");
    write_sums(&scratch.release(), &[], &ARTIFACTS);
    minisign_sign(&signing_key, &scratch.release().join("SHA256SUMS"), false);
    let policy = write_policy(
        scratch.path(),
        &[s(&trusted)],
        "artifact_signatures = \"ignore\"",
    );
    let (code, verdict) = evaluate(&policy, &scratch.release(), &scratch.out(), None);
    assert_eq!(code, 1);
    assert_eq!(
        verdict.findings(),
        [("sig.untrusted-key", Some("SHA256SUMS"))]
    );
}

// ---------------------------------------------------------------------------------------
// (f) the committed demo release, the shipped policies, and the fixtures themselves
// ---------------------------------------------------------------------------------------

#[test]
fn demo_release_promotes_with_demo_policy_and_the_verdict_verifies() {
    let scratch = Scratch::new();
    let keys = scratch.path().join("keys");
    tollgate()
        .args(["keygen", "--unencrypted", "--out", s(&keys)])
        .assert()
        .success();
    let demo = testdata().join("demo-release");
    let (code, verdict) = evaluate_in(
        &testdata().join("../gates/demo.toml"),
        &demo,
        &scratch.out(),
        Some(&keys.join("tollgate.key")),
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_promotes(code, &verdict);
    assert_eq!(verdict.environment, "regtest");
    let gates: Vec<&str> = verdict.gates.iter().map(|g| g.gate.as_str()).collect();
    assert_eq!(
        gates,
        ["signatures", "real_deps", "sbom", "audit", "drills"]
    );
    assert_eq!(
        verdict.subject_names(),
        [
            "RELEASE-NOTES.md",
            "chain-node-1.4.2-x86_64-linux.tar.gz",
            "chain-node-1.4.2.audit.json",
            "chain-node-1.4.2.cdx.json",
            "chain-node_1.4.2_amd64.deb",
        ]
    );

    let mut verify = tollgate();
    verify
        .args(["verify", s(&scratch.out().join("verdict.json"))])
        .args(["--pubkey", s(&keys.join("tollgate.pub"))])
        .args(["--environment", "regtest"]);
    for subject in &verdict.subjects {
        verify.args(["--artifact", s(&demo.join(&subject.name))]);
    }
    verify.assert().success();
    // The same verdict is not for mainnet.
    tollgate()
        .args(["verify", s(&scratch.out().join("verdict.json"))])
        .args(["--pubkey", s(&keys.join("tollgate.pub"))])
        .args(["--environment", "mainnet"])
        .assert()
        .code(1);
}

#[test]
fn shipped_policies_check_and_promote_the_demo_release() {
    let gates = testdata().join("../gates");
    for (file, environment) in [("demo.toml", "regtest"), ("regtest.toml", "regtest")] {
        let policy = gates.join(file);
        tollgate()
            .args(["policy", "check", s(&policy)])
            .assert()
            .success();
        let scratch = Scratch::new();
        let (code, verdict) = evaluate_in(
            &policy,
            &testdata().join("demo-release"),
            &scratch.out(),
            None,
            Path::new(env!("CARGO_MANIFEST_DIR")),
        );
        assert_promotes(code, &verdict);
        assert_eq!(verdict.environment, environment, "{file}");
    }
}

// The shipped testnet policy requires the regtest smoke stage first (the promotion gate): on
// a ledger without it, signatures pass and that blocks; so does the node config the policy
// wants checked against its security baseline, which the demo release does not ship.
#[test]
fn shipped_testnet_policy_requires_the_regtest_stage() {
    let policy = testdata().join("../gates/testnet.toml");
    tollgate()
        .args(["policy", "check", s(&policy)])
        .assert()
        .success();
    let scratch = Scratch::new();
    let (code, verdict) = evaluate(
        &policy,
        &testdata().join("demo-release"),
        &scratch.out(),
        None,
    );
    assert_eq!((code, verdict.decision.as_str()), (1, "block"));
    assert_eq!(verdict.environment, "testnet");
    assert_eq!(
        verdict.findings(),
        [
            ("promotion.never-promoted", Some("regtest/smoke")),
            ("config.missing", Some("config/chain-node.conf"))
        ]
    );
}

// The mainnet policy wants more evidence than the demo release carries: signatures and a
// clean release build pass, while the missing SBOM, audit report, drill log, change
// proposal and node config each block.
#[test]
fn shipped_mainnet_policy_blocks_the_demo_release_for_want_of_evidence() {
    let policy = testdata().join("../gates/mainnet.toml");
    tollgate()
        .args(["policy", "check", s(&policy)])
        .assert()
        .success();
    let scratch = Scratch::new();
    let (code, verdict) = evaluate_in(
        &policy,
        &testdata().join("demo-release"),
        &scratch.out(),
        None,
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!((code, verdict.decision.as_str()), (1, "block"));
    assert_eq!(verdict.environment, "mainnet");
    let outcomes: Vec<(&str, &str)> = verdict
        .gates
        .iter()
        .map(|g| (g.gate.as_str(), g.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("signatures", "pass"),
            ("real_deps", "pass"),
            ("sbom", "fail"),
            ("audit", "error"),
            ("drills", "error"),
            ("approvals", "fail"),
            ("promotion", "fail"),
            ("health", "error"),
            ("config", "fail"),
        ]
    );
    assert_eq!(
        verdict.findings(),
        [
            ("sbom.missing", Some("sbom.cdx.json")),
            ("approval.no-proposal", None),
            ("promotion.never-promoted", Some("testnet/all")),
            ("config.missing", Some("config/chain-node.conf")),
        ]
    );
    let error = |gate: &str| {
        let report = verdict.gates.iter().find(|g| g.gate == gate).unwrap();
        report.error.clone().unwrap_or_default()
    };
    assert!(
        error("audit").contains("cargo-audit.json"),
        "{}",
        error("audit")
    );
    assert!(
        error("drills").contains("drills.jsonl"),
        "{}",
        error("drills")
    );
}

#[test]
fn committed_fixtures_verify_with_stock_tools() {
    let demo = testdata().join("demo-release");
    let interop = testdata().join("interop");
    let mut releases = vec![(demo, testdata().join("keys/demo-release.pub"))];
    for fixture in ["prehashed", "legacy", "bsd", "binary-mode"] {
        releases.push((interop.join(fixture), interop.join("keys/signer.pub")));
    }
    for (dir, public) in &releases {
        assert!(
            sha256sum_accepts(dir),
            "sha256sum -c rejects {}; rerun testdata/regen.sh",
            dir.display()
        );
        let mut signatures = 0;
        for entry in fs::read_dir(dir).unwrap() {
            let sig = entry.unwrap().path();
            let Some(signed) = s(&sig).strip_suffix(".minisig") else {
                continue;
            };
            signatures += 1;
            assert!(
                minisign_accepts(public, Path::new(signed), &sig, &[]),
                "minisign rejects {}; rerun testdata/regen.sh",
                sig.display()
            );
        }
        assert!(
            signatures >= 3,
            "{} has {signatures} signatures",
            dir.display()
        );
    }
    // The unrelated key really is unrelated.
    let sums = interop.join("prehashed/SHA256SUMS");
    assert!(!minisign_accepts(
        &interop.join("keys/other.pub"),
        &sums,
        &interop.join("prehashed/SHA256SUMS.minisig"),
        &[]
    ));
}

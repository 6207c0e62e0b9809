//! The signatures gate against release directories built on the spot, one per finding.

use super::*;
use crate::digest::DigestCache;
use crate::gates::{GateContext, GateResult};
use crate::policy::{self, Policy};
use crate::signing::{Signer, keygen};
use std::path::PathBuf;
use tempfile::TempDir;

struct Fixture {
    dir: TempDir,
    signer: Signer,
    other: Signer,
    public_b64: String,
}

fn key_b64(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned()
}

impl Fixture {
    /// A release with two artifacts, GNU sums, and a signed sums file.
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let keys = keygen(&dir.path().join("keys"), None).unwrap();
        let other = keygen(&dir.path().join("other"), None).unwrap();
        let fixture = Fixture {
            signer: Signer::load(&keys.secret, None).unwrap(),
            other: Signer::load(&other.secret, None).unwrap(),
            public_b64: key_b64(&keys.public),
            dir,
        };
        std::fs::create_dir(fixture.release()).unwrap();
        fixture.write("node-1.0.tar.gz", b"tarball bytes");
        fixture.write("NOTES.md", b"# notes\n");
        fixture.write_sums(&["node-1.0.tar.gz", "NOTES.md"]);
        fixture
    }

    fn release(&self) -> PathBuf {
        self.dir.path().join("release")
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.release().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.release().join(name)).unwrap()
    }

    fn sum_line(&self, name: &str) -> String {
        format!("{}  {name}\n", sha256_hex(&self.read(name)))
    }

    /// Write SHA256SUMS for `names` and sign it with the trusted key.
    fn write_sums(&self, names: &[&str]) {
        let text: String = names.iter().map(|n| self.sum_line(n)).collect();
        self.write_raw_sums(&text);
    }

    fn write_raw_sums(&self, text: &str) {
        self.write("SHA256SUMS", text.as_bytes());
        self.sign("SHA256SUMS", &self.signer);
    }

    fn sign(&self, name: &str, signer: &Signer) {
        let sig = signer.sign(&self.read(name), "timestamp:0").unwrap();
        self.write(&format!("{name}.minisig"), sig.as_bytes());
    }

    fn policy(&self, signatures: &str) -> Policy {
        let text = format!(
            "environment = \"regtest\"\n[trust]\nartifact_keys = [\"{}\"]\n[gates.signatures]\n{signatures}\n",
            self.public_b64
        );
        policy::parse(&self.dir.path().join("policy.toml"), &text).unwrap()
    }

    fn run_with(&self, signatures: &str) -> Result<GateResult, String> {
        let policy = self.policy(signatures);
        let digests = DigestCache::new();
        let ctx = GateContext {
            policy: &policy,
            release: &self.release(),
            repo: self.dir.path(),
            out: self.dir.path(),
            digests: &digests,
            builds: &crate::release_build::ReleaseBuilds::new(),
            now: time::OffsetDateTime::now_utc(),
            store: None,
        };
        SignaturesGate::new(policy.gates.signatures.clone().unwrap()).evaluate(&ctx)
    }

    fn codes_with(&self, signatures: &str) -> Vec<String> {
        let result = self.run_with(signatures).expect("gate should evaluate");
        result.findings.iter().map(|f| f.code.clone()).collect()
    }

    fn codes(&self) -> Vec<String> {
        self.codes_with("")
    }
}

#[test]
fn clean_release_passes_with_evidence_and_subjects() {
    let f = Fixture::new();
    let result = f.run_with("").unwrap();
    assert!(result.findings.is_empty(), "{:?}", result.findings);
    let names: Vec<_> = result.subjects.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["node-1.0.tar.gz", "NOTES.md"]);
    assert_eq!(result.subjects[0].sha256, sha256_hex(b"tarball bytes"));
    let evidence: Vec<_> = result.evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        evidence,
        [
            "NOTES.md",
            "SHA256SUMS",
            "SHA256SUMS.minisig",
            "node-1.0.tar.gz"
        ]
    );
}

#[test]
fn digest_mismatch_names_the_line() {
    let f = Fixture::new();
    f.write("node-1.0.tar.gz", b"tampered");
    let result = f.run_with("").unwrap();
    let finding = &result.findings[0];
    assert_eq!(finding.code, "sig.digest-mismatch");
    assert_eq!(finding.location.as_ref().unwrap().line, Some(1));
    assert_eq!(finding.subject.as_deref(), Some("node-1.0.tar.gz"));
}

#[test]
fn listed_file_missing() {
    let f = Fixture::new();
    std::fs::remove_file(f.release().join("NOTES.md")).unwrap();
    assert_eq!(f.codes(), ["sig.listed-missing"]);
}

#[test]
fn unlisted_file_but_signatures_and_sums_are_exempt() {
    let f = Fixture::new();
    f.write("debug.log", b"oops");
    f.sign("node-1.0.tar.gz", &f.signer);
    assert_eq!(f.codes(), ["sig.unlisted-file"]);
}

/// Issue 10 (point 8): only `<listed artifact>.minisig` and the configured sums signature
/// are exempt; a signature beside nothing listed is an unlisted file.
#[test]
fn only_real_signatures_are_exempt() {
    let f = Fixture::new();
    f.sign("NOTES.md", &f.signer);
    f.write("evil.minisig", b"untrusted comment: x\n");
    f.write("sub/other.tar.gz.minisig", b"x");
    let result = f.run_with("").unwrap();
    let found: Vec<(&str, Option<&str>)> = result
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("sig.unlisted-file", Some("evil.minisig")),
            ("sig.unlisted-file", Some("sub/other.tar.gz.minisig"))
        ]
    );
    // A custom sums signature name is exempt even when not required.
    std::fs::rename(
        f.release().join("SHA256SUMS.minisig"),
        f.release().join("sums.sig"),
    )
    .unwrap();
    std::fs::remove_file(f.release().join("evil.minisig")).unwrap();
    std::fs::remove_dir_all(f.release().join("sub")).unwrap();
    assert!(
        f.codes_with("sums_signature = \"sums.sig\"\nrequire_sums_signature = false")
            .is_empty()
    );
}

/// Issue 10 (point 7): special files are findings by kind and are never opened.
#[cfg(unix)]
#[test]
fn special_files_are_findings_and_never_read() {
    let f = Fixture::new();
    let made = std::process::Command::new("mkfifo")
        .arg(f.release().join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", f.release().join("zero")).unwrap();
    std::fs::create_dir(f.release().join("dir")).unwrap();
    std::os::unix::fs::symlink("dir", f.release().join("dir-link")).unwrap();
    let result = f.run_with("").unwrap();
    let found: Vec<(&str, &str)> = result
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_deref().unwrap()))
        .collect();
    // A symlink to a directory inside the release is followed (issue 15): the empty `dir`
    // lists nothing under either name.
    assert_eq!(
        found,
        [("sig.special-file", "pipe"), ("sig.path-escape", "zero")]
    );
    assert!(
        result.findings[0].message.contains("a FIFO (named pipe)"),
        "{}",
        result.findings[0].message
    );
    // Listed, the same files give the same codes, at their sums line.
    let sums = std::fs::read_to_string(f.release().join("SHA256SUMS")).unwrap();
    let zeros = "0".repeat(64);
    f.write_raw_sums(&format!(
        "{sums}{zeros}  pipe\n{zeros}  dir-link\n{zeros}  zero\n"
    ));
    let codes = f.codes();
    assert_eq!(
        codes,
        ["sig.special-file", "sig.special-file", "sig.path-escape"]
    );
    // A FIFO where the sums signature belongs is not read either.
    std::fs::remove_file(f.release().join("SHA256SUMS.minisig")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(f.release().join("SHA256SUMS.minisig"))
        .status()
        .unwrap();
    assert!(made.success());
    assert!(f.codes().contains(&"sig.special-file".to_owned()));
}

#[test]
fn duplicate_entries_are_reported() {
    let f = Fixture::new();
    let line = f.sum_line("NOTES.md");
    f.write_raw_sums(&format!(
        "{}{line}{}",
        f.sum_line("node-1.0.tar.gz"),
        line.replace("NOTES.md", "./NOTES.md")
    ));
    let result = f.run_with("").unwrap();
    assert_eq!(result.findings.len(), 1, "{:?}", result.findings);
    assert_eq!(result.findings[0].code, "sig.duplicate-entry");
    assert_eq!(result.findings[0].location.as_ref().unwrap().line, Some(3));
}

#[test]
fn malformed_lines_carry_their_line_number() {
    let f = Fixture::new();
    f.write_raw_sums(&format!(
        "{}garbage here\n{}",
        f.sum_line("node-1.0.tar.gz"),
        f.sum_line("NOTES.md")
    ));
    let result = f.run_with("").unwrap();
    assert_eq!(result.findings.len(), 1);
    assert_eq!(result.findings[0].code, "sig.malformed-line");
    assert_eq!(result.findings[0].location.as_ref().unwrap().line, Some(2));
}

#[test]
fn bsd_form_is_accepted() {
    let f = Fixture::new();
    let bsd = |n: &str| format!("SHA256 ({n}) = {}\n", sha256_hex(&f.read(n)));
    f.write_raw_sums(&format!("{}{}", bsd("node-1.0.tar.gz"), bsd("NOTES.md")));
    assert!(f.codes().is_empty());
}

#[test]
fn names_escaping_the_release_dir() {
    let f = Fixture::new();
    std::fs::write(f.dir.path().join("outside.bin"), b"x").unwrap();
    let h = sha256_hex(b"x");
    f.write_raw_sums(&format!(
        "{}{}{h}  ../outside.bin\n{h}  {}\n",
        f.sum_line("node-1.0.tar.gz"),
        f.sum_line("NOTES.md"),
        f.dir.path().join("outside.bin").display()
    ));
    assert_eq!(f.codes(), ["sig.path-escape", "sig.path-escape"]);
}

#[cfg(unix)]
#[test]
fn symlink_pointing_outside_escapes() {
    let f = Fixture::new();
    std::fs::write(f.dir.path().join("outside.bin"), b"x").unwrap();
    std::os::unix::fs::symlink(
        f.dir.path().join("outside.bin"),
        f.release().join("link.bin"),
    )
    .unwrap();
    f.write_raw_sums(&format!(
        "{}{}{}  link.bin\n",
        f.sum_line("node-1.0.tar.gz"),
        f.sum_line("NOTES.md"),
        sha256_hex(b"x")
    ));
    assert_eq!(f.codes(), ["sig.path-escape"]);
}

#[test]
fn tampered_sums_fail_signature() {
    let f = Fixture::new();
    let mut sums = f.read("SHA256SUMS");
    sums.extend_from_slice(
        f.sum_line("NOTES.md")
            .replace("NOTES.md", "NOTES2.md")
            .as_bytes(),
    );
    f.write("SHA256SUMS", &sums);
    f.write("NOTES2.md", b"# notes\n");
    assert_eq!(f.codes(), ["sig.signature-invalid"]);
}

#[test]
fn tampered_trusted_comment_fails_signature() {
    let f = Fixture::new();
    let text = String::from_utf8(f.read("SHA256SUMS.minisig")).unwrap();
    f.write(
        "SHA256SUMS.minisig",
        text.replace("timestamp:0", "timestamp:1").as_bytes(),
    );
    assert_eq!(f.codes(), ["sig.signature-invalid"]);
}

#[test]
fn signature_by_untrusted_key_is_a_finding() {
    let f = Fixture::new();
    f.sign("SHA256SUMS", &f.other);
    let result = f.run_with("").unwrap();
    assert_eq!(result.findings.len(), 1);
    assert_eq!(result.findings[0].code, "sig.untrusted-key");
    assert!(
        result.findings[0].message.contains(&f.other.key_id()),
        "{}",
        result.findings[0].message
    );
}

#[test]
fn missing_and_malformed_sums_signature() {
    let f = Fixture::new();
    std::fs::remove_file(f.release().join("SHA256SUMS.minisig")).unwrap();
    assert_eq!(f.codes(), ["sig.sums-signature-missing"]);
    assert!(f.codes_with("require_sums_signature = false").is_empty());
    f.write("SHA256SUMS.minisig", b"not a signature\n");
    assert_eq!(f.codes(), ["sig.signature-malformed"]);
}

#[test]
fn artifact_signatures_by_mode() {
    let f = Fixture::new();
    let required = "artifact_signatures = \"required\"";
    assert_eq!(
        f.codes_with(required),
        ["sig.signature-missing", "sig.signature-missing"]
    );
    f.sign("node-1.0.tar.gz", &f.signer);
    f.sign("NOTES.md", &f.signer);
    assert!(f.codes_with(required).is_empty());
    // A signature over other content is caught while streaming.
    let other_sig = f.signer.sign(b"different", "timestamp:0").unwrap();
    f.write("NOTES.md.minisig", other_sig.as_bytes());
    assert_eq!(f.codes_with(required), ["sig.signature-invalid"]);
    assert_eq!(
        f.codes_with("artifact_signatures = \"optional\""),
        ["sig.signature-invalid"]
    );
    assert!(f.codes_with("artifact_signatures = \"ignore\"").is_empty());
    f.sign("NOTES.md", &f.other);
    assert_eq!(f.codes_with(required), ["sig.untrusted-key"]);
}

#[test]
fn artifact_hashed_once_even_when_already_cached() {
    // When another gate hashed the file first, the signature is still checked.
    let f = Fixture::new();
    f.sign("node-1.0.tar.gz", &f.signer);
    f.sign("NOTES.md", &f.signer);
    let policy = f.policy("artifact_signatures = \"required\"");
    let digests = DigestCache::new();
    digests
        .digest(&f.release().canonicalize().unwrap().join("NOTES.md"))
        .unwrap();
    let ctx = GateContext {
        policy: &policy,
        release: &f.release(),
        repo: f.dir.path(),
        out: f.dir.path(),
        digests: &digests,
        builds: &crate::release_build::ReleaseBuilds::new(),
        now: time::OffsetDateTime::now_utc(),
        store: None,
    };
    let result = SignaturesGate::new(policy.gates.signatures.clone().unwrap())
        .evaluate(&ctx)
        .unwrap();
    assert!(result.findings.is_empty(), "{:?}", result.findings);
}

#[test]
fn empty_sums_file_lists_no_artifacts() {
    let f = Fixture::new();
    f.write_raw_sums("");
    let codes = f.codes();
    assert!(codes.contains(&"sig.no-artifacts".to_owned()), "{codes:?}");
}

#[test]
fn missing_sums_file_cannot_evaluate() {
    let f = Fixture::new();
    std::fs::remove_file(f.release().join("SHA256SUMS")).unwrap();
    let error = f.run_with("").unwrap_err();
    assert!(
        error.contains("SHA256SUMS") && error.contains("missing"),
        "{error}"
    );
}

#[test]
fn missing_release_dir_cannot_evaluate() {
    let f = Fixture::new();
    std::fs::remove_dir_all(f.release()).unwrap();
    assert!(f.run_with("").unwrap_err().contains("release directory"));
}

#[test]
fn nested_artifacts_are_listed_by_relative_path() {
    let f = Fixture::new();
    f.write("bin/node", b"elf");
    f.write_sums(&["node-1.0.tar.gz", "NOTES.md", "bin/node"]);
    assert!(f.codes().is_empty());
}

/// Issue 15: a symlinked directory that stays inside the release is followed (its files are
/// checked under the link's name, never "Is a directory"); one that leaves it is a
/// path-escape finding.
#[cfg(unix)]
#[test]
fn symlinked_directories_are_followed_inside_and_refused_outside() {
    let f = Fixture::new();
    f.write("v1/node-1.1.tar.gz", b"newer tarball");
    std::os::unix::fs::symlink("v1", f.release().join("latest")).unwrap();
    f.write_sums(&[
        "node-1.0.tar.gz",
        "NOTES.md",
        "v1/node-1.1.tar.gz",
        "latest/node-1.1.tar.gz",
    ]);
    assert!(f.codes().is_empty(), "{:?}", f.codes());

    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    std::os::unix::fs::symlink(outside.path(), f.release().join("elsewhere")).unwrap();
    let result = f.run_with("").unwrap();
    let found: Vec<(&str, &str)> = result
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.subject.as_deref().unwrap()))
        .collect();
    assert_eq!(found, [("sig.path-escape", "elsewhere")]);
}

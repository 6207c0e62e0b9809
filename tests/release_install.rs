//! The Action's `install: release` verifier (scripts/install-release.sh, called by
//! .github/action/install.sh) against a local HTTP server standing in for the release host.
//! Releases are made here as release.yml makes them: `sha256sum` writes SHA256SUMS and stock
//! `minisign -S` signs it. A verified binary installs and runs; a tampered binary, a tampered
//! SHA256SUMS, a signature by another key, a changed trusted comment and a legacy signature
//! are each refused with the reason, and nothing is left executable. Stock `minisign -V`
//! agrees with the script on every signature.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn asset() -> String {
    format!("tollgate-{VERSION}-x86_64-unknown-linux-musl")
}

/// Serve the files under `dir` over HTTP/1.1 on 127.0.0.1 until the test process ends
/// (GET only; 404 for anything missing or outside `dir`). Returns `http://127.0.0.1:PORT`.
fn serve(dir: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
            }
            let relative = target.trim_start_matches('/');
            let file = (!relative
                .split('/')
                .any(|part| part == ".." || part.is_empty()))
            .then(|| dir.join(relative))
            .filter(|path| path.is_file());
            let _ = match file {
                Some(path) => {
                    let body = std::fs::read(path).unwrap();
                    write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .and_then(|()| stream.write_all(&body))
                }
                None => stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
        }
    });
    url
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

/// A release host (`www/vVERSION/`), minisign key pairs made by stock minisign, and the
/// directories the script installs into and keeps its downloads in.
struct Host {
    dir: tempfile::TempDir,
    url: String,
}

impl Host {
    fn new() -> Host {
        // Beside the test binaries, so the real tollgate is hard-linked, never copied.
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        for sub in ["www", "keys", "tmp"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        std::fs::create_dir(dir.path().join("www").join(format!("v{VERSION}"))).unwrap();
        let url = serve(dir.path().join("www"));
        let host = Host { dir, url };
        host.keypair("release");
        host.keypair("other");
        host
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn release(&self) -> PathBuf {
        self.path().join("www").join(format!("v{VERSION}"))
    }

    fn pubkey(&self, name: &str) -> PathBuf {
        self.path().join("keys").join(format!("{name}.pub"))
    }

    fn keypair(&self, name: &str) {
        let keys = self.path().join("keys");
        let out = run(Command::new("minisign")
            .args(["-G", "-W", "-p"])
            .arg(keys.join(format!("{name}.pub")))
            .arg("-s")
            .arg(keys.join(format!("{name}.key"))));
        assert!(out.status.success(), "minisign -G: {}", text(&out));
    }

    /// Publish `binary` as the x86_64 asset: hard-linked when it is the real tollgate.
    fn put_binary(&self, binary: &Path) {
        let target = self.release().join(asset());
        let _ = std::fs::remove_file(&target);
        if std::fs::hard_link(binary, &target).is_err() {
            std::fs::copy(binary, &target).unwrap();
        }
    }

    /// A fake that would pass every check after the digest: it says it is tollgate.
    fn put_fake_binary(&self) {
        let fake = self.path().join("fake");
        std::fs::write(&fake, format!("#!/bin/sh\necho 'tollgate {VERSION}'\n")).unwrap();
        self.put_binary(&fake);
    }

    /// SHA256SUMS as release.yml writes it: `sha256sum -- *` in the release directory.
    fn write_sums(&self) {
        let out = run(Command::new("sh")
            .args(["-c", "sha256sum -- tollgate-* >SHA256SUMS"])
            .current_dir(self.release()));
        assert!(out.status.success(), "sha256sum: {}", text(&out));
    }

    /// `minisign -S` over SHA256SUMS with the named key (extra flags such as `-l`).
    fn sign(&self, key: &str, extra: &[&str]) {
        let out = run(Command::new("minisign")
            .args(["-S", "-W", "-s"])
            .arg(self.path().join("keys").join(format!("{key}.key")))
            .args(extra)
            .args(["-t", &format!("tollgate {VERSION} SHA256SUMS")])
            .arg("-m")
            .arg(self.release().join("SHA256SUMS")));
        assert!(out.status.success(), "minisign -S: {}", text(&out));
    }

    /// Stock minisign's opinion of the published signature, with the release key.
    fn minisign_accepts(&self) -> bool {
        run(Command::new("minisign")
            .arg("-Vm")
            .arg(self.release().join("SHA256SUMS"))
            .arg("-p")
            .arg(self.pubkey("release")))
        .status
        .success()
    }

    fn dest(&self) -> PathBuf {
        self.path().join("bin")
    }

    /// scripts/install-release.sh, trusting the test's release key.
    fn install(&self) -> Output {
        run(Command::new("bash")
            .arg(root().join("scripts/install-release.sh"))
            .args([
                "--version",
                VERSION,
                "--arch",
                "x86_64",
                "--base-url",
                &self.url,
            ])
            .arg("--pubkey")
            .arg(self.pubkey("release"))
            .arg("--dest")
            .arg(self.dest())
            .env("TMPDIR", self.path().join("tmp"))
            .env_remove("GITHUB_ACTIONS"))
    }

    /// Refused (exit 1) with `reason` on stderr, and no executable file anywhere the script
    /// wrote (the install directory and its temporary directory).
    fn assert_refused(&self, out: &Output, reason: &str) {
        assert_eq!(out.status.code(), Some(1), "{}", text(out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("tollgate install: refused: ") && stderr.contains(reason),
            "expected the reason {reason:?}:\n{}",
            text(out)
        );
        self.assert_nothing_executable();
    }

    fn assert_nothing_executable(&self) {
        for dir in [self.dest(), self.path().join("tmp")] {
            let left = files_under(&dir);
            let executable: Vec<_> = left
                .iter()
                .filter(|f| std::fs::metadata(f).unwrap().permissions().mode() & 0o111 != 0)
                .collect();
            assert!(executable.is_empty(), "left executable: {executable:?}");
        }
        let temporary = files_under(&self.path().join("tmp"));
        assert!(temporary.is_empty(), "downloads left behind: {temporary:?}");
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn a_verified_release_installs_and_runs() {
    let host = Host::new();
    host.put_binary(Path::new(env!("CARGO_BIN_EXE_tollgate")));
    host.write_sums();
    host.sign("release", &[]);
    assert!(
        host.minisign_accepts(),
        "stock minisign refuses the signature"
    );
    let out = host.install();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("SHA256SUMS: signed by the tollgate release key"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}: SHA-256 ", asset())),
        "{stdout}"
    );

    let installed = host.dest().join("tollgate");
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755, "{mode:o}");
    let version = run(Command::new(&installed).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("tollgate {VERSION}")
    );
    let temporary = files_under(&host.path().join("tmp"));
    assert!(temporary.is_empty(), "downloads left behind: {temporary:?}");
}

#[test]
fn a_tampered_binary_is_refused() {
    let host = Host::new();
    // The genuine release is signed; then the binary on the host is swapped for a fake that
    // even answers `--version` correctly.
    host.put_binary(Path::new(env!("CARGO_BIN_EXE_tollgate")));
    host.write_sums();
    host.sign("release", &[]);
    host.put_fake_binary();
    assert!(host.minisign_accepts());
    let out = host.install();
    host.assert_refused(
        &out,
        &format!(
            "{} has SHA-256 {}",
            asset(),
            sha256(&host.release().join(asset()))
        ),
    );
    assert!(text(&out).contains("the download was tampered with or truncated"));
}

#[test]
fn a_tampered_sums_file_is_refused() {
    let host = Host::new();
    host.put_binary(Path::new(env!("CARGO_BIN_EXE_tollgate")));
    host.write_sums();
    host.sign("release", &[]);
    // The attacker swaps the binary and rewrites SHA256SUMS to match; the signature stays.
    host.put_fake_binary();
    host.write_sums();
    assert!(
        !host.minisign_accepts(),
        "stock minisign accepts a changed file"
    );
    let out = host.install();
    host.assert_refused(
        &out,
        "the signature of SHA256SUMS does not verify with the tollgate release key",
    );
    assert!(text(&out).contains("SHA256SUMS was changed after it was signed"));
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    host.sign("other", &[]);
    assert!(!host.minisign_accepts());
    let out = host.install();
    host.assert_refused(
        &out,
        &format!(
            "SHA256SUMS is signed by another key (key id {}), not by the tollgate release key {}",
            key_id(&host.pubkey("other")),
            key_id(&host.pubkey("release"))
        ),
    );
}

#[test]
fn a_changed_trusted_comment_is_refused() {
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    host.sign("release", &[]);
    let signature = host.release().join("SHA256SUMS.minisig");
    let text_before = std::fs::read_to_string(&signature).unwrap();
    let changed = text_before.replace(
        &format!("trusted comment: tollgate {VERSION} SHA256SUMS"),
        "trusted comment: tollgate 99.0.0 SHA256SUMS",
    );
    assert_ne!(changed, text_before);
    std::fs::write(&signature, changed).unwrap();
    assert!(!host.minisign_accepts());
    let out = host.install();
    host.assert_refused(
        &out,
        "the trusted comment of SHA256SUMS.minisig does not verify",
    );
}

#[test]
fn a_legacy_signature_is_refused() {
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    host.sign("release", &["-l"]);
    assert!(
        host.minisign_accepts(),
        "stock minisign still accepts legacy"
    );
    let out = host.install();
    host.assert_refused(&out, "a legacy (not prehashed) minisign signature");
}

#[test]
fn a_binary_listed_twice_is_refused() {
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    // Signed, but ambiguous: which digest is the binary's?
    let sums = host.release().join("SHA256SUMS");
    let line = std::fs::read_to_string(&sums).unwrap();
    std::fs::write(&sums, format!("{line}{}  {}\n", "0".repeat(64), asset())).unwrap();
    host.sign("release", &[]);
    let out = host.install();
    host.assert_refused(
        &out,
        &format!("the signed SHA256SUMS lists {} more than once", asset()),
    );
}

#[test]
fn a_release_without_a_binary_for_the_arch_is_refused_before_any_download() {
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    host.sign("release", &[]);
    let out = run(Command::new("bash")
        .arg(root().join("scripts/install-release.sh"))
        .args([
            "--version",
            VERSION,
            "--arch",
            "aarch64",
            "--base-url",
            &host.url,
        ])
        .arg("--pubkey")
        .arg(host.pubkey("release"))
        .arg("--dest")
        .arg(host.dest())
        .env("TMPDIR", host.path().join("tmp")));
    host.assert_refused(
        &out,
        &format!(
            "the signed SHA256SUMS does not list tollgate-{VERSION}-aarch64-unknown-linux-musl"
        ),
    );
}

#[test]
fn the_action_trusts_only_the_release_key_committed_beside_it() {
    // .github/action/install.sh as the composite step runs it (install: release): the version
    // comes from the action's Cargo.toml and the key from .github/tollgate-release.pub, so a
    // release signed by any other key — here the test's — is refused and PATH is untouched.
    let host = Host::new();
    host.put_fake_binary();
    host.write_sums();
    host.sign("release", &[]);
    let runner_temp = host.path().join("runner-temp");
    std::fs::create_dir(&runner_temp).unwrap();
    let github_path = host.path().join("github-path");
    std::fs::write(&github_path, "").unwrap();
    let out = run(Command::new("bash")
        .arg(root().join(".github/action/install.sh"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_PATH", &github_path)
        .env("RUNNER_TEMP", &runner_temp)
        .env("TMPDIR", host.path().join("tmp"))
        .env("TOLLGATE_INSTALL", "release")
        .env("TOLLGATE_DOWNLOAD_URL", &host.url));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let committed = key_id(&root().join(".github/tollgate-release.pub"));
    let reason = format!(
        "SHA256SUMS is signed by another key (key id {}), not by the tollgate release key {committed}",
        key_id(&host.pubkey("release"))
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("::error title=tollgate install::{reason}")),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&github_path).unwrap(), "");
    assert!(files_under(&runner_temp).is_empty());
    assert!(files_under(&host.path().join("tmp")).is_empty());
}

#[test]
fn the_default_download_url_is_the_repository_s_releases() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let repository = manifest["package"]["repository"].as_str().unwrap();
    let releases = format!("{repository}/releases/download");
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(
        action.contains(&format!("    default: {releases}\n")),
        "action.yml's download-url default is not {releases}"
    );
    for script in [".github/action/install.sh", "scripts/install-release.sh"] {
        let text = std::fs::read_to_string(root().join(script)).unwrap();
        assert!(
            text.contains(&releases),
            "{script} does not default to {releases}"
        );
    }
    // The key the action trusts is a minisign public key.
    let key = std::fs::read_to_string(root().join(".github/tollgate-release.pub")).unwrap();
    assert!(key.starts_with("untrusted comment: "), "{key}");
}

#[test]
fn the_release_workflow_publishes_what_the_action_installs() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    // Both architectures the script knows, as static musl binaries, under the names it
    // fetches (tollgate-VERSION-TARGET), signed and checked against the committed key.
    assert!(
        workflow.contains("target: [x86_64-unknown-linux-musl, aarch64-unknown-linux-musl]"),
        "release.yml builds other targets than install-release.sh fetches"
    );
    assert!(workflow.contains(r#""bin/tollgate-$version-$TARGET""#));
    assert!(workflow.contains("sha256sum -- * >SHA256SUMS"));
    assert!(workflow.contains("minisign -V -q -m \"$file\" -p ../.github/tollgate-release.pub"));
    // Before the release is uploaded, the dist job installs it exactly as the Action will.
    assert!(workflow.contains("bash scripts/install-release.sh --version \"$VERSION\""));
    // It gates itself with its own policy, which tollgate accepts.
    assert!(workflow.contains("policy: gates/release-self.toml"));
    assert!(!workflow.contains("gates/mainnet.toml"));
    let check = run(Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["policy", "check"])
        .arg(root().join("gates/release-self.toml")));
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    let said = text(&check);
    assert!(said.contains("environment mainnet"), "{said}");
    // The policy trusts the same key the Action verifies downloads with.
    let key = std::fs::read_to_string(root().join(".github/tollgate-release.pub")).unwrap();
    let id = key.lines().next().unwrap().rsplit(' ').next().unwrap();
    assert!(
        said.contains(&format!(
            "trusted key {id} (../.github/tollgate-release.pub)"
        )),
        "{said}"
    );
}

/// The key id minisign prints for a public key file (the 8 bytes after "Ed", little-endian).
fn key_id(pubkey: &Path) -> String {
    use base64::Engine as _;
    let text = std::fs::read_to_string(pubkey).unwrap();
    let line = text.lines().nth(1).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .unwrap();
    bytes[2..10]
        .iter()
        .rev()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn sha256(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

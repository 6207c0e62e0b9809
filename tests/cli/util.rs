//! Test harness: temporary release directories, keys, policies, and running the binary.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;
use tollgate::digest::sha256_hex;
use tollgate::signing::{Signer, keygen};

/// A scratch workspace: a signed release, an artifact key, a verdict key, a policy.
pub struct Workspace {
    pub dir: TempDir,
    pub release_signer: Signer,
}

impl Workspace {
    /// A release with two artifacts, signed SHA256SUMS and per-artifact signatures.
    pub fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        let release_keys = keygen(&dir.path().join("release-keys"), None).unwrap();
        keygen(&dir.path().join("verdict-keys"), None).unwrap();
        let ws = Workspace {
            release_signer: Signer::load(&release_keys.secret, None).unwrap(),
            dir,
        };
        std::fs::create_dir(ws.release()).unwrap();
        ws.write(
            "chain-node-1.4.2-x86_64-linux.tar.gz",
            b"pretend this is a tarball",
        );
        ws.write("RELEASE-NOTES.md", b"# 1.4.2\n- faster sync\n");
        ws.write_sums_and_sign(&["chain-node-1.4.2-x86_64-linux.tar.gz", "RELEASE-NOTES.md"]);
        ws.policy("artifact_signatures = \"required\"");
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn release(&self) -> PathBuf {
        self.path().join("release")
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    pub fn verdict_key(&self) -> PathBuf {
        self.path().join("verdict-keys/tollgate.key")
    }

    pub fn verdict_pub(&self) -> PathBuf {
        self.path().join("verdict-keys/tollgate.pub")
    }

    /// The ledger evaluate appends to (inside the temp dir, so tests never litter the tree).
    pub fn store(&self) -> PathBuf {
        self.path().join("ledger")
    }

    /// Create the ledger as format 1 (the hash chain), for tests of that format's layout:
    /// they pass whatever format new stores get (`TOLLGATE_LEDGER_FORMAT`).
    pub fn pin_v1(&self) {
        let store = self.store();
        let out = tollgate(&[
            "audit",
            "init",
            "--format",
            "v1",
            "--store",
            store.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn policy_path(&self) -> PathBuf {
        self.path().join("policy.toml")
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.release().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    pub fn sign(&self, name: &str) {
        let bytes = std::fs::read(self.release().join(name)).unwrap();
        let sig = self.release_signer.sign(&bytes, "timestamp:0").unwrap();
        self.write(&format!("{name}.minisig"), sig.as_bytes());
    }

    /// GNU-form sums for `names`; signs the sums and every listed artifact.
    pub fn write_sums_and_sign(&self, names: &[&str]) {
        let mut sums = String::new();
        for name in names {
            let bytes = std::fs::read(self.release().join(name)).unwrap();
            sums.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
            self.sign(name);
        }
        self.write("SHA256SUMS", sums.as_bytes());
        self.sign("SHA256SUMS");
    }

    /// A mainnet policy trusting the release key, with extra `[gates.signatures]` lines and
    /// anything after them.
    pub fn policy(&self, signatures: &str) {
        self.policy_with("mainnet", signatures, "");
    }

    pub fn policy_with(&self, environment: &str, signatures: &str, tail: &str) {
        let text = format!(
            "environment = \"{environment}\"\nverdict_ttl = \"72h\"\n\n[trust]\nartifact_keys = [\"release-keys/tollgate.pub\"]\n\n[gates.signatures]\n{signatures}\n{tail}"
        );
        std::fs::write(self.policy_path(), text).unwrap();
    }

    /// `tollgate evaluate` with the workspace's policy, release, out dir and verdict key.
    pub fn evaluate(&self, extra: &[&str]) -> Output {
        let mut args: Vec<String> = [
            "evaluate",
            "--policy",
            self.policy_path().to_str().unwrap(),
            "--release",
            self.release().to_str().unwrap(),
            "--repo",
            self.path().to_str().unwrap(),
            "--out",
            self.out().to_str().unwrap(),
            "--key",
            self.verdict_key().to_str().unwrap(),
            "--store",
            self.store().to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        tollgate(&args)
    }

    /// Evaluate and return the exit code and the verdict written to the out dir.
    pub fn evaluate_verdict(&self) -> (i32, Value) {
        let output = self.evaluate(&[]);
        let verdict = read_json(&self.out().join("verdict.json"));
        (output.status.code().unwrap(), verdict)
    }

    /// Evaluate with `--repo REPO` and extra environment variables for the child; returns
    /// the exit code and the verdict.
    pub fn evaluate_repo(&self, repo: &Path, envs: &[(&str, &Path)]) -> (i32, Value) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .env("TOLLGATE_CACHE_DIR", test_cache_dir())
            .args(["evaluate", "--policy"])
            .arg(self.policy_path())
            .arg("--release")
            .arg(self.release())
            .arg("--repo")
            .arg(repo)
            .arg("--out")
            .arg(self.out())
            .arg("--key")
            .arg(self.verdict_key())
            .arg("--store")
            .arg(self.store())
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .env_remove("RUST_LOG")
            .env_remove("TOLLGATE_KEY_PASSWORD")
            .output()
            .expect("run tollgate");
        let code = output.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "exit {code}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        (code, read_json(&self.out().join("verdict.json")))
    }

    /// `tollgate verify` of the out dir's verdict; `--environment mainnet` (the workspace
    /// policy's) unless `extra` names one, since verify refuses to run without it.
    pub fn verify(&self, extra: &[&str]) -> Output {
        let verdict = self.out().join("verdict.json");
        let mut args = vec![
            "verify".to_owned(),
            verdict.to_str().unwrap().to_owned(),
            "--pubkey".to_owned(),
            self.verdict_pub().to_str().unwrap().to_owned(),
        ];
        if !extra.contains(&"--environment") {
            args.extend(["--environment".to_owned(), "mainnet".to_owned()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        tollgate(&args)
    }
}

/// A waiver expiry 30 days after the real clock: within the default `max_waiver_days` (90)
/// for tests that evaluate without `--now`, whenever they run.
pub fn soon() -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub fn tollgate<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    command(args).output().expect("run tollgate")
}

/// The binary with a clean environment: when the suite itself runs under GitHub Actions,
/// the runner's variables must not leak in (the tests would append to the real job's
/// outputs and summary).
pub fn command<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"));
    command.args(args);
    for name in [
        "RUST_LOG",
        "TOLLGATE_KEY_PASSWORD",
        "GITHUB_ACTIONS",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_WORKSPACE",
        "NO_COLOR",
    ] {
        command.env_remove(name);
    }
    // Format 2's verified-ledger cache goes to a scratch directory, not the user's.
    command.env("TOLLGATE_CACHE_DIR", test_cache_dir());
    command
}

/// Where the binary under test keeps its verified-ledger cache (every test ledger has its
/// own random origin, so tests never share an entry).
pub fn test_cache_dir() -> PathBuf {
    std::env::temp_dir().join("tollgate-test-cache")
}

/// `command` with no arguments yet.
pub fn bare() -> std::process::Command {
    command::<&str>(&[])
}

pub fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// Every finding code in a verdict, in gate and finding order.
pub fn codes(verdict: &Value) -> Vec<String> {
    verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["findings"].as_array().unwrap().iter())
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The report of gate `name` in a verdict.
pub fn gate<'v>(verdict: &'v Value, name: &str) -> &'v Value {
    verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == name)
        .unwrap_or_else(|| panic!("no {name} gate in {verdict:#}"))
}

/// The finding codes of gate `name`.
pub fn gate_codes(verdict: &Value, name: &str) -> Vec<String> {
    gate(verdict, name)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A committed fixture directory under testdata/.
pub fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path)
}

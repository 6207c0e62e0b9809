//! Shared by the ledger's process-level tests: a store with a verdict key, and running the
//! real binary's append path (`tollgate freeze`, which appends through the same code as
//! `evaluate`) and its verifier.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

pub struct Ledger {
    pub dir: TempDir,
}

impl Ledger {
    /// An empty ledger of `format` (`v1` or `v2`, as `audit init --format` takes it).
    pub fn new(format: &str) -> Ledger {
        let dir = tempfile::tempdir().unwrap();
        tollgate::signing::keygen(&dir.path().join("keys"), None).unwrap();
        let ledger = Ledger { dir };
        let out = ledger
            .command()
            .args(["audit", "init", "--format", format, "--store"])
            .arg(ledger.store())
            .output()
            .unwrap();
        assert_success(&out);
        ledger
    }

    /// The binary, with this ledger's own verified-ledger cache.
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
        cmd.env("TOLLGATE_CACHE_DIR", self.dir.path().join("cache"))
            .env_remove("RUST_LOG");
        cmd
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("ledger")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("keys/tollgate.key")
    }

    pub fn pubkey(&self) -> PathBuf {
        self.dir.path().join("keys/tollgate.pub")
    }

    /// One append by a fresh `tollgate` process (not yet waited for).
    pub fn append_command(&self, reason: &str) -> Command {
        let mut cmd = self.command();
        cmd.args([
            "-q",
            "freeze",
            "--environment",
            "regtest",
            "--reason",
            reason,
        ])
        .arg("--key")
        .arg(self.key())
        .arg("--store")
        .arg(self.store())
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    }

    /// Run one append to completion; it must succeed. Returns the id it printed.
    pub fn append_ok(&self, reason: &str) -> (u64, String) {
        let out = self.append_command(reason).output().unwrap();
        assert_success(&out);
        printed_id(&out.stdout)
    }

    pub fn verify(&self) -> Output {
        self.command()
            .args(["audit", "verify", "--pubkey"])
            .arg(self.pubkey())
            .arg("--store")
            .arg(self.store())
            .output()
            .unwrap()
    }

    /// `seq -> entry sha256` of every entry, from `audit log --format json`.
    pub fn entries(&self) -> Vec<(u64, String)> {
        let out = self
            .command()
            .args(["audit", "log", "--format", "json", "--store"])
            .arg(self.store())
            .output()
            .unwrap();
        assert_success(&out);
        let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        records
            .iter()
            .map(|r| {
                (
                    r["seq"].as_u64().unwrap(),
                    r["entry_sha256"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

/// The `SEQ:SHA256` id a successful append printed.
pub fn printed_id(stdout: &[u8]) -> (u64, String) {
    let text = String::from_utf8_lossy(stdout);
    let start = text.find("ledger entry ").expect("an entry id") + "ledger entry ".len();
    let id = &text[start..];
    let end = id.find(',').expect("id ends with a comma");
    let (seq, sha) = id[..end].split_once(':').expect("SEQ:SHA256");
    (seq.parse().unwrap(), sha.to_owned())
}

pub fn assert_success(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn assert_verifies(ledger: &Ledger) {
    assert_success(&ledger.verify());
}

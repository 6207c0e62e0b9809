//! The composite action's evaluate script (.github/action/evaluate.sh) under a simulated
//! runner: it signs, sets outputs (the ledger entry id among them), appends to the ledger
//! the store input names (or the default one), refuses a policy for another environment, and never prints the key or its password
//! except in the runner's `::add-mask::` commands.

use std::path::Path;
use std::process::{Command, Output};

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

/// A workspace with a signed release (the committed demo), a policy, and a verdict key.
struct Simulated {
    dir: tempfile::TempDir,
    password: &'static str,
}

impl Simulated {
    fn new() -> Simulated {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join("dist");
        std::fs::create_dir(&release).unwrap();
        for entry in std::fs::read_dir(root().join("testdata/demo-release")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), release.join(entry.file_name())).unwrap();
        }
        std::fs::copy(
            root().join("testdata/keys/demo-release.pub"),
            dir.path().join("release.pub"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("regtest.toml"),
            "environment = \"regtest\"\n[trust]\nartifact_keys = [\"release.pub\"]\n[gates.signatures]\nartifact_signatures = \"required\"\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("runner-temp")).unwrap();
        let sim = Simulated {
            dir,
            password: "pw-sim-91c3-staple",
        };
        let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .args(["keygen", "--out"])
            .arg(sim.path().join("verdict-keys"))
            .env("TOLLGATE_KEY_PASSWORD", sim.password)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        sim
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn secret_key(&self) -> String {
        std::fs::read_to_string(self.path().join("verdict-keys/tollgate.key")).unwrap()
    }

    /// `bash .github/action/evaluate.sh` as the composite action's step would run it.
    fn run(&self, inputs: &[(&str, &str)]) -> Output {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_tollgate")).parent().unwrap();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(root().join(".github/action/evaluate.sh"))
            .current_dir(self.path())
            .env("PATH", path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.path())
            .env("GITHUB_OUTPUT", self.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", self.path().join("summary.md"))
            .env("RUNNER_TEMP", self.path().join("runner-temp"))
            .env_remove("RUST_LOG")
            .env("TOLLGATE_POLICY", "regtest.toml")
            .env("TOLLGATE_RELEASE", "dist")
            .env("TOLLGATE_REPO", ".")
            .env("TOLLGATE_OUT", "tollgate-out")
            .env("TOLLGATE_ENVIRONMENT", "regtest")
            .env("TOLLGATE_SIGNING_KEY", self.secret_key())
            .env("TOLLGATE_KEY_PASSWORD", self.password)
            .env("TOLLGATE_STORE", "")
            .env("TOLLGATE_FORMAT", "text");
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }
}

#[test]
fn action_evaluates_signs_and_sets_outputs_under_a_simulated_runner() {
    let sim = Simulated::new();
    let out = sim.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let outputs = sim.read("output");
    assert!(outputs.contains("decision=promote\n"), "{outputs}");
    assert!(outputs.contains("signed=true\n"), "{outputs}");
    assert!(outputs.contains("entry-id=1:"), "{outputs}");
    assert!(sim.read("summary.md").contains("✅ **PROMOTE**"));
    // The verdict verifies with the public key: the key file the script wrote was real.
    let verify = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .arg("verify")
        .arg(sim.path().join("tollgate-out/verdict.json"))
        .arg("--pubkey")
        .arg(sim.path().join("verdict-keys/tollgate.pub"))
        .args(["--environment", "regtest"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    // The temporary key is gone once the step ends.
    let left: Vec<_> = std::fs::read_dir(sim.path().join("runner-temp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind in RUNNER_TEMP: {left:?}");
}

#[test]
fn action_never_prints_the_key_or_password_except_to_mask_them() {
    let sim = Simulated::new();
    let out = sim.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let secret_key = sim.secret_key();
    let secrets: Vec<&str> = secret_key
        .lines()
        .filter(|l| !l.starts_with("untrusted comment"))
        .chain([sim.password])
        .collect();
    for secret in &secrets {
        // Masking tells the runner to hide it; the command itself is not shown in logs.
        assert!(
            stdout.contains(&format!("::add-mask::{secret}\n")),
            "{secret:?} is not masked"
        );
    }
    let unmasked: String = stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    let elsewhere = [
        unmasked,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        sim.read("summary.md"),
        sim.read("output"),
    ]
    .join("\n");
    for secret in &secrets {
        assert!(!elsewhere.contains(secret), "{secret:?} leaked");
    }
}

#[test]
fn action_fails_the_step_on_block_with_outputs_written() {
    let sim = Simulated::new();
    std::fs::write(sim.path().join("dist/unlisted.txt"), "x").unwrap();
    let out = sim.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(sim.read("output").contains("decision=block\n"));
    assert!(
        text(&out).contains("::error title=tollgate%3A BLOCK::"),
        "{}",
        text(&out)
    );
}

#[test]
fn action_upload_sarif_writes_the_sarif_file_the_upload_step_reads() {
    let sim = Simulated::new();
    std::fs::write(sim.path().join("dist/unlisted.txt"), "x").unwrap();
    let out = sim.run(&[("TOLLGATE_UPLOAD_SARIF", "true")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // action.yml's upload step reads `${{ inputs.out }}/tollgate.sarif`.
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(action.contains("uses: github/codeql-action/upload-sarif@v4"));
    assert!(action.contains("sarif_file: ${{ inputs.out }}/tollgate.sarif"));
    let sarif: serde_json::Value =
        serde_json::from_str(&sim.read("tollgate-out/tollgate.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"], "sig.unlisted-file",
        "{sarif}"
    );
    // GitHub matches results to repository paths: the policy (where an unlocated finding
    // points) is named relative to GITHUB_WORKSPACE.
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "regtest.toml"
    );
    assert!(sim.read("output").contains("vsa-path="));

    let off = Simulated::new();
    let out = off.run(&[("TOLLGATE_UPLOAD_SARIF", "false")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!off.path().join("tollgate-out/tollgate.sarif").exists());
    let out = off.run(&[("TOLLGATE_UPLOAD_SARIF", "yes")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("upload-sarif must be true or false"));
}

#[test]
fn action_refuses_a_policy_for_another_environment() {
    let sim = Simulated::new();
    let out = sim.run(&[("TOLLGATE_ENVIRONMENT", "mainnet")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is a policy for regtest"),
        "{}",
        text(&out)
    );
    assert!(!sim.path().join("tollgate-out").exists());
}

/// The latest `entry-id=` in GITHUB_OUTPUT (each run appends its own).
fn entry_id(sim: &Simulated) -> String {
    let outputs = sim.read("output");
    outputs
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("entry-id="))
        .unwrap_or_else(|| panic!("no entry-id output in {outputs}"))
        .to_owned()
}

/// `tollgate audit show ID --store STORE --format json` from the simulated workspace.
fn show(sim: &Simulated, id: &str, store: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["audit", "show", id, "--store", store, "--format", "json"])
        .current_dir(sim.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn action_store_input_names_the_ledger_and_entry_id_is_its_entry() {
    let sim = Simulated::new();
    let out = sim.run(&[("TOLLGATE_STORE", "audit-ledger")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = entry_id(&sim);
    let written = sim.read("tollgate-out/ledger-entry.json");
    let written: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(id, written["id"].as_str().unwrap());
    assert!(id.starts_with("1:"), "{id}");
    let shown = show(&sim, &id, "audit-ledger");
    assert_eq!(shown["entry"]["decision"], "promote");
    assert!(
        !sim.path().join(".tollgate").exists(),
        "the default ledger was not used"
    );

    // Empty store: the default ledger under the repo input.
    let out = sim.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let id = entry_id(&sim);
    assert!(
        sim.read("output").matches("entry-id=").count() == 2,
        "one entry-id per run"
    );
    let _ = show(&sim, &id, ".tollgate/ledger");
}

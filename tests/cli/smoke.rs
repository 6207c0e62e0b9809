//! The smoke gate end to end through `tollgate evaluate`, against the test node
//! (examples/smoke_node.rs): a promote, every failure mode, a bad spec, and that no node
//! survives SIGTERM or SIGKILL to tollgate mid-run.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The test node, built on demand: `cargo test --test cli` does not build examples.
fn test_node() -> &'static Path {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--locked",
                "--example",
                "smoke_node",
                "--manifest-path",
            ])
            .arg(&manifest)
            .status()
            .expect("run cargo build --example smoke_node");
        assert!(status.success(), "cargo build --example smoke_node failed");
        // The example lands beside the binary under test: target/<profile>/examples/.
        let node = Path::new(env!("CARGO_BIN_EXE_tollgate"))
            .parent()
            .unwrap()
            .join("examples/smoke_node");
        assert!(node.is_file(), "no test node at {}", node.display());
        node
    })
}

/// A workspace whose regtest policy runs the signatures gate and the smoke gate with the
/// spec built from `node_flags` (extra test-node flags) and `tail` (spec text after [ready]).
struct Smoke {
    ws: Workspace,
}

const STEPS: &str = r#"
[[steps]]
name = "mine"
rpc = { method = "generate", params = [11] }
expect = ["/result/10 matches ^[0-9a-f]{64}$"]

[[steps]]
name = "height"
rpc = { method = "getblockcount" }
until = ["/result >= 11"]
timeout = "5s"
interval = "100ms"
capture = { height = "/result" }

[[steps]]
name = "tip"
rpc = { method = "getbestblockhash" }
capture = { tip = "/result" }

[[steps]]
name = "named params"
rpc = { method = "echo", params = { height = "{height}", tip = "{tip}" } }
expect = ["/result/height == {height}", "/result/tip == \"{tip}\""]

[[steps]]
name = "plain HTTP POST"
http = { method = "POST", url = "http://127.0.0.1:{rpc_port}/json_rpc", json = { jsonrpc = "2.0", id = 7, method = "getblockhash", params = ["{height}"] } }
expect = ["/jsonrpc == \"2.0\"", "/id == 7", "/result == \"{tip}\""]

[[steps]]
name = "a command"
command = ["sh", "-c", "echo '{\"ok\": true}'"]
expect = ["/json/ok == true", "/exit == 0"]

[stop]
rpc = { method = "stop" }
deadline = "10s"
grace = "2s"

[restart]
extra_args = ["-reindex-chainstate"]
unchanged = ["tip", "height"]

[[restart.checks]]
rpc = { method = "getblockcount" }
until = ["/result >= {height}"]
timeout = "5s"
capture = { height = "/result" }

[[restart.checks]]
rpc = { method = "getbestblockhash" }
capture = { tip = "/result" }
"#;

impl Smoke {
    fn new(node_flags: &[&str], tail: &str) -> Smoke {
        let ws = Workspace::new();
        let mut args = vec![test_node().display().to_string()];
        args.extend(
            [
                "--datadir",
                "{datadir}",
                "--port",
                "{rpc_port}",
                "--rpc-user",
                "alice",
                "--rpc-password",
                "s3cret",
            ]
            .map(String::from),
        );
        args.extend([
            "--pidfile".into(),
            ws.path().join("node.pid").display().to_string(),
        ]);
        args.extend(node_flags.iter().map(|s| s.to_string()));
        let command = serde_json::to_string(&args).unwrap();
        let spec = format!(
            r#"[node]
command = {command}

[rpc]
url = "http://127.0.0.1:{{rpc_port}}/"
version = "1.0"
user = "alice"
password_env = "SMOKE_TEST_RPC_PASSWORD"

[ready]
http = {{ url = "http://127.0.0.1:{{rpc_port}}/health" }}
expect = ["/status == \"ok\""]
deadline = "10s"
interval = "100ms"
{tail}"#
        );
        std::fs::write(ws.path().join("smoke.toml"), spec).unwrap();
        ws.policy_with(
            "regtest",
            "artifact_signatures = \"required\"",
            "[gates.smoke]\nspec = \"smoke.toml\"\n",
        );
        Smoke { ws }
    }

    fn command(&self) -> Command {
        let ws = &self.ws;
        let mut command = bare();
        command
            .args(["evaluate", "--policy"])
            .arg(ws.policy_path())
            .arg("--release")
            .arg(ws.release())
            .arg("--repo")
            .arg(ws.path())
            .arg("--out")
            .arg(ws.out())
            .env("SMOKE_TEST_RPC_PASSWORD", "s3cret");
        command
    }

    fn evaluate(&self) -> (Output, serde_json::Value) {
        let output = self.command().output().unwrap();
        let verdict = read_json(&self.ws.out().join("verdict.json"));
        (output, verdict)
    }

    /// The smoke gate's findings after an evaluation that must block.
    fn blocks(&self) -> Vec<serde_json::Value> {
        let (output, verdict) = self.evaluate();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
        self.assert_node_gone();
        gate(&verdict, "smoke")["findings"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn pid(&self, ext: &str) -> u32 {
        let path = self.ws.path().join("node").with_extension(ext);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .trim()
            .parse()
            .unwrap()
    }

    fn assert_node_gone(&self) {
        let pid = self.pid("pid");
        assert!(
            gone_within(pid, Duration::from_secs(20)),
            "node {pid} still runs"
        );
    }
}

/// Whether `pid` is gone (or a zombie nobody can run again) within `limit`.
fn gone_within(pid: u32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        let alive = state.is_some_and(|s| {
            s.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                != Some("Z")
        });
        if !alive {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn codes_of(findings: &[serde_json::Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect()
}

#[test]
fn a_healthy_node_promotes_and_keeps_its_tip_across_a_restart() {
    let smoke = Smoke::new(&[], STEPS);
    let (output, verdict) = smoke.evaluate();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let report = gate(&verdict, "smoke");
    assert_eq!(report["outcome"], "pass", "{report:#}");
    assert_eq!(report["counts"]["smoke_node_starts"], 2);
    assert_eq!(report["counts"]["smoke_steps_passed"], 8);
    let evidence: Vec<&str> = report["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(evidence[0].ends_with("smoke.toml"), "{evidence:?}");
    assert!(
        evidence[1].ends_with("smoke/node-1.log") && evidence[2].ends_with("smoke/node-2.log"),
        "{evidence:?}"
    );
    let provenance = std::fs::read_to_string(smoke.ws.out().join("provenance.json")).unwrap();
    let spec_sha =
        tollgate::digest::sha256_hex(&std::fs::read(smoke.ws.path().join("smoke.toml")).unwrap());
    assert!(
        provenance.contains(&spec_sha),
        "the provenance does not record the smoke spec"
    );
    let second = std::fs::read_to_string(smoke.ws.out().join("smoke/node-2.log")).unwrap();
    assert!(second.contains("loaded chain at height 11"), "{second}");
    assert!(second.contains("-reindex-chainstate"), "{second}");
    smoke.assert_node_gone();
}

#[test]
fn a_node_that_never_gets_ready_blocks() {
    let tail = "[stop]\ndeadline = \"5s\"\n";
    let smoke = Smoke::new(&["--never-ready"], tail);
    let spec = std::fs::read_to_string(smoke.ws.path().join("smoke.toml")).unwrap();
    // Readiness by JSON-RPC this time: the node answers error -28 while "loading".
    let spec = spec.replace(
        "http = { url = \"http://127.0.0.1:{rpc_port}/health\" }\nexpect = [\"/status == \\\"ok\\\"\"]\ndeadline = \"10s\"",
        "rpc = { method = \"getblockcount\" }\ndeadline = \"2s\"",
    );
    std::fs::write(smoke.ws.path().join("smoke.toml"), spec).unwrap();
    let findings = smoke.blocks();
    assert_eq!(codes_of(&findings), ["smoke.not-ready"]);
    let message = findings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("JSON-RPC error -28: Loading block index"),
        "{message}"
    );
}

#[test]
fn a_node_that_crashes_blocks_with_its_log_tail() {
    let tail = "[[steps]]\nname = \"wait for a height it never reaches\"\nrpc = { method = \"getblockcount\" }\nuntil = [\"/result >= 1000\"]\ntimeout = \"20s\"\ninterval = \"100ms\"\n";
    let smoke = Smoke::new(&["--exit-after-ms", "1500"], tail);
    let findings = smoke.blocks();
    assert_eq!(codes_of(&findings), ["smoke.exited-early"]);
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains("exit code 3"), "{message}");
    assert!(
        message.contains("fatal: simulated crash after 1500 ms"),
        "{message}"
    );
    assert_eq!(findings[0]["subject"], "wait for a height it never reaches");
}

#[test]
fn a_tip_that_changes_across_the_restart_blocks() {
    let smoke = Smoke::new(&["--change-tip-on-restart"], STEPS);
    let findings = smoke.blocks();
    assert_eq!(codes_of(&findings), ["smoke.tip-changed"]);
    assert_eq!(findings[0]["subject"], "tip");
}

#[test]
fn a_node_that_ignores_its_stop_method_is_killed_and_blocks() {
    let tail = "[stop]\nrpc = { method = \"stop\" }\ndeadline = \"1s\"\ngrace = \"1s\"\n";
    let smoke = Smoke::new(&["--ignore-stop"], tail);
    let findings = smoke.blocks();
    assert_eq!(codes_of(&findings), ["smoke.stop-timeout"]);
}

#[test]
fn a_node_that_fails_on_stop_blocks() {
    let smoke = Smoke::new(
        &["--exit-code-on-stop", "2"],
        "[stop]\nsignal = \"SIGTERM\"\n",
    );
    let findings = smoke.blocks();
    assert_eq!(codes_of(&findings), ["smoke.unclean-stop"]);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("shutting down (signal 15)"),
        "{findings:?}"
    );
}

#[test]
fn failed_requests_assertions_and_waits_block_with_what_came_back() {
    let cases = [
        (
            "[[steps]]\nname = \"wrong password\"\nrpc = { method = \"getblockcount\" }\n",
            "smoke.step-failed",
            "getblockcount: HTTP 401: the node refused the credentials",
        ),
        (
            "[[steps]]\nname = \"no such method\"\nrpc = { method = \"nosuch\" }\n",
            "smoke.step-failed",
            "nosuch: JSON-RPC error -32601: Method not found: nosuch",
        ),
        (
            "[[steps]]\nname = \"mine\"\nrpc = { method = \"generate\", params = [2] }\n[[steps]]\nname = \"count\"\nrpc = { method = \"getblockcount\" }\nexpect = [\"/result >= 100\"]\n",
            "smoke.assertion-failed",
            "step `count`: expected /result >= 100, got 2",
        ),
        (
            "[[steps]]\nname = \"never\"\nrpc = { method = \"getblockcount\" }\nuntil = [\"/result >= 1000\"]\ntimeout = \"1s\"\ninterval = \"200ms\"\n",
            "smoke.wait-timeout",
            "/result >= 1000 still failed: got 0",
        ),
        (
            "[[steps]]\nname = \"slow\"\nrpc = { method = \"getblockcount\" }\ntimeout = \"300ms\"\n",
            "smoke.step-failed",
            "timed out",
        ),
    ];
    for (tail, code, fragment) in cases {
        let flags: &[&str] = if tail.contains("slow") {
            &["--slow-ms", "1500"]
        } else if tail.contains("wrong password") {
            &["--rpc-password", "not-what-the-spec-sends"]
        } else {
            &[]
        };
        let smoke = Smoke::new(flags, tail);
        let findings = smoke.blocks();
        assert_eq!(codes_of(&findings), [code], "{tail}");
        let message = findings[0]["message"].as_str().unwrap();
        assert!(message.contains(fragment), "{tail}: {message}");
    }
}

#[test]
fn a_missing_program_cannot_be_evaluated_and_blocks() {
    let smoke = Smoke::new(&[], "");
    let spec = std::fs::read_to_string(smoke.ws.path().join("smoke.toml")).unwrap();
    let spec = spec.replace(
        &test_node().display().to_string(),
        "/nonexistent/node-binary",
    );
    std::fs::write(smoke.ws.path().join("smoke.toml"), spec).unwrap();
    let (output, verdict) = smoke.evaluate();
    assert_eq!(output.status.code(), Some(1));
    let report = gate(&verdict, "smoke");
    assert_eq!(report["outcome"], "error");
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("cannot start /nonexistent/node-binary"),
        "{report:#}"
    );
}

#[test]
fn an_invalid_or_missing_spec_is_a_configuration_error_naming_the_line() {
    let smoke = Smoke::new(
        &[],
        "[[steps]]\nrpc = { method = \"x\" }\nexpect = [\"/result = 1\"]\n",
    );
    let output = smoke.command().output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("smoke.toml:17:"), "{err}");
    assert!(err.contains("expected an operator"), "{err}");
    std::fs::remove_file(smoke.ws.path().join("smoke.toml")).unwrap();
    let out = tollgate(&["policy", "check", smoke.ws.policy_path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("policy.toml:10:") && stderr(&out).contains("no smoke spec at"),
        "{}",
        stderr(&out)
    );
}

/// Start an evaluation whose node (and its child) waits in a long step, send `signal` to
/// tollgate, and check that neither the node nor its child survives.
/// With `whole_group`, the signal goes to tollgate's process group, as a terminal's Ctrl-C
/// does (the keepers get it too).
fn kill_tollgate_mid_run(signal: &str, whole_group: bool) -> Option<i32> {
    let tail = "[[steps]]\nname = \"wait\"\nrpc = { method = \"getblockcount\" }\nuntil = [\"/result >= 1000\"]\ntimeout = \"120s\"\ninterval = \"200ms\"\n[stop]\ngrace = \"2s\"\n";
    let smoke = Smoke::new(&["--spawn-child"], tail);
    let mut command = smoke.command();
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the node has written its child's pid and answered the probe.
    let child_pidfile = smoke.ws.path().join("node.child");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !child_pidfile.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let (node, grandchild) = (smoke.pid("pid"), smoke.pid("child"));
    assert!(
        !gone_within(node, Duration::ZERO),
        "the node should be running"
    );
    let target = if whole_group {
        format!("-{}", child.id())
    } else {
        child.id().to_string()
    };
    let status = Command::new("kill")
        .args([signal, "--", &target])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(
        gone_within(node, Duration::from_secs(20)),
        "node {node} survived kill {signal} to tollgate"
    );
    assert!(
        gone_within(grandchild, Duration::from_secs(20)),
        "the node's child {grandchild} survived"
    );
    exit.code()
}

#[test]
fn sigterm_to_tollgate_stops_the_node_first() {
    assert_eq!(kill_tollgate_mid_run("-TERM", false), Some(143));
}

#[test]
fn ctrl_c_stops_the_node_and_tollgate_exits_130() {
    assert_eq!(kill_tollgate_mid_run("-INT", true), Some(130));
}

#[test]
fn sigkill_to_tollgate_leaves_no_node_behind() {
    assert_eq!(kill_tollgate_mid_run("-KILL", false), None);
}

/// The node (through a wrapper that dumps its environment and prints every secret value)
/// and a command step see none of tollgate's secrets, get exactly the names the spec's
/// `env` lists, and nothing kept under --out or in the ledger holds a secret value.
#[test]
fn the_node_and_command_steps_see_no_secret_and_no_log_keeps_one() {
    use crate::spawn::{
        SECRETS, assert_no_secret_in, assert_no_secret_in_dump, leak_file, names_in,
    };
    // The secret values are in a file no evidence includes (the spec and the policy are
    // kept in the ledger as written): the wrapper and the step print it.
    let probe = tempfile::tempdir().unwrap();
    let dir = probe.path();
    let leak = leak_file(dir);
    let tail = |dir: &Path| {
        format!(
            r#"
[[steps]]
name = "dump"
command = ["sh", "-c", "env > '{}/step.env'; echo \"step leaks $(cat '{}')\""]
expect = ["/stdout == \"nothing\""]

[stop]
rpc = {{ method = "stop" }}
deadline = "10s"
grace = "2s"
"#,
            dir.display(),
            leak.display()
        )
    };
    let smoke = Smoke::new(&[], &tail(dir));
    let wrapper = dir.join("wrap-node.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nenv > '{}/node.env'\necho \"node log leaks $(cat '{}')\"\nexec \"$@\"\n",
            dir.display(),
            leak.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spec_path = smoke.ws.path().join("smoke.toml");
    let spec = std::fs::read_to_string(&spec_path).unwrap().replacen(
        "command = [\"",
        &format!("command = [\"{}\", \"", wrapper.display()),
        1,
    );
    std::fs::write(
        &spec_path,
        format!("env = [\"SMOKE_PASSED_TOKEN\"]\n{spec}"),
    )
    .unwrap();

    let mut command = smoke.command();
    command.env("SMOKE_PASSED_TOKEN", "passed-by-name");
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    smoke.assert_node_gone();

    for dump in ["node.env", "step.env"] {
        let dump = dir.join(dump);
        assert_no_secret_in_dump(&dump);
        let names = names_in(&dump);
        assert!(names.iter().any(|n| n == "SMOKE_PASSED_TOKEN"), "{names:?}");
        assert!(
            !names.iter().any(|n| n == "SMOKE_TEST_RPC_PASSWORD"),
            "{names:?}"
        );
    }
    // The failing step quotes the command's output, redacted; the node log is redacted.
    let verdict = read_json(&smoke.ws.out().join("verdict.json"));
    let findings = gate(&verdict, "smoke")["findings"].to_string();
    assert!(
        findings.contains("step leaks [REDACTED] [REDACTED] [REDACTED]"),
        "{findings}"
    );
    let log = std::fs::read_to_string(smoke.ws.out().join("smoke/node-1.log")).unwrap();
    assert!(
        log.contains("node log leaks [REDACTED] [REDACTED] [REDACTED]"),
        "{log}"
    );
    assert_no_secret_in(&[smoke.ws.out(), smoke.ws.path().join(".tollgate")]);
}

/// `timeout` in [gates.smoke] bounds the whole run: a node that never gets ready within a
/// 300 s probe is stopped at the 2 s deadline, the gate blocks and the node is gone.
#[test]
fn a_smoke_gate_past_its_timeout_blocks_and_its_node_is_gone() {
    let smoke = Smoke::new(&["--never-ready"], "");
    let spec_path = smoke.ws.path().join("smoke.toml");
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    assert!(spec.contains("deadline = \"10s\"\ninterval = \"100ms\""));
    std::fs::write(
        &spec_path,
        spec.replacen(
            "deadline = \"10s\"\ninterval",
            "deadline = \"300s\"\ninterval",
            1,
        ),
    )
    .unwrap();
    smoke.ws.policy_with(
        "regtest",
        "artifact_signatures = \"required\"",
        "[gates.smoke]\nspec = \"smoke.toml\"\ntimeout = \"2s\"\n",
    );
    let started = Instant::now();
    let (output, verdict) = smoke.evaluate();
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    smoke.assert_node_gone();
    let report = gate(&verdict, "smoke");
    assert_eq!(report["outcome"], "error", "{report:#}");
    let error = report["error"].as_str().unwrap();
    assert!(
        error.starts_with("gate `smoke` did not finish within 2s"),
        "{error}"
    );
}

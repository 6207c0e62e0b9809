//! Children tollgate starts, through the binary: a plugin and a `cargo` found first on PATH
//! see none of tollgate's secrets, `env = [...]` passes exactly the named variables, no
//! secret value reaches `--out` or the ledger, a gate past its `timeout` blocks and its
//! processes are gone, and the signing key's password may come from a 0600 file.

use crate::plugin::{plugin_policy, shell_plugin, shell_table};
use crate::util::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The secrets set on the tollgate process, as (name, value).
pub const SECRETS: &[(&str, &str)] = &[
    ("TOLLGATE_KEY_PASSWORD", "pw-7d1c-never-in-a-child"),
    ("AWS_SECRET_ACCESS_KEY", "aws-9f2e-secret-access-key"),
    ("FOO_TOKEN", "foo-token-3b8a-made-up"),
];

/// A file (outside every evidence directory) holding each secret value, space-separated:
/// what a compromised child prints.
pub fn leak_file(dir: &Path) -> PathBuf {
    let path = dir.join("found-elsewhere.txt");
    let values: Vec<&str> = SECRETS.iter().map(|(_, v)| *v).collect();
    std::fs::write(&path, values.join(" ")).unwrap();
    path
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            {
                found.push(path);
            }
        }
    }
    found
}

/// No secret value anywhere under `dirs`.
pub fn assert_no_secret_in(dirs: &[PathBuf]) {
    for dir in dirs {
        assert!(dir.is_dir(), "{} was not written", dir.display());
        for (name, value) in SECRETS {
            let found = files_containing(dir, value);
            assert!(found.is_empty(), "{name}'s value is in {found:?}");
        }
    }
}

/// The variable names in an `env` dump.
pub fn names_in(dump: &Path) -> Vec<String> {
    std::fs::read_to_string(dump)
        .unwrap_or_else(|e| panic!("{}: {e}", dump.display()))
        .lines()
        .filter_map(|l| l.split_once('=').map(|(n, _)| n.to_owned()))
        .collect()
}

/// No secret (by name or by value) in an `env` dump.
pub fn assert_no_secret_in_dump(dump: &Path) {
    let text = std::fs::read_to_string(dump).unwrap();
    for (name, value) in SECRETS {
        assert!(
            !names_in(dump).iter().any(|n| n == name),
            "{name} in {text}"
        );
        assert!(!text.contains(value), "{name}'s value in {text}");
    }
}

/// An encrypted verdict key whose password is the TOLLGATE_KEY_PASSWORD secret.
fn encrypted_key(ws: &Workspace) -> PathBuf {
    let keys = tollgate::signing::keygen(
        &ws.path().join("encrypted-key"),
        Some(zeroize::Zeroizing::new(SECRETS[0].1.to_owned())),
    )
    .unwrap();
    keys.secret
}

/// `tollgate evaluate` of the workspace, signed with an encrypted key (no password given).
fn evaluate_with_encrypted_key(ws: &Workspace) -> Command {
    let key = encrypted_key(ws);
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
        .arg("--store")
        .arg(ws.store())
        .arg("--key")
        .arg(&key);
    command
}

/// `tollgate evaluate` on the workspace with the secrets in its environment and an
/// encrypted key whose password is one of them.
fn evaluate_with_secrets(ws: &Workspace) -> Output {
    let mut command = evaluate_with_encrypted_key(ws);
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn a_plugin_sees_no_secret_and_nothing_it_prints_keeps_one() {
    let ws = Workspace::new();
    let dump = ws.path().join("plugin.env");
    let leak = leak_file(ws.path());
    // The plugin dumps its environment, then prints every secret value (as a compromised
    // plugin that found them elsewhere would: here in a file outside any evidence, so that
    // no file the policy's author wrote holds them) on stderr and in its report.
    shell_plugin(
        &ws,
        "check",
        &format!(
            "env > '{}'\necho \"leaking $(cat '{leak}')\" >&2\ncat > /dev/null\necho \"{{\\\"protocol\\\":1,\\\"outcome\\\":\\\"fail\\\",\\\"findings\\\":[{{\\\"code\\\":\\\"leak\\\",\\\"message\\\":\\\"found $(cat '{leak}')\\\",\\\"severity\\\":\\\"error\\\"}}]}}\"",
            dump.display(),
            leak = leak.display()
        ),
    );
    plugin_policy(&ws, &shell_table("check", "30s"));
    let output = evaluate_with_secrets(&ws);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_no_secret_in_dump(&dump);
    // What the plugin printed was kept, redacted.
    let kept = std::fs::read_to_string(ws.out().join("plugins/check.stderr.log")).unwrap();
    assert!(
        kept.contains("leaking [REDACTED] [REDACTED] [REDACTED]"),
        "{kept}"
    );
    let verdict = read_json(&ws.out().join("verdict.json"));
    let found = gate(&verdict, "check")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(found, "found [REDACTED] [REDACTED] [REDACTED]");
    // The verdict was signed with the encrypted key (its password reached tollgate).
    assert!(ws.out().join("verdict.json.minisig").is_file());
    assert_no_secret_in(&[ws.out(), ws.store()]);
    for (_, value) in SECRETS {
        assert!(!stdout(&output).contains(value) && !stderr(&output).contains(value));
    }
}

#[test]
fn a_plugin_table_env_passes_exactly_the_named_variables() {
    let ws = Workspace::new();
    let dump = ws.path().join("plugin.env");
    shell_plugin(
        &ws,
        "check",
        &format!(
            "env > '{}'\ncat > /dev/null\necho '{{\"protocol\":1,\"outcome\":\"pass\"}}'",
            dump.display()
        ),
    );
    plugin_policy(
        &ws,
        &format!(
            "{}env = [\"FOO_TOKEN\", \"TOLLGATE_TEST_UNSET_VAR\"]\n",
            shell_table("check", "30s")
        ),
    );
    let output = evaluate_with_secrets(&ws);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&dump).unwrap();
    assert!(
        text.contains(&format!("FOO_TOKEN={}\n", SECRETS[2].1)),
        "{text}"
    );
    let mut extra: Vec<String> = names_in(&dump)
        .into_iter()
        .filter(|n| {
            !tollgate::process::BASE_ENV.contains(&n.as_str())
                && !n.starts_with("LC_")
                // sh sets these itself.
                && !["PWD", "SHLVL", "_", "OLDPWD"].contains(&n.as_str())
        })
        .collect();
    extra.sort();
    assert_eq!(extra, ["FOO_TOKEN"], "{text}");
}

/// A `cargo` first on PATH that dumps its environment, then runs the real cargo.
fn fake_cargo(dir: &Path, dump: &Path) -> PathBuf {
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v cargo"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("cargo");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec '{}' \"$@\"\n",
            dump.display(),
            real.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn cargo_metadata_sees_no_secret() {
    let ws = Workspace::new();
    let dump = ws.path().join("cargo.env");
    let bin = fake_cargo(ws.path(), &dump);
    let repo = testdata("real-deps/clean");
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        "[gates.real_deps]\nmanifest = \"Cargo.toml\"\n",
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = bare();
    command
        .args(["evaluate", "--policy"])
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--repo")
        .arg(&repo)
        .arg("--out")
        .arg(ws.out())
        .arg("--store")
        .arg(ws.store())
        // cargo_metadata's rule: $CARGO first; the test harness sets it, a shell does not.
        .env_remove("CARGO")
        .env("PATH", path);
    for (name, value) in SECRETS {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(
        gate(&verdict, "real_deps")["outcome"],
        "pass",
        "{verdict:#}\n{}",
        stderr(&output)
    );
    assert!(dump.is_file(), "the fake cargo was not run");
    assert_no_secret_in_dump(&dump);
    // The toolchain variables cargo needs do pass (when tollgate has them).
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        let text = std::fs::read_to_string(&dump).unwrap();
        assert!(
            text.contains(&format!("RUSTUP_TOOLCHAIN={toolchain}\n")),
            "{text}"
        );
    }
}

/// Whether `pid` is a live process (a zombie counts as gone).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        !matches!(state, Some('Z' | 'X'))
    })
}

#[test]
fn a_gate_past_its_timeout_blocks_and_its_processes_are_gone() {
    let ws = Workspace::new();
    // The plugin's own timeout is generous; the gate's deadline is what stops it.
    let pidfile = ws.path().join("grandchild.pid");
    shell_plugin(
        &ws,
        "slow",
        &format!("sleep 300 &\necho $! > '{}'\nwait", pidfile.display()),
    );
    plugin_policy(&ws, &shell_table("slow", "2s"));
    let started = Instant::now();
    let output = ws.evaluate(&[]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let verdict = read_json(&ws.out().join("verdict.json"));
    let report = gate(&verdict, "slow");
    assert_eq!(report["outcome"], "error");
    let error = report["error"].as_str().unwrap();
    assert!(
        error.starts_with("gate `slow` did not finish within 2s"),
        "{error}"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!running(pid), "the gate's `sleep 300` (pid {pid}) survived");
}

#[test]
fn a_gate_timeout_is_validated() {
    let ws = Workspace::new();
    ws.policy("timeout = \"soon\"");
    let output = tollgate(&["policy", "check", ws.policy_path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`timeout`: invalid duration \"soon\""),
        "{}",
        stderr(&output)
    );
}

/// The encrypted key's password (the first secret) in a file with `mode`.
fn password_file(ws: &Workspace, mode: u32) -> PathBuf {
    let file = ws.path().join("key-password");
    std::fs::write(&file, format!("{}\n", SECRETS[0].1)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    file
}

/// Evaluate with `--key-password-file FILE` (and optionally TOLLGATE_KEY_PASSWORD too).
fn evaluate_with_password_file(ws: &Workspace, file: &Path, env_too: bool) -> Output {
    let mut command = evaluate_with_encrypted_key(ws);
    command.arg("--key-password-file").arg(file);
    if env_too {
        command.env("TOLLGATE_KEY_PASSWORD", SECRETS[0].1);
    }
    command.output().unwrap()
}

#[test]
fn the_key_password_can_come_from_a_private_file() {
    let ws = Workspace::new();
    let file = password_file(&ws, 0o600);
    let output = evaluate_with_password_file(&ws, &file, false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(ws.out().join("verdict.json.minisig").is_file());
    let pubkey = ws.path().join("encrypted-key/tollgate.pub");
    let output = tollgate(&[
        "verify",
        ws.out().join("verdict.json").to_str().unwrap(),
        "--pubkey",
        pubkey.to_str().unwrap(),
        "--environment",
        "mainnet",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_key_password_file_others_can_read_is_refused() {
    let ws = Workspace::new();
    let file = password_file(&ws, 0o644);
    let output = evaluate_with_password_file(&ws, &file, false);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("is readable by other users (mode 644)") && text.contains("chmod 600"),
        "{text}"
    );
    assert!(!ws.out().join("verdict.json").exists(), "no gate ran");
}

#[test]
fn a_key_password_in_both_places_is_a_usage_error() {
    let ws = Workspace::new();
    let file = password_file(&ws, 0o600);
    let output = evaluate_with_password_file(&ws, &file, true);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("both --key-password-file and TOLLGATE_KEY_PASSWORD"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_signing_key_is_read_only_after_every_gate_has_finished() {
    // The plugin replaces the key file with another key while it runs: a key read before
    // the gates would sign with the first, a key read after them signs with the second.
    let ws = Workspace::new();
    let second = tollgate::signing::keygen(&ws.path().join("second-key"), None).unwrap();
    shell_plugin(
        &ws,
        "swap",
        &format!(
            "cat > /dev/null\ncp '{}' '{}'\necho '{{\"protocol\":1,\"outcome\":\"pass\"}}'",
            second.secret.display(),
            ws.verdict_key().display()
        ),
    );
    plugin_policy(&ws, &shell_table("swap", "30s"));
    let output = ws.evaluate(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = tollgate(&[
        "verify",
        ws.out().join("verdict.json").to_str().unwrap(),
        "--pubkey",
        second.public.to_str().unwrap(),
        "--environment",
        "mainnet",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the verdict was not signed by the key present after the gates: {}",
        stderr(&output)
    );
}

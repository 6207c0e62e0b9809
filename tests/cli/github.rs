//! `evaluate` and `verify` under a simulated GitHub Actions runner: annotations on stderr
//! (escaped, the only commands the runner model sees: see runner_model.rs), the job summary
//! appended to GITHUB_STEP_SUMMARY, step outputs appended to GITHUB_OUTPUT, and no secret
//! anywhere.

use crate::report::{Demo, EVALUATE, tampered};
use crate::runner_model::our_commands;
use crate::util::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use tollgate::digest::sha256_hex;

/// The runner's files for one step, pre-filled as earlier steps would have left them.
struct Runner {
    summary: PathBuf,
    output: PathBuf,
}

impl Runner {
    fn new(dir: &Path) -> Runner {
        let runner = Runner {
            summary: dir.join("runner-summary.md"),
            output: dir.join("runner-output"),
        };
        std::fs::write(&runner.summary, "earlier step's summary\n").unwrap();
        std::fs::write(&runner.output, "earlier=1\n").unwrap();
        runner
    }

    fn run(&self, workspace: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = command(args);
        cmd.current_dir(workspace)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_WORKSPACE", workspace);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(&self.summary).unwrap()
    }

    fn output_text(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap()
    }

    /// GITHUB_OUTPUT parsed as the runner does (name=value lines; none here are multi-line).
    fn outputs(&self) -> HashMap<String, String> {
        self.output_text()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').expect("name=value");
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }
}

/// The annotation lines the runner acts on (the oracle checks there is nothing else).
fn commands(out: &Output) -> Vec<String> {
    our_commands(out).into_iter().map(|o| o.line).collect()
}

#[test]
fn blocked_run_annotates_summarises_and_sets_outputs() {
    let demo = tampered();
    let runner = Runner::new(demo.path());
    let out = runner.run(demo.path(), EVALUATE, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("DECISION: BLOCK promotion to regtest"),
        "{text}"
    );

    let commands = commands(&out);
    let find = |prefix: &str| {
        commands
            .iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in {commands:#?}"))
    };
    // Paths are relative to GITHUB_WORKSPACE; `:` in the title is escaped; hints follow.
    let mismatch = find(
        "::error file=release/SHA256SUMS,line=5,title=tollgate signatures%3A sig.digest-mismatch::RELEASE-NOTES.md: SHA-256 is ",
    );
    assert!(
        mismatch.contains("%0Ahint: the artifact changed"),
        "{mismatch}"
    );
    find(
        "::error file=release/RELEASE-NOTES.md.minisig,title=tollgate signatures%3A sig.signature-invalid::",
    );
    find(
        "::notice title=tollgate signatures%3A sig.signature-missing::chain-node_1.4.2_amd64.deb has no signature chain-node_1.4.2_amd64.deb.minisig, and the policy requires one (waived by waiver #1)",
    );
    find(
        "::warning file=policy.toml,title=tollgate waiver expired and is void::waiver for signatures sig.signature-missing RELEASE-NOTES.md",
    );
    assert_eq!(
        commands.last().unwrap(),
        "::error title=tollgate%3A BLOCK::promotion to regtest blocked:%0A- required gate `signatures` failed with 3 blocking finding(s)"
    );

    let verdict_bytes = std::fs::read(demo.path().join("out/verdict.json")).unwrap();
    let verdict_sha = sha256_hex(&verdict_bytes);
    let summary = runner.summary();
    assert!(
        summary.starts_with("earlier step's summary\n## tollgate: ⛔ **BLOCK** to `regtest`"),
        "{summary}"
    );
    for part in [
        "| signatures | yes | ❌ FAIL | 4 |",
        "### Waivers applied",
        "| signatures | `sig.signature-missing chain-node_1.4.2_amd64.deb` | the .deb is signed by the package repository until OPS-7 |",
        "### Waivers expired (void)",
        &format!("sha256 `{verdict_sha}`, ⚠️ UNSIGNED"),
    ] {
        assert!(summary.contains(part), "{part:?} missing from\n{summary}");
    }

    let outputs = runner.outputs();
    let abs = |p: &str| demo.path().join(p).to_string_lossy().into_owned();
    assert_eq!(outputs["earlier"], "1", "earlier outputs are kept");
    assert_eq!(outputs["decision"], "block");
    assert_eq!(outputs["verdict-path"], abs("out/verdict.json"));
    assert_eq!(outputs["provenance-path"], abs("out/provenance.json"));
    assert_eq!(outputs["verdict-sha256"], verdict_sha);
    assert_eq!(outputs["environment"], "regtest");
    assert_eq!(outputs["signed"], "false");
    // The ledger entry evaluate appended, exactly as it wrote it beside the verdict.
    let entry = read_json(&demo.path().join("out/ledger-entry.json"));
    assert_eq!(outputs["entry-id"], entry["id"].as_str().unwrap());
    assert!(
        summary.contains(&format!("**Ledger entry** `{}`", outputs["entry-id"])),
        "{summary}"
    );
}

#[test]
fn promote_run_summary_snapshot_and_notice() {
    let demo = Demo::new("");
    let runner = Runner::new(demo.path());
    let out = runner.run(demo.path(), EVALUATE, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let commands = commands(&out);
    assert_eq!(
        commands,
        [
            "::notice title=tollgate%3A PROMOTE::promote to regtest: every required gate passed (verdict valid until 2026-11-28T12:00:00Z)"
        ]
    );
    assert_eq!(runner.outputs()["decision"], "promote");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r" +\d+ ms\b", " [ms] ms");
    settings.add_filter(
        r"sha256 `[0-9a-f]{64}`, ⚠️",
        "sha256 `[verdict digest]`, ⚠️",
    );
    settings.add_filter(r"`\d+:[0-9a-f]{64}`", "`[ledger entry id]`");
    settings.bind(|| insta::assert_snapshot!("promote_job_summary", runner.summary()));
}

#[test]
fn json_format_keeps_stdout_pure_and_annotates_on_stderr() {
    let demo = tampered();
    let runner = Runner::new(demo.path());
    let mut args = EVALUATE.to_vec();
    args.extend(["--format", "json"]);
    let out = runner.run(demo.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("pure JSON");
    assert_eq!(parsed["decision"], "block");
    assert!(
        commands(&out)
            .iter()
            .any(|l| l.starts_with("::error title=tollgate%3A BLOCK::")),
        "{}",
        stderr(&out)
    );
    assert_eq!(runner.outputs()["decision"], "block");
}

#[test]
fn a_hostile_file_name_cannot_inject_workflow_commands() {
    let demo = Demo::new("");
    let hostile = "evil\n::warning::forged,100%\n::set-output name=decision::promote";
    std::fs::write(demo.path().join("release").join(hostile), b"x").unwrap();
    let runner = Runner::new(demo.path());
    let out = runner.run(demo.path(), EVALUATE, &[]);
    assert_eq!(out.status.code(), Some(1));
    let commands = commands(&out);
    // Every command line the runner acts on is one of ours; the name is escaped inside.
    assert!(
        commands
            .iter()
            .all(|l| l.starts_with("::error ") || l.starts_with("::notice ")),
        "{commands:#?}"
    );
    assert!(
        commands.iter().any(|l| l.contains(
            "evil%0A::warning::forged,100%25%0A::set-output name=decision::promote is in the release directory"
        )),
        "{commands:#?}"
    );
    // The summary keeps the name on one line, and outputs are untouched by it.
    let summary = runner.summary();
    assert!(
        summary.contains("evil ::warning::forged,100% ::set-output name=decision::promote is in"),
        "{summary}"
    );
    assert_eq!(runner.outputs()["decision"], "block");
}

#[test]
fn secrets_never_reach_logs_summary_or_outputs() {
    let demo = Demo::new("");
    let password = "pw-4f9c1e-correct-horse-battery";
    let keys = demo.path().join("signing");
    let out = command(&["keygen", "--out", keys.to_str().unwrap()])
        .env("TOLLGATE_KEY_PASSWORD", password)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let secret_key = std::fs::read_to_string(keys.join("tollgate.key")).unwrap();
    let secret_lines: Vec<&str> = secret_key
        .lines()
        .filter(|l| !l.starts_with("untrusted comment"))
        .collect();
    assert!(!secret_lines.is_empty());

    let runner = Runner::new(demo.path());
    let key = keys.join("tollgate.key");
    let mut args = vec!["-vvv"];
    args.extend_from_slice(EVALUATE);
    args.extend(["--key", key.to_str().unwrap()]);
    let good = runner.run(demo.path(), &args, &[("TOLLGATE_KEY_PASSWORD", password)]);
    assert_eq!(good.status.code(), Some(0), "{}", stderr(&good));
    assert_eq!(runner.outputs()["signed"], "true");
    let wrong = "pw-wrong-0b7d2a";
    let bad = runner.run(demo.path(), &args, &[("TOLLGATE_KEY_PASSWORD", wrong)]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a wrong password is a configuration error"
    );
    assert!(
        commands(&bad)
            .iter()
            .any(|l| l.starts_with("::error title=tollgate%3A error::")),
        "{}",
        stderr(&bad)
    );

    let everything = [
        stdout(&good),
        stderr(&good),
        stdout(&bad),
        stderr(&bad),
        runner.summary(),
        runner.output_text(),
    ]
    .join("\n");
    for secret in [password, wrong].iter().chain(&secret_lines) {
        assert!(
            !everything.contains(secret),
            "secret {secret:?} leaked into the step's logs, summary or outputs"
        );
    }
}

#[test]
fn unwritable_runner_file_fails_closed() {
    let demo = Demo::new("");
    let out = command(EVALUATE)
        .current_dir(demo.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", demo.path().join("no/such/dir/output"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot append step outputs to GITHUB_OUTPUT="),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_github_actions_nothing_is_annotated() {
    let demo = tampered();
    let out = demo.evaluate(&[]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("::error"), "{all}");
    assert!(!all.contains("::stop-commands::"), "{all}");
}

#[test]
fn invalid_verdict_is_annotated_by_verify() {
    let ws = Workspace::new();
    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    let runner = Runner::new(ws.path());
    let verdict = ws.out().join("verdict.json");
    let pubkey = ws.verdict_pub();
    let out = runner.run(
        ws.path(),
        &[
            "verify",
            verdict.to_str().unwrap(),
            "--pubkey",
            pubkey.to_str().unwrap(),
            "--environment",
            "testnet",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        commands(&out)
            .iter()
            .any(|l| l.starts_with("::error title=tollgate verify%3A INVALID::")),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("the verdict is for mainnet, not testnet"));
}

// Regression: the tracing log on stderr quoted a policy-chosen file name verbatim, so a name
// holding "\n::error::" started a workflow command outside the report's stop-commands fence.
#[test]
fn log_lines_on_stderr_never_start_a_workflow_command() {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "",
        "[gates.audit]\nreports = [\"a\\n::error::forged.json\", \"b\\n  ::error::indented.json\"]\n",
    );
    // Outside GitHub Actions too: the filter is always on.
    let out = ws.evaluate(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(log.contains("forged.json"), "{log}");
    assert!(
        crate::runner_model::lines(&out.stderr)
            .iter()
            .all(|line| crate::runner_model::shape(line).is_none()),
        "{log}"
    );
    // Under GitHub Actions: only tollgate's own annotations, which quote the names escaped.
    let runner = Runner::new(ws.path());
    let mut args = vec![
        "evaluate".to_owned(),
        "--policy".to_owned(),
        ws.policy_path().display().to_string(),
    ];
    for (flag, path) in [
        ("--release", ws.release()),
        ("--repo", ws.path().to_path_buf()),
        ("--out", ws.out()),
        ("--store", ws.store()),
    ] {
        args.extend([flag.to_owned(), path.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = runner.run(ws.path(), &args, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let commands = commands(&out);
    assert!(
        commands
            .iter()
            .any(|l| l.contains("a%0A::error::forged.json")),
        "{commands:#?}"
    );
}

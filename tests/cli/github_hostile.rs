//! Hostile text under a simulated GitHub Actions runner (issue 10, point 6): release file
//! names, plugin stderr, smoke logs, verdict paths, ledger contents and bad arguments that
//! hold workflow commands (`::` after blanks, `##[` anywhere, CR line breaks, attempts to
//! guess or close the fence). For every subcommand, format and log format, the runner model
//! (runner_model.rs) must see no command but tollgate's own annotations, and those exact.

use crate::runner_model::{Command, Ours, Runner, our_commands};
use crate::util::*;
use std::path::Path;
use std::process::Output;

/// Names for release files: each would be a runner command if printed as it is.
const NAMES: &[&str] = &[
    "evil\n##[error]legacy forged",
    "evil\n   ::error::indented forged",
    "evil\r::add-mask::cr-forged",
    "evil ##[set-env name=A]b",
    "evil\n\u{3000}::set-output name=decision::promote",
    "evil\n\u{200b}::warning::invisible",
    "evil\n::stop-commands::guess",
    "evil\n#\u{ad}#[error]soft hyphen",
    "evil\n:\u{200b}:error::zero width",
];

/// Lines a plugin or a smoke node prints: commands, and attempts on the fence.
const HOSTILE_LINES: &str = r"::set-output name=x::y\n  ::add-mask::s3cret-mask\n##[set-env name=A]b\n::stop-commands::x\n::x::\n\t::error::forged\nok ##[warning]mid-line\n";

/// An artifact listed and signed, whose name needs property escaping (`,` `:` `%`).
const ODD: &str = "a,b:c%d.txt";

/// `tollgate ARGS` in `dir` under a simulated runner.
fn gha<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    command(args)
        .current_dir(dir)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.join("runner-summary.md"))
        .env("GITHUB_OUTPUT", dir.join("runner-output"))
        .env("GITHUB_WORKSPACE", dir)
        .output()
        .expect("run tollgate")
}

fn evaluate_args(ws: &Workspace, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.push("evaluate".into());
    for (flag, path) in [
        ("--policy", ws.policy_path()),
        ("--release", ws.release()),
        ("--repo", ws.path().to_path_buf()),
        ("--out", ws.out()),
        ("--key", ws.verdict_key()),
        ("--store", ws.store()),
    ] {
        args.extend([flag.to_owned(), path.display().to_string()]);
    }
    args
}

/// Flag sets: every report format crossed with quiet, verbose text and verbose JSON logs.
fn variants() -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    for format in ["text", "json", "markdown"] {
        for log in [&[][..], &["-v"], &["-vv", "--log-format", "json"]] {
            let mut v = log.to_vec();
            v.extend(["--format", format]);
            out.push(v);
        }
    }
    out
}

fn datas(ours: &[Ours]) -> Vec<&str> {
    ours.iter().map(|o| o.command.data.as_str()).collect()
}

fn has_annotation(ours: &[Ours], needle: &str) -> bool {
    ours.iter().any(|o| o.command.data.contains(needle))
}

/// `evaluate` with the report format and log flags up front (global flags come first).
fn evaluate_variant(ws: &Workspace, flags: &[&str]) -> Output {
    let (log, format): (Vec<&str>, Vec<&str>) = {
        let at = flags
            .iter()
            .position(|f| *f == "--format")
            .unwrap_or(flags.len());
        (flags[..at].to_vec(), flags[at..].to_vec())
    };
    let mut args = evaluate_args(ws, &log);
    args.extend(format.iter().map(|s| s.to_string()));
    gha(ws.path(), &args)
}

#[test]
fn hostile_release_names_make_no_command_in_any_format_or_log() {
    let ws = Workspace::new();
    ws.write(ODD, b"odd artifact");
    ws.write_sums_and_sign(&[
        "chain-node-1.4.2-x86_64-linux.tar.gz",
        "RELEASE-NOTES.md",
        ODD,
    ]);
    let forged = ws
        .release_signer
        .sign(b"other bytes", "timestamp:0")
        .unwrap();
    ws.write(&format!("{ODD}.minisig"), forged.as_bytes());
    for name in NAMES {
        ws.write(name, b"x");
    }
    for flags in variants() {
        let out = evaluate_variant(&ws, &flags);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {}", stderr(&out));
        let ours = our_commands(&out);
        for name in NAMES {
            assert!(
                has_annotation(&ours, &format!("{name} is in the release directory")),
                "{flags:?}: no annotation quoting {name:?} in {:#?}",
                datas(&ours)
            );
        }
        // Property values come through exact: `,` `:` `%` escaped, then unescaped.
        let invalid = ours
            .iter()
            .find(|o| {
                o.command.properties.get("title").map(String::as_str)
                    == Some("tollgate signatures: sig.signature-invalid")
            })
            .unwrap_or_else(|| panic!("{flags:?}: no signature-invalid annotation"));
        assert_eq!(invalid.command.name, "error");
        assert_eq!(
            invalid.command.properties["file"],
            format!("release/{ODD}.minisig")
        );
        assert!(
            invalid.line.starts_with("::error file=release/a%2Cb%3Ac%25d.txt.minisig,title=tollgate signatures%3A sig.signature-invalid::"),
            "{}",
            invalid.line
        );
        let last = &ours.last().unwrap().command;
        assert_eq!(
            (last.name.as_str(), last.properties["title"].as_str()),
            ("error", "tollgate: BLOCK")
        );
        if flags.last() == Some(&"json") {
            // JSON keeps every name exactly: the filter escapes `[` as \u005b inside strings.
            let report: serde_json::Value =
                serde_json::from_slice(&out.stdout).expect("stdout is JSON");
            let messages: Vec<&str> = report["gates"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["findings"].as_array().unwrap())
                .filter_map(|f| f["message"].as_str())
                .collect();
            for name in NAMES {
                assert!(
                    messages.iter().any(|m| m.starts_with(name)),
                    "{name:?} not kept in the JSON report: {messages:#?}"
                );
            }
        }
    }
}

#[test]
fn plugin_stderr_cannot_command_the_runner() {
    let ws = Workspace::new();
    crate::plugin::shell_plugin(
        &ws,
        "check",
        &format!("cat > /dev/null; printf '{HOSTILE_LINES}' >&2; exit 3"),
    );
    crate::plugin::plugin_policy(&ws, &crate::plugin::shell_table("check", "20s"));
    for flags in [
        vec!["--format", "text"],
        vec!["-v", "--format", "json"],
        vec!["-vv", "--log-format", "json", "--format", "markdown"],
    ] {
        let out = evaluate_variant(&ws, &flags);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {}", stderr(&out));
        let ours = our_commands(&out);
        // The gate error quotes the plugin's stderr, inside tollgate's own annotation.
        assert!(
            has_annotation(&ours, "::set-output name=x::y")
                && has_annotation(&ours, "::add-mask::s3cret-mask"),
            "{flags:?}: {:#?}",
            datas(&ours)
        );
    }
}

#[test]
fn smoke_node_log_lines_cannot_command_the_runner() {
    let ws = Workspace::new();
    let node = serde_json::to_string(&[
        "sh",
        "-c",
        &format!("printf '{HOSTILE_LINES}'; printf 'err ##[error]x\\n  ::error::from-stderr\\n' >&2; exit 3"),
    ])
    .unwrap();
    let spec = format!(
        "[node]\ncommand = {node}\n\n[ready]\nhttp = {{ url = \"http://127.0.0.1:9/health\" }}\nexpect = [\"/status == \\\"ok\\\"\"]\ndeadline = \"20s\"\ninterval = \"100ms\"\n"
    );
    std::fs::write(ws.path().join("smoke.toml"), spec).unwrap();
    ws.policy_with(
        "regtest",
        "artifact_signatures = \"required\"",
        "[gates.smoke]\nspec = \"smoke.toml\"\n",
    );
    for flags in [vec!["-v", "--format", "text"], vec!["--format", "json"]] {
        let out = evaluate_variant(&ws, &flags);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {}", stderr(&out));
        let ours = our_commands(&out);
        assert!(
            has_annotation(&ours, "::set-output name=x::y"),
            "{flags:?}: the smoke finding quotes the log: {:#?}",
            datas(&ours)
        );
    }
}

#[test]
fn verify_of_a_hostile_path_makes_no_command() {
    let ws = Workspace::new();
    assert_eq!(ws.evaluate(&[]).status.code(), Some(0));
    let dir = ws
        .path()
        .join("v\n  ::error::forged ##[warning]w\r::add-mask::m");
    std::fs::create_dir(&dir).unwrap();
    for file in ["verdict.json", "verdict.json.minisig"] {
        std::fs::copy(ws.out().join(file), dir.join(file)).unwrap();
    }
    let verdict = dir.join("verdict.json");
    let pubkey = ws.verdict_pub();
    for (env, format, code) in [
        ("mainnet", "text", 0),
        ("mainnet", "json", 0),
        ("testnet", "text", 1),
        ("testnet", "json", 1),
    ] {
        let mut args: Vec<std::ffi::OsString> = vec!["-v".into(), "verify".into()];
        args.extend([
            verdict.as_os_str().into(),
            "--pubkey".into(),
            pubkey.as_os_str().into(),
        ]);
        args.extend(["--environment", env, "--format", format].map(Into::into));
        let out = gha(ws.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{env} {format}: {}",
            stderr(&out)
        );
        let ours = our_commands(&out);
        if code == 1 {
            assert!(
                has_annotation(&ours, &format!("{} is not valid", verdict.display())),
                "{:#?}",
                datas(&ours)
            );
        }
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
            assert_eq!(
                report["verdict"],
                verdict.to_str().unwrap(),
                "the path is kept exactly"
            );
        }
    }
}

#[test]
fn audit_commands_over_a_hostile_ledger_make_no_command() {
    let ws = Workspace::new();
    let hostile = "app ##[error]subject ##[add-mask]x.tar.gz";
    ws.write(hostile, b"artifact");
    ws.write_sums_and_sign(&[
        "chain-node-1.4.2-x86_64-linux.tar.gz",
        "RELEASE-NOTES.md",
        hostile,
    ]);
    let out = gha(ws.path(), &evaluate_args(&ws, &[]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    our_commands(&out);
    let entry = read_json(&ws.out().join("ledger-entry.json"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = ws.store().display().to_string();
    let pubkey = ws.verdict_pub().display().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["audit", "log", "--store", &store],
        vec!["audit", "log", "--store", &store, "--format", "json"],
        vec!["audit", "show", &entry, "--store", &store],
        vec![
            "audit", "show", &entry, "--store", &store, "--format", "json",
        ],
        vec![
            "-v", "audit", "verify", "--store", &store, "--pubkey", &pubkey,
        ],
        vec!["audit", "verify", "--store", &store, "--format", "json"],
        vec!["-v", "audit", "replay", &entry, "--store", &store],
    ];
    for args in runs {
        let out = gha(ws.path(), &args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            stderr(&out)
        );
        our_commands(&out);
        if args.contains(&"show") {
            assert!(
                stdout(&out).contains("app ##"),
                "{args:?} shows the subject: {}",
                stdout(&out)
            );
        }
    }
}

#[test]
fn top_level_errors_make_no_command_but_the_error_annotation() {
    let ws = Workspace::new();
    let missing = ws
        .path()
        .join("nope\n  ::error::forged\n##[add-mask]x\r::warning::y");
    let policy = missing.display().to_string();
    let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["evaluate", "--policy", &policy], Some(&policy)),
        (
            vec!["--log-format", "json", "evaluate", "--policy", &policy],
            Some(&policy),
        ),
        (vec!["audit", "log", "--store", &policy], None),
        // clap's own errors quote the arguments too.
        (
            vec![
                "evaluate",
                "--policy",
                "p.toml",
                "--format",
                "x\n::error::clap ##[error]c",
            ],
            None,
        ),
        (vec!["evaluate"], None),
    ];
    for (args, quoted) in cases {
        let out = gha(ws.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let ours = our_commands(&out);
        if let Some(path) = quoted {
            let error = ours
                .iter()
                .find(|o| {
                    o.command.properties.get("title").map(String::as_str) == Some("tollgate: error")
                })
                .unwrap_or_else(|| panic!("{args:?}: no error annotation"));
            assert!(
                error.command.data.contains(path),
                "{:?}",
                error.command.data
            );
        }
    }
}

#[test]
fn a_steps_own_commands_work_after_tollgate_ran() {
    // Two tollgate runs in one `run:` step, then the step's own `echo "::notice::done"`:
    // the runner keeps one stop-commands state per step, so each run must lift its fence.
    let ws = Workspace::new();
    let blocked = gha(
        ws.path(),
        &["evaluate", "--policy", "/nonexistent/policy.toml"],
    );
    let promoted = gha(ws.path(), &evaluate_args(&ws, &[]));
    assert_eq!(promoted.status.code(), Some(0), "{}", stderr(&promoted));
    let mut step = Vec::new();
    for out in [&blocked, &promoted] {
        step.extend_from_slice(&out.stdout);
        step.extend_from_slice(&out.stderr);
    }
    step.extend_from_slice(b"::notice::done\n");
    let mut runner = Runner::default();
    let acted: Vec<Command> = runner.run(&step);
    let last = acted.last().unwrap();
    assert_eq!((last.name.as_str(), last.data.as_str()), ("notice", "done"));
    assert!(!runner.stopped());
    let titles: Vec<&str> = acted
        .iter()
        .filter_map(|c| c.properties.get("title").map(String::as_str))
        .collect();
    assert_eq!(
        titles,
        ["tollgate: error", "tollgate: PROMOTE"],
        "{acted:#?}"
    );
}

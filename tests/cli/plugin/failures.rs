//! Every way a plugin can fail to produce a usable report blocks, with a reason that names
//! the plugin and its policy line; a plugin that reports a failure blocks with its findings.

use super::*;

/// Evaluate with one shell plugin `check`; the exit code and the gate's report.
fn run_shell(body: &str, timeout: &str) -> (Workspace, i32, Value) {
    let ws = Workspace::new();
    shell_plugin(&ws, "check", body);
    plugin_policy(&ws, &shell_table("check", timeout));
    let (code, verdict, _) = evaluate(&ws, &[]);
    let report = gate(&verdict, "check").clone();
    (ws, code, report)
}

#[test]
fn a_failing_report_blocks_with_its_findings() {
    let (_ws, code, report) = run_shell(
        r#"cat > /dev/null; echo '{"protocol":1,"outcome":"fail","findings":[{"code":"smoke.no-peers","message":"the node found no peers","severity":"error","hint":"open port 18080"},{"code":"slow","message":"sync took 9 min","severity":"warning"}]}'"#,
        "10s",
    );
    assert_eq!(code, 1);
    assert_eq!(report["outcome"], "fail");
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["plugin.check.smoke.no-peers", "plugin.check.slow"]);
    assert_eq!(report["findings"][0]["hint"], "open port 18080");
}

#[test]
fn broken_plugins_are_errors_that_block() {
    let cases = [
        (
            "exit 3",
            "failed (exit status: 3) instead of printing a report",
        ),
        ("kill -9 $$", "failed (signal: 9"),
        ("true", "printed nothing on stdout"),
        ("echo 'all good'", "its stdout is not one JSON document"),
        (
            r#"echo '{"protocol":2,"outcome":"pass"}'"#,
            "speaks protocol 2; this tollgate speaks protocol 1",
        ),
        (r#"echo '{"outcome":"pass"}'"#, "has no `protocol`"),
        (
            r#"echo '{"protocol":1,"outcome":"ok"}'"#,
            "unknown variant `ok`",
        ),
        (
            r#"echo '{"protocol":1,"outcome":"pass","findings":[{"code":"x","message":"m","severity":"error"}]}'"#,
            "`outcome` is \"pass\" but 1 finding(s) have severity \"error\"",
        ),
        (
            r#"echo '{"protocol":1,"outcome":"fail","findings":[{"code":"Bad_Code","message":"m","severity":"error"}]}'"#,
            "`findings[0].code` \"Bad_Code\" is not a lower-case kebab-case code",
        ),
        (
            r#"echo '{"protocol":1,"outcome":"pass","evidence":[{"path":"../../../../../../etc/passwd"}]}'"#,
            "lies outside the release directory and the repository",
        ),
        (
            r#"echo '{"protocol":1,"outcome":"pass","evidence":[{"path":"RELEASE-NOTES.md","size":1}]}'"#,
            "the plugin says 1 bytes, the file has 22",
        ),
        (
            "head -c 5000000 /dev/zero",
            "more than the 4 MiB a report may take",
        ),
    ];
    for (body, expected) in cases {
        let (_ws, code, report) = run_shell(body, "10s");
        assert_eq!(code, 1, "{body}");
        assert_eq!(report["outcome"], "error", "{body}: {report}");
        let error = report["error"].as_str().unwrap();
        assert!(error.contains(expected), "{body}:\n{error}");
        assert!(error.starts_with("plugin `check` ("), "{error}");
        assert!(error.contains("policy.toml:9)"), "{error}");
    }
}

#[test]
fn a_missing_or_non_executable_program_blocks() {
    let ws = Workspace::new();
    plugin_policy(&ws, &shell_table("check", "5s"));
    let (code, verdict, _) = evaluate(&ws, &[]);
    assert_eq!(code, 1);
    let error = gate(&verdict, "check")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("plugins/check.sh does not exist"), "{error}");
    let script = ws.path().join("plugins/check.sh");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(&script, "#!/no/such/shell\ntrue\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, verdict, _) = evaluate(&ws, &[]);
    let error = gate(&verdict, "check")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("exists but its interpreter (the `#!` line) does not"),
        "{error}"
    );
    shell_plugin(&ws, "check", "true");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_, verdict, _) = evaluate(&ws, &[]);
    let error = gate(&verdict, "check")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("is not executable"), "{error}");
}

#[test]
fn stderr_is_kept_quoted_and_capped() {
    let (ws, _, report) = run_shell(
        "echo 'cannot reach the node at 127.0.0.1:18081' >&2; exit 1",
        "10s",
    );
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains("cannot reach the node at 127.0.0.1:18081"),
        "{error}"
    );
    let log = ws.out().join("plugins/check.stderr.log");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "cannot reach the node at 127.0.0.1:18081\n"
    );
    // An erroring gate keeps no evidence list; the reason binds the log by its digest.
    let digest = tollgate::digest::sha256_hex(&std::fs::read(&log).unwrap());
    assert!(
        error.contains(&format!("all kept in {}, sha256 {digest}", log.display())),
        "{error}"
    );

    let (ws, _, report) = run_shell(
        "head -c 300000 /dev/zero | tr '\\0' e >&2; echo 'the real reason' >&2; exit 1",
        "10s",
    );
    let kept = std::fs::read_to_string(ws.out().join("plugins/check.stderr.log")).unwrap();
    assert!(
        kept.starts_with("[truncated: the first "),
        "{}",
        &kept[..80]
    );
    assert!(kept.len() < 64 * 1024 + 100, "{}", kept.len());
    assert!(kept.ends_with("the real reason\n"));
    let error = report["error"].as_str().unwrap();
    assert!(error.ends_with("the real reason"), "{error}");
    assert!(
        error.len() < 2000,
        "the error quotes only the end of stderr"
    );
}

/// Whether `pid` is a live process (a zombie awaiting its reaper counts as gone).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        !matches!(state, Some('Z' | 'X'))
    })
}

#[test]
fn a_plugin_over_its_timeout_is_stopped_with_its_children() {
    let (ws, code, report) = run_shell(
        "sleep 300 &\necho $! > \"$(dirname \"$0\")/grandchild.pid\"\necho 'waiting for the node' >&2\nwait",
        "1s",
    );
    assert_eq!(code, 1);
    assert_eq!(report["outcome"], "error");
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains(
            "did not finish within 1s; it and every process in its process group were stopped"
        ),
        "{error}"
    );
    assert!(error.contains("waiting for the node"), "{error}");
    let pid: i32 = std::fs::read_to_string(ws.path().join("plugins/grandchild.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !running(pid),
        "the plugin's `sleep 300` (pid {pid}) survived"
    );
}

#[test]
fn processes_left_behind_are_stopped_and_reported() {
    let (ws, code, report) = run_shell(
        "sleep 300 > /dev/null 2>&1 &\necho $! > \"$(dirname \"$0\")/left.pid\"\necho '{\"protocol\":1,\"outcome\":\"pass\"}'",
        "10s",
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["outcome"], "pass");
    assert_eq!(report["findings"][0]["code"], "plugin.left-processes");
    let pid: i32 = std::fs::read_to_string(ws.path().join("plugins/left.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(!running(pid), "pid {pid} survived");
}

#[test]
fn an_advisory_plugin_that_errors_does_not_block() {
    let ws = Workspace::new();
    shell_plugin(&ws, "check", "exit 1");
    plugin_policy(
        &ws,
        &format!("{}required = false\n", shell_table("check", "5s")),
    );
    let (code, verdict, text) = evaluate(&ws, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(gate(&verdict, "check")["outcome"], "error");
    assert_eq!(gate(&verdict, "check")["required"], false);
}

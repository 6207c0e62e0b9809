//! `tollgate policy check` and `tollgate gates` end to end.

use crate::util::*;

#[test]
fn valid_policy_is_summarised() {
    let ws = Workspace::new();
    let out = tollgate(&[
        "policy".as_ref(),
        "check".as_ref(),
        ws.policy_path().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("environment mainnet"), "{text}");
    assert!(text.contains("gate signatures (required)"), "{text}");
}

#[test]
fn invalid_policies_exit_2_with_place_and_hint() {
    let ws = Workspace::new();
    let cases = [
        ("verdict_ttl = \"72h\"\n", "environment"),
        ("environment = \"staging\"\n", "staging"),
        (
            "environment = \"regtest\"\nverdict_ttl = \"soon\"\n",
            "policy.toml:2",
        ),
        (
            "environment = \"regtest\"\n[gates.signatures]\nsums = 7\n",
            "policy.toml:3",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(ws.policy_path(), text).unwrap();
        let out = tollgate(&[
            "policy".as_ref(),
            "check".as_ref(),
            ws.policy_path().as_os_str(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr(&out).contains(expected), "{text}: {}", stderr(&out));
    }
}

#[test]
fn empty_policy_is_valid_but_warned_about_and_blocks() {
    let ws = Workspace::new();
    std::fs::write(ws.policy_path(), "environment = \"regtest\"\n").unwrap();
    let out = tollgate(&[
        "policy".as_ref(),
        "check".as_ref(),
        ws.policy_path().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no gates configured"));
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    assert_eq!(verdict["decision"], "block");
}

#[test]
fn gates_lists_signatures() {
    let out = tollgate(&["gates"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("signatures"));
}

#[test]
fn log_format_json_emits_json_lines() {
    let ws = Workspace::new();
    let out = bare()
        .args(["-v", "--log-format", "json", "evaluate", "--policy"])
        .arg(ws.policy_path())
        .arg("--release")
        .arg(ws.release())
        .arg("--out")
        .arg(ws.out())
        .arg("--store")
        .arg(ws.store())
        .output()
        .unwrap();
    let err = stderr(&out);
    let lines: Vec<_> = err.lines().collect();
    assert!(!lines.is_empty());
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(value["level"].is_string());
    }
}

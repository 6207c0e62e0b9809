//! `tollgate drill record|list` and the drills gate end to end.

use crate::util::*;

fn record(log: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "drill",
        "record",
        "--log",
        log.to_str().unwrap(),
        "--operator",
        "alice",
    ];
    all.extend_from_slice(args);
    tollgate(&all)
}

#[test]
fn record_list_and_gate() {
    let ws = Workspace::new();
    let log = ws.path().join("ops/drills.jsonl");
    let out = record(
        &log,
        &[
            "--kind",
            "restore",
            "--result",
            "pass",
            "--rto",
            "1h 10m",
            "--at",
            "2026-11-01T10:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = record(
        &log,
        &[
            "--kind",
            "key-rotation",
            "--result",
            "pass",
            "--rto",
            "5m",
            "--at",
            "2026-11-02T10:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let list = tollgate(&[
        "drill",
        "list",
        "--log",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let entries: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 2);
    assert_eq!(entries[0]["started_at"], "2026-11-01T08:50:00Z");

    let drills = "[gates.drills]\nlog = \"ops/drills.jsonl\"\nrestore = { max_age = \"92d\", max_rto = \"2h\" }\nkey_rotation = { max_age = \"92d\" }\n";
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", drills);
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = ws.evaluate(&["--now", "2027-03-01T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(1));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(codes(&verdict), ["drill.stale", "drill.stale"]);
}

#[test]
fn bad_flags_exit_2_and_leave_the_log_alone() {
    let ws = Workspace::new();
    let log = ws.path().join("drills.jsonl");
    assert_eq!(
        record(
            &log,
            &["--kind", "restore", "--result", "pass", "--rto", "1h"]
        )
        .status
        .code(),
        Some(0)
    );
    let before = std::fs::read(&log).unwrap();
    for bad in [
        vec!["--kind", "restore", "--result", "maybe", "--rto", "1h"],
        vec!["--kind", "restore", "--result", "pass", "--rto", "quick"],
        vec!["--kind", "Restore Now", "--result", "pass", "--rto", "1h"],
        vec![
            "--kind", "restore", "--result", "pass", "--rto", "1h", "--at", "tuesday",
        ],
    ] {
        assert_eq!(record(&log, &bad).status.code(), Some(2), "{bad:?}");
    }
    assert_eq!(std::fs::read(&log).unwrap(), before);
}

#[test]
fn corrupt_log_blocks_with_line_number() {
    let ws = Workspace::new();
    let log = ws.path().join("ops/drills.jsonl");
    assert_eq!(
        record(
            &log,
            &["--kind", "restore", "--result", "pass", "--rto", "1h"]
        )
        .status
        .code(),
        Some(0)
    );
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"kind\":\"restore\",\"result\":\"pass\"}\n");
    std::fs::write(&log, text).unwrap();
    let drills = "[gates.drills]\nlog = \"ops/drills.jsonl\"\nrestore = { max_age = \"92d\" }\n";
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", drills);
    let (code, verdict) = ws.evaluate_verdict();
    assert_eq!(code, 1);
    let gate = verdict["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "drills")
        .unwrap();
    assert_eq!(gate["outcome"], "error");
    assert!(gate["error"].as_str().unwrap().contains("line 2"), "{gate}");
    // Appending to a corrupt log is refused (exit 2), never papered over.
    assert_eq!(
        record(
            &log,
            &["--kind", "restore", "--result", "pass", "--rto", "1h"]
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn signed_drills_with_operator_keys() {
    let ws = Workspace::new();
    let log = ws.path().join("ops/drills.jsonl");
    let key = ws.verdict_key();
    let out = record(
        &log,
        &[
            "--kind",
            "restore",
            "--result",
            "pass",
            "--rto",
            "1h",
            "--key",
            key.to_str().unwrap(),
            "--at",
            "2026-11-20T10:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("signed"));
    let drills = "[gates.drills]\nlog = \"ops/drills.jsonl\"\nrestore = { max_age = \"92d\" }\noperator_keys = [\"verdict-keys/tollgate.pub\"]\n";
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", drills);
    assert_eq!(
        ws.evaluate(&["--now", "2026-11-21T10:00:00Z"])
            .status
            .code(),
        Some(0)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replace("\"1h\"", "\"10m\"")).unwrap();
    let out = ws.evaluate(&["--now", "2026-11-21T10:00:00Z"]);
    assert_eq!(out.status.code(), Some(1));
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(codes(&verdict), ["drill.bad-signature", "drill.missing"]);
}

/// The `[gates.drills]` table of the shipped mainnet policy, reading `log`.
fn mainnet_drills_table(log: &str) -> String {
    let text = std::fs::read_to_string(testdata("../gates/mainnet.toml")).unwrap();
    let policy: toml::Table = text.parse().unwrap();
    let mut drills = policy["gates"]["drills"].as_table().unwrap().clone();
    drills.insert("log".into(), log.into());
    let mut gates = toml::Table::new();
    gates.insert("drills".into(), drills.into());
    let mut wrapper = toml::Table::new();
    wrapper.insert("gates".into(), gates.into());
    toml::to_string(&wrapper).unwrap()
}

// The runbook: restore quarterly within 2h, key rotation quarterly, incident simulation
// semi-annually. Pinned through the shipped file, end to end.
#[test]
fn mainnet_policy_ships_the_runbook_cadence() {
    let ws = Workspace::new();
    ws.policy_with("mainnet", "", &mainnet_drills_table("ops/drills.jsonl"));
    let log = ws.path().join("ops/drills.jsonl");
    for (kind, rto, at) in [
        ("restore", "1h 50m", "2026-09-01T12:00:00Z"),
        ("key-rotation", "20m", "2026-10-01T12:00:00Z"),
        ("incident-simulation", "3h", "2026-06-01T12:00:00Z"),
    ] {
        let out = record(
            &log,
            &["--kind", kind, "--result", "pass", "--rto", rto, "--at", at],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let drills_codes = |now: &str| {
        let out = ws.evaluate(&["--now", now]);
        let verdict = read_json(&ws.out().join("verdict.json"));
        (out.status.code().unwrap(), gate_codes(&verdict, "drills"))
    };
    // 81 days after the restore, 173 after the incident simulation: all within cadence.
    assert_eq!(drills_codes("2026-11-21T12:00:00Z"), (0, vec![]));
    // Two weeks later the restore is 96 days old and the simulation 188: both stale.
    assert_eq!(
        drills_codes("2026-12-06T12:00:00Z"),
        (1, vec!["drill.stale".to_owned(), "drill.stale".to_owned()])
    );
    // A newer restore that took longer than two hours is not a passing quarter.
    let out = record(
        &log,
        &[
            "--kind",
            "restore",
            "--result",
            "pass",
            "--rto",
            "2h 1m",
            "--at",
            "2026-11-20T12:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        drills_codes("2026-11-21T12:00:00Z"),
        (1, vec!["drill.rto-exceeded".to_owned()])
    );
}

/// Issue 15: without --operator and with $USER unset, the account name is used; the entry
/// names whoever `id -un` says runs the test.
#[test]
fn record_without_user_takes_the_account_name() {
    let ws = Workspace::new();
    let log = ws.path().join("drills.jsonl");
    let account = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let account = String::from_utf8(account.stdout).unwrap().trim().to_owned();
    let out = command(&[
        "drill",
        "record",
        "--log",
        log.to_str().unwrap(),
        "--kind",
        "restore",
        "--result",
        "pass",
        "--rto",
        "1h",
        "--at",
        "2026-11-01T10:00:00Z",
    ])
    .env_remove("USER")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let entry: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    assert_eq!(entry["operator"], account.as_str());
}

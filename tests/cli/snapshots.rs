//! `tollgate snapshot record` and the snapshots gate end to end, with `--now`.

use crate::util::*;

const NOW: &str = "2026-11-21T12:00:00Z";
const TIP: &str = "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054";

fn record(
    ws: &Workspace,
    kind: &str,
    height: &str,
    created: &str,
    location: &str,
    sha: &str,
    size: &str,
) -> std::process::Output {
    let log = ws.path().join("ops/snapshots.jsonl");
    tollgate(&[
        "snapshot",
        "record",
        "--kind",
        kind,
        "--height",
        height,
        "--tip",
        TIP,
        "--created-at",
        created,
        "--location",
        location,
        "--sha256",
        sha,
        "--size",
        size,
        "--log",
        log.to_str().unwrap(),
    ])
}

fn ok(out: std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

const SHA: &str = "5f1c3a2b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";

/// Full snapshots weekly over three weeks and a state snapshot 12 hours before NOW.
fn healthy(ws: &Workspace) {
    for (height, at) in [
        ("870000", "2026-11-03T00:00:00Z"),
        ("871000", "2026-11-09T00:00:00Z"),
        ("872000", "2026-11-16T00:00:00Z"),
    ] {
        ok(record(
            ws,
            "full",
            height,
            at,
            &format!("s3://backups/full-{height}.tar"),
            SHA,
            "4096",
        ));
    }
    ok(record(
        ws,
        "state",
        "872900",
        "2026-11-21T00:00:00Z",
        "s3://backups/state-872900.tar",
        SHA,
        "512",
    ));
}

fn policy(ws: &Workspace, extra: &str) {
    let table = format!("[gates.snapshots]\nlog = \"ops/snapshots.jsonl\"\n{extra}\n");
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &table);
}

fn evaluate(ws: &Workspace, now: &str) -> (i32, serde_json::Value) {
    let out = ws.evaluate(&["--now", now]);
    let verdict = read_json(&ws.out().join("verdict.json"));
    (out.status.code().unwrap(), verdict)
}

#[test]
fn fresh_snapshots_promote_and_stale_ones_block() {
    let ws = Workspace::new();
    healthy(&ws);
    policy(&ws, "");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 0, "{verdict:#}");
    assert!(gate_codes(&verdict, "snapshots").is_empty());

    // Two days later the state snapshot is stale (1d) but the full one is not (6d 12h).
    let (code, verdict) = evaluate(&ws, "2026-11-22T12:00:00Z");
    assert_eq!(code, 1);
    assert_eq!(gate_codes(&verdict, "snapshots"), ["snapshot.stale"]);
    assert_eq!(
        gate(&verdict, "snapshots")["findings"][0]["subject"],
        "state"
    );

    // Four days later both are.
    let (_, verdict) = evaluate(&ws, "2026-11-25T12:00:00Z");
    let findings = gate(&verdict, "snapshots")["findings"]
        .as_array()
        .unwrap()
        .clone();
    let subjects: Vec<_> = findings
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["subject"].as_str().unwrap()))
        .collect();
    assert_eq!(
        subjects,
        [("snapshot.stale", "full"), ("snapshot.stale", "state")]
    );
}

#[test]
fn retention_gap_and_short_history_block() {
    let ws = Workspace::new();
    ok(record(
        &ws,
        "full",
        "870000",
        "2026-11-02T00:00:00Z",
        "s3://b/full-1.tar",
        SHA,
        "4096",
    ));
    ok(record(
        &ws,
        "full",
        "872000",
        "2026-11-17T00:00:00Z",
        "s3://b/full-2.tar",
        SHA,
        "4096",
    ));
    ok(record(
        &ws,
        "state",
        "872900",
        "2026-11-21T00:00:00Z",
        "s3://b/state.tar",
        SHA,
        "512",
    ));
    policy(&ws, "");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "snapshots"),
        ["snapshot.retention-gap"]
    );
    let message = gate(&verdict, "snapshots")["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("2026-11-02") && message.contains("2026-11-17"),
        "{message}"
    );

    let ws = Workspace::new();
    ok(record(
        &ws,
        "full",
        "872000",
        "2026-11-17T00:00:00Z",
        "s3://b/full-2.tar",
        SHA,
        "4096",
    ));
    ok(record(
        &ws,
        "state",
        "872900",
        "2026-11-21T00:00:00Z",
        "s3://b/state.tar",
        SHA,
        "512",
    ));
    policy(&ws, "");
    let (_, verdict) = evaluate(&ws, NOW);
    assert_eq!(
        gate_codes(&verdict, "snapshots"),
        ["snapshot.retention-short"]
    );
}

#[test]
fn local_paths_are_refused_when_recording_and_by_the_gate() {
    let ws = Workspace::new();
    healthy(&ws);
    let log = ws.path().join("ops/snapshots.jsonl");
    let before = std::fs::read(&log).unwrap();
    for local in [
        "/var/backups/full.tar",
        "file:///var/backups/full.tar",
        "http://localhost/full.tar",
    ] {
        let out = record(
            &ws,
            "full",
            "872500",
            "2026-11-20T00:00:00Z",
            local,
            SHA,
            "4096",
        );
        assert_eq!(out.status.code(), Some(2), "{local}");
        assert!(
            stderr(&out).contains("not off the node"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read(&log).unwrap(),
        before,
        "a refused entry is never written"
    );
    // A line written by hand with a local path is not counted and blocks.
    let mut text = String::from_utf8(before).unwrap();
    text.push_str(&format!("{{\"kind\":\"full\",\"height\":872500,\"tip\":\"{TIP}\",\"created_at\":\"2026-11-20T00:00:00Z\",\"location\":\"file:///var/backups/full.tar\",\"sha256\":\"{SHA}\",\"size\":4096}}\n"));
    text.push_str("{\"kind\":\"state\",\"location\":\"s3://b/state-x.tar\",\"created_at\":\"2026-11-21T06:00:00Z\"}\n");
    std::fs::write(&log, text).unwrap();
    policy(&ws, "");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "snapshots"),
        ["snapshot.on-node", "snapshot.metadata-incomplete"]
    );
    let incomplete = &gate(&verdict, "snapshots")["findings"][1];
    assert!(
        incomplete["message"]
            .as_str()
            .unwrap()
            .contains("height, tip, sha256, size"),
        "{incomplete}"
    );
    assert_eq!(incomplete["location"]["line"], 6);
}

#[test]
fn checksum_is_reverified_where_the_snapshot_is_mounted() {
    let ws = Workspace::new();
    let mount = ws.path().join("mnt/backups");
    std::fs::create_dir_all(&mount).unwrap();
    let good = b"full snapshot bytes";
    std::fs::write(mount.join("full-9.tar"), good).unwrap();
    std::fs::write(mount.join("state-9.tar"), b"tampered state bytes").unwrap();
    let good_sha = tollgate::digest::sha256_hex(good);
    for (height, at) in [
        ("870000", "2026-11-02T00:00:00Z"),
        ("871000", "2026-11-08T00:00:00Z"),
    ] {
        ok(record(
            &ws,
            "full",
            height,
            at,
            &format!("s3://b/full-{height}.tar"),
            SHA,
            "4096",
        ));
    }
    ok(record(
        &ws,
        "full",
        "872000",
        "2026-11-15T00:00:00Z",
        "s3://backups/full-9.tar",
        &good_sha,
        &good.len().to_string(),
    ));
    ok(record(
        &ws,
        "state",
        "872900",
        "2026-11-21T00:00:00Z",
        "s3://backups/state-9.tar",
        &good_sha,
        "20",
    ));
    policy(&ws, "verify_local = true\nverify_dir = \"mnt/backups\"");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "snapshots"),
        ["snapshot.checksum-mismatch"]
    );
    let finding = &gate(&verdict, "snapshots")["findings"][0];
    assert_eq!(finding["subject"], "s3://backups/state-9.tar");
    let evidence = gate(&verdict, "snapshots")["evidence"].to_string();
    assert!(
        evidence.contains(&good_sha),
        "the verified file is evidence: {evidence}"
    );
}

#[test]
fn corrupt_log_line_blocks_with_its_number() {
    let ws = Workspace::new();
    healthy(&ws);
    let log = ws.path().join("ops/snapshots.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"kind\":\"full\",\"height\":\"high\"}\n");
    std::fs::write(&log, text).unwrap();
    policy(&ws, "");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 1);
    let report = gate(&verdict, "snapshots");
    assert_eq!(report["outcome"], "error");
    assert!(
        report["error"].as_str().unwrap().contains("line 5"),
        "{report}"
    );
    // Appending to a corrupt log is refused, never papered over.
    let out = record(
        &ws,
        "state",
        "873000",
        "2026-11-21T06:00:00Z",
        "s3://b/s.tar",
        SHA,
        "1",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn restore_drill_must_reach_the_newest_full_snapshot() {
    let ws = Workspace::new();
    healthy(&ws);
    let drills = ws.path().join("ops/drills.jsonl");
    let drill = |restored: &str| {
        ok(tollgate(&[
            "drill",
            "record",
            "--kind",
            "restore",
            "--result",
            "pass",
            "--rto",
            "1h",
            "--at",
            "2026-11-16T00:00:00Z",
            "--operator",
            "alice",
            "--log",
            drills.to_str().unwrap(),
            "--restored-height",
            restored,
        ]));
    };
    drill("871000");
    policy(&ws, "drill_log = \"ops/drills.jsonl\"\nmax_drift = 100");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "snapshots"),
        ["snapshot.restore-behind"]
    );
    std::fs::remove_file(&drills).unwrap();
    drill("871950");
    let (code, verdict) = evaluate(&ws, NOW);
    assert_eq!(code, 0, "within max_drift: {verdict:#}");
}

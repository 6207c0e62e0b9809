//! The health gate end to end: the shipped node SLOs (gates/health/node-slo.toml) against a
//! real Prometheus filled with a deterministic history, pass and fail per rule; Prometheus
//! down, an empty result, a query error, malformed responses, node /health endpoints, and
//! `audit replay` re-deciding every check from its stored response.

mod history;
mod server;

use crate::util::*;
use serde_json::Value;
use server::{Prometheus, auth_server, fake_server, free_port, silent_server};
use std::collections::BTreeSet;

/// The shipped [gates.health] table (everything from its header on).
fn shipped_health_table() -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("gates/health/node-slo.toml"),
    )
    .unwrap();
    let at = text.find("\n[gates.health]\n").unwrap();
    text[at + 1..].to_owned()
}

fn evaluate(ws: &Workspace, now: &str, prometheus: &str) -> (i32, Value) {
    let store = ws.store();
    let policy = ws.policy_path();
    let release = ws.release();
    let out = ws.out();
    let key = ws.verdict_key();
    let args = [
        "evaluate",
        "--policy",
        policy.to_str().unwrap(),
        "--release",
        release.to_str().unwrap(),
        "--repo",
        ws.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--now",
        now,
    ];
    let output = command(&args)
        .env("TOLLGATE_PROMETHEUS_URL", prometheus)
        .env("TOLLGATE_TEST_PROM_TOKEN", "s3cr3t-bearer-value-42")
        .output()
        .unwrap();
    let code = output.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    (code, read_json(&ws.out().join("verdict.json")))
}

/// The health gate's findings as (code, subject, message).
fn health_findings(verdict: &Value) -> Vec<(String, String, String)> {
    gate(verdict, "health")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["subject"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn failing(verdict: &Value) -> BTreeSet<String> {
    health_findings(verdict)
        .into_iter()
        .map(|(code, subject, message)| {
            assert_eq!(code, "health.check-failed", "{message}");
            assert!(message.contains("; query: "), "{message}");
            subject
        })
        .collect()
}

const UPTIME: &str = "uptime over 30 days";
const NO_RESTART: &str = "no restart in 7 days";
const LOOP: &str = "no restart loop during the soak";
const HEIGHT: &str = "block height advancing";
const PEERS: &str = "peers >= 3 throughout the soak";
const SYNC: &str = "sync >= 0.99 throughout the soak";
const DISK: &str = "disk below 70%";

#[test]
fn every_shipped_node_slo_rule_passes_and_fails_against_a_real_prometheus() {
    let Some(prometheus) = Prometheus::start(&history::openmetrics()) else {
        return;
    };
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &shipped_health_table(),
    );
    let cases: [(&str, &[&str]); 5] = [
        ("2026-11-28T00:00:00Z", &[]),
        ("2026-11-28T12:00:00Z", &[NO_RESTART, LOOP]),
        ("2026-11-29T12:00:00Z", &[NO_RESTART, LOOP, PEERS, SYNC]),
        (
            "2026-11-30T12:00:00Z",
            &[NO_RESTART, LOOP, PEERS, SYNC, HEIGHT],
        ),
        (
            "2026-12-01T00:00:00Z",
            &[NO_RESTART, LOOP, PEERS, SYNC, HEIGHT, UPTIME, DISK],
        ),
    ];
    let mut last_seq = 0;
    for (now, expected) in cases {
        let (code, verdict) = evaluate(&ws, now, &prometheus.url);
        let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            failing(&verdict),
            want,
            "at {now}: {:#}\n{}",
            gate(&verdict, "health"),
            prometheus.log()
        );
        assert_eq!(code, if expected.is_empty() { 0 } else { 1 }, "at {now}");
        // Each check's request record and raw response are evidence.
        let evidence = gate(&verdict, "health")["evidence"].as_array().unwrap();
        assert_eq!(evidence.len(), 14, "{evidence:#?}");
        last_seq = read_json(&ws.out().join("ledger-entry.json"))["seq"]
            .as_u64()
            .unwrap();
    }
    // The failing series are named, with their labels and values.
    let (_, verdict) = evaluate(&ws, "2026-12-01T00:00:00Z", &prometheus.url);
    let findings = health_findings(&verdict);
    let message = |name: &str| {
        findings
            .iter()
            .find(|(_, subject, _)| subject == name)
            .map(|(_, _, m)| m.clone())
            .unwrap()
    };
    assert!(
        message(LOOP).contains("instance=\"seed-2\""),
        "{}",
        message(LOOP)
    );
    assert!(message(LOOP).contains("= 5"), "{}", message(LOOP));
    assert!(message(SYNC).contains("instance=\"seed-3\"") && message(SYNC).contains("= 0.95"));
    assert!(
        message(HEIGHT).contains("instance=\"seed-1\""),
        "{}",
        message(HEIGHT)
    );
    assert!(message(DISK).contains("instance=\"seed-3\"") && message(DISK).contains("= 0.75"));
    assert!(
        message(UPTIME).contains("1 of 3 series"),
        "{}",
        message(UPTIME)
    );
    assert!(message(UPTIME).contains("avg_over_time(up{job=\"node\",env=\"testnet\"}[30d])"));
    assert!(
        message(LOOP).contains("[3d:1m]"),
        "{{soak}} filled in: {}",
        message(LOOP)
    );

    // audit replay re-decides every check from the stored responses.
    let seq = last_seq + 1;
    let store = ws.store();
    let out = tollgate(&[
        "audit",
        "replay",
        &seq.to_string(),
        "--store",
        store.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let replay: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    let health = replay["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "health")
        .unwrap();
    assert_eq!(health["how"], "stored", "{health:#}");
    let checks = health["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 7, "{health:#}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{health:#}");
    assert!(
        checks[0]["what"]
            .as_str()
            .unwrap()
            .contains("re-decided from its stored response: health.check-failed (as stored)"),
        "{health:#}"
    );
    assert_eq!(replay["consistent"], true, "{replay:#}");

    // An empty result is no-data; a query Prometheus refuses is a query error.
    let extra = r#"
[[gates.health.checks]]
name = "peers on a network nobody runs"
query = 'node_peer_count{env="nowhere"}'
expect = ">= 3"

[[gates.health.checks]]
name = "broken query"
query = 'rate(up[5m]'
expect = ">= 0"
"#;
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &format!("{}{extra}", shipped_health_table()),
    );
    let (code, verdict) = evaluate(&ws, "2026-11-28T00:00:00Z", &prometheus.url);
    assert_eq!(code, 1);
    let findings = health_findings(&verdict);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let (code, subject, message) = &findings[0];
    assert_eq!(
        (code.as_str(), subject.as_str()),
        ("health.no-data", "peers on a network nobody runs")
    );
    assert!(
        message.contains("0 series returned, fewer than min_series = 1"),
        "{message}"
    );
    assert!(
        message.contains("query: node_peer_count{env=\"nowhere\"}"),
        "{message}"
    );
    let (code, subject, message) = &findings[1];
    assert_eq!(
        (code.as_str(), subject.as_str()),
        ("health.query-error", "broken query")
    );
    assert!(
        message.contains("bad_data") && message.contains("query: rate(up[5m]"),
        "{message}"
    );
}

#[test]
fn prometheus_down_blocks_every_check_naming_its_query() {
    let ws = Workspace::new();
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &shipped_health_table(),
    );
    let closed = format!("http://127.0.0.1:{}", free_port());
    let (code, verdict) = evaluate(&ws, "2026-11-28T00:00:00Z", &closed);
    assert_eq!(code, 1);
    let findings = health_findings(&verdict);
    assert_eq!(findings.len(), 7, "{findings:#?}");
    for (code, _, message) in &findings {
        assert_eq!(code, "health.query-error");
        assert!(message.contains("unreachable"), "{message}");
        assert!(message.contains("; query: "), "{message}");
    }
    assert_eq!(gate(&verdict, "health")["outcome"], "fail");
}

#[test]
fn malformed_responses_block_and_secrets_stay_out() {
    let ws = Workspace::new();
    let table = r#"[gates.health]
prometheus_env = "TOLLGATE_PROMETHEUS_URL"
bearer_env = "TOLLGATE_TEST_PROM_TOKEN"
timeout = "5s"

[[gates.health.checks]]
name = "uptime"
query = 'up{job="node"}'
expect = ">= 1"
"#;
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", table);
    for (status, body, says) in [
        (200, "this is not json".to_owned(), "malformed response"),
        (200, r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#.to_owned(), "NaN"),
        (200, r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}"#.to_owned(), "malformed response"),
        (503, "upstream down".to_owned(), "HTTP 503"),
    ] {
        let url = fake_server(status, "application/json", body);
        let (code, verdict) = evaluate(&ws, "2026-11-28T00:00:00Z", &url);
        assert_eq!(code, 1);
        let findings = health_findings(&verdict);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let (code, subject, message) = &findings[0];
        assert_eq!((code.as_str(), subject.as_str()), ("health.query-error", "uptime"));
        assert!(message.contains(says), "{message}");
        assert!(message.contains("query: up{job=\"node\"}"), "{message}");
    }
    // The bearer token is sent: a server that wants it answers, and the check passes.
    let ok = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"},"value":[1,"1"]}]}}"#;
    let url = auth_server(
        "authorization: bearer s3cr3t-bearer-value-42",
        ok.to_owned(),
    );
    let (code, verdict) = evaluate(&ws, "2026-11-28T00:00:00Z", &url);
    assert_eq!(code, 0, "{:#}", gate(&verdict, "health"));
    // A Prometheus that never answers: the request times out, which blocks.
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &table.replace("timeout = \"5s\"", "timeout = \"1s\""),
    );
    let (code, verdict) = evaluate(&ws, "2026-11-28T00:00:00Z", &silent_server());
    assert_eq!(code, 1);
    let findings = health_findings(&verdict);
    let (code, _, message) = &findings[0];
    assert_eq!(code, "health.query-error");
    assert!(
        message.contains("timed out") && message.contains("query: up{job=\"node\"}"),
        "{message}"
    );
    // The bearer token went out in a header and nowhere else.
    for entry in walk(&ws.out()).into_iter().chain(walk(&ws.store())) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t-bearer-value-42"),
            "{}",
            entry.display()
        );
    }
}

#[test]
fn node_health_endpoints_use_the_smoke_assertions() {
    let ws = Workspace::new();
    // 2026-11-28T00:00:00Z is 1795824000.
    let now = "2026-11-28T00:00:00Z";
    let healthy = fake_server(
        200,
        "application/json",
        r#"{"sync_progress":1.0,"peer_count":8,"warnings":[],"last_block_time":1795823880}"#
            .to_owned(),
    );
    let sick = fake_server(
        200,
        "application/json",
        r#"{"sync_progress":0.5,"peer_count":8,"warnings":["low disk"],"last_block_time":1795816800}"#
            .to_owned(),
    );
    let closed = format!("http://127.0.0.1:{}", free_port());
    let endpoint = |name: &str, url: &str| {
        format!(
            "[[gates.health.endpoints]]\nname = \"{name}\"\nurl = \"{url}/health\"\nassertions = [\"/sync_progress >= 0.99\", \"/peer_count >= 3\", \"/warnings == []\", \"/last_block_time >= {{now_minus_1h}}\"]\n"
        )
    };
    let table = format!(
        "[gates.health]\ntimeout = \"5s\"\n{}{}{}",
        endpoint("seed-1", &healthy),
        endpoint("seed-2", &sick),
        endpoint("seed-3", &closed)
    );
    ws.policy_with("mainnet", "artifact_signatures = \"required\"", &table);
    let (code, verdict) = evaluate(&ws, now, "unused");
    assert_eq!(code, 1);
    let findings = health_findings(&verdict);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let (code, subject, message) = &findings[0];
    assert_eq!(
        (code.as_str(), subject.as_str()),
        ("health.endpoint-failed", "seed-2")
    );
    for part in [
        "/sync_progress >= 0.99",
        "/warnings == []",
        "/last_block_time",
    ] {
        assert!(message.contains(part), "{message}");
    }
    assert!(!message.contains("/peer_count"), "{message}");
    let (code, subject, message) = &findings[1];
    assert_eq!(
        (code.as_str(), subject.as_str()),
        ("health.endpoint-error", "seed-3")
    );
    assert!(message.contains("unreachable"), "{message}");
    // Only the healthy seed: promote.
    ws.policy_with(
        "mainnet",
        "artifact_signatures = \"required\"",
        &format!("[gates.health]\n{}", endpoint("seed-1", &healthy)),
    );
    let (code, verdict) = evaluate(&ws, now, "unused");
    assert_eq!(code, 0, "{:#}", gate(&verdict, "health"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

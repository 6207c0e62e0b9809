//! The health gate's configuration and its handling of answers, against tiny loopback
//! servers (the real Prometheus runs in tests/cli/health.rs).

use super::*;
use crate::policy::{self, Policy};

fn policy(table: &str) -> Result<Policy, String> {
    let dir = std::env::temp_dir();
    policy::parse(
        &dir.join("policy.toml"),
        &format!("environment = \"testnet\"\n{table}\n"),
    )
    .map_err(|e| e.to_string())
}

#[test]
fn configuration_is_checked_up_front() {
    let ok = policy(
        r#"[gates.health]
prometheus = "http://127.0.0.1:9090"
soak = "72h"
[[gates.health.checks]]
name = "up"
query = 'min_over_time(up{job="node",env="{environment}"}[{soak}])'
expect = ">= 1"
"#,
    )
    .unwrap();
    let config = ok.gates.health.unwrap();
    assert_eq!(config.checks[0].min_series, 1);
    assert_eq!(config.soak, Some(Duration::from_secs(72 * 3600)));
    for (table, why) in [
        (
            "[gates.health]\nprometheus = \"http://x\"\n",
            "no check and no endpoint",
        ),
        (
            "[gates.health]\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "no Prometheus",
        ),
        (
            "[gates.health]\nprometheus = \"http://u:p@x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "credentials",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up[{soak}]\"\nexpect = \">= 1\"\n",
            "sets no `soak`",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up{nope}\"\nexpect = \">= 1\"\n",
            "unknown placeholder",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \"1\"\n",
            "`expect`",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\nmin_series = 0\n",
            "min_series",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\nbearer_env = \"not a name\"\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "not an environment variable name",
        ),
        (
            "[gates.health]\n[[gates.health.endpoints]]\nname = \"seed\"\nurl = \"http://x/health\"\nassertions = [\"/x >= {later}\"]\n",
            "unknown placeholder",
        ),
        (
            "[gates.health]\nprometheus = \"http://x\"\nsurprise = 1\n[[gates.health.checks]]\nname = \"a\"\nquery = \"up\"\nexpect = \">= 1\"\n",
            "surprise",
        ),
    ] {
        let err = policy(table).unwrap_err();
        assert!(err.contains(why), "{table}\n=> {err}");
    }
}

#[test]
fn durations_read_as_promql() {
    assert_eq!(prom_duration(Duration::from_secs(72 * 3600)), "3d");
    assert_eq!(prom_duration(Duration::from_secs(5400)), "1h30m");
    assert_eq!(prom_duration(Duration::from_secs(90)), "1m30s");
}

#[test]
fn replay_re_decides_from_stored_bytes_and_catches_a_disagreeing_report() {
    let policy = policy(
        r#"[gates.health]
prometheus = "http://127.0.0.1:9090"
[[gates.health.checks]]
name = "peers"
query = 'node_peer_count'
expect = ">= 3"
[[gates.health.checks]]
name = "down"
query = 'up'
expect = ">= 1"
"#,
    )
    .unwrap();
    let config = policy.gates.health.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = reqwest::Url::parse("http://127.0.0.1:9090").unwrap();
    let now = time::macros::datetime!(2026-11-28 00:00 UTC);
    let mut evidence = Vec::new();
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"},"value":[1,"2"]}]}}"#;
    let stem = dir.path().join(record::stem("check", 0, "peers"));
    let request = record::CheckRequest::new(
        &config.checks[0],
        "node_peer_count",
        &base,
        now,
        Some(200),
        None,
    );
    record::write(&stem, &request, Some(body), &mut evidence).unwrap();
    let stem = dir.path().join(record::stem("check", 1, "down"));
    let request = record::CheckRequest::new(
        &config.checks[1],
        "up",
        &base,
        now,
        None,
        Some("unreachable"),
    );
    record::write(&stem, &request, None, &mut evidence).unwrap();
    let blobs: std::collections::BTreeMap<String, Vec<u8>> = evidence
        .iter()
        .map(|e| (e.sha256.clone(), std::fs::read(&e.path).unwrap()))
        .collect();
    let judged = judge::judge(200, body, &config.checks[0].expect, 1);
    let honest = vec![
        finding(&config.checks[0], "node_peer_count", &judged)
            .unwrap()
            .subject("peers"),
        finding(
            &config.checks[1],
            "up",
            &Judgement::Error("unreachable".into()),
        )
        .unwrap()
        .subject("down"),
    ];
    let report = crate::report::GateReport::from_findings(NAME, honest, evidence.clone());
    let again = replay::redecide(&config, Some(&report), &blobs);
    assert!(
        again.iter().all(|r| r.agrees),
        "{:?}",
        again.iter().map(|r| &r.what).collect::<Vec<_>>()
    );
    assert!(again[0].what.contains("health.check-failed (as stored)"));
    // A report that claims the failing check passed is caught.
    let forged = crate::report::GateReport::from_findings(
        NAME,
        vec![Finding::error("health.query-error", "x").subject("down")],
        evidence,
    );
    let again = replay::redecide(&config, Some(&forged), &blobs);
    assert!(!again[0].agrees, "{}", again[0].what);
    assert!(
        again[0].what.contains("but the stored report says pass"),
        "{}",
        again[0].what
    );
    assert!(again[1].agrees);
    // Without the stored bytes nothing can be re-decided.
    let again = replay::redecide(&config, Some(&report), &Default::default());
    assert!(
        again
            .iter()
            .all(|r| !r.agrees && r.what.contains("not in the ledger"))
    );
}

#[test]
fn since_deploy_that_cannot_be_resolved_blocks_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy(
        r#"[gates.health]
prometheus = "http://127.0.0.1:9"
since_deploy = { environment = "testnet", stage = "all" }
[[gates.health.checks]]
name = "peers since deploy"
query = 'min_over_time(node_peer_count[{since_deploy}])'
expect = ">= 3"
"#,
    )
    .unwrap();
    let digests = crate::digest::DigestCache::new();
    let builds = crate::release_build::ReleaseBuilds::new();
    let ctx = GateContext {
        store: None,
        policy: &policy,
        release: dir.path(),
        repo: dir.path(),
        out: dir.path(),
        digests: &digests,
        builds: &builds,
        now: time::macros::datetime!(2026-11-28 00:00 UTC),
    };
    let gate = build(policy.gates.health.clone().unwrap());
    let result = gate.evaluate(&ctx).unwrap();
    assert_eq!(result.findings.len(), 1);
    let f = &result.findings[0];
    assert_eq!(f.code, "health.since-deploy-unknown");
    assert_eq!(f.subject.as_deref(), Some("peers since deploy"));
    assert!(f.message.contains("needs the ledger"), "{}", f.message);
    assert!(f.blocks());
    // Its request record is evidence even though nothing was sent.
    assert_eq!(result.evidence.len(), 1);
    // With a ledger that holds no ops-signed deploy of these artifacts: still unknown.
    std::fs::write(dir.path().join("a.bin"), b"artifact").unwrap();
    std::fs::write(
        dir.path().join("SHA256SUMS"),
        format!("{}  a.bin\n", crate::digest::sha256_hex(b"artifact")),
    )
    .unwrap();
    let store = crate::ledger::open(
        dir.path().join("ledger").to_str().unwrap(),
        dir.path(),
        crate::ledger::Mode::Create,
    )
    .unwrap();
    let ctx = GateContext {
        store: Some(store.as_ref()),
        ..ctx
    };
    let result = gate.evaluate(&ctx).unwrap();
    let f = &result.findings[0];
    assert_eq!(f.code, "health.since-deploy-unknown");
    assert!(
        f.message.contains("testnet stage all") && f.message.contains("{since_deploy}"),
        "{}",
        f.message
    );
}

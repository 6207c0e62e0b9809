//! The drills gate against drill logs written on the spot.

use super::*;
use crate::drills::{DrillEntry, append};
use crate::gates::GateContext;
use crate::policy::{self, Policy};
use crate::signing::{Signer, keygen};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

struct Fixture {
    dir: tempfile::TempDir,
}

fn entry(kind: &str, finished: &str, result: DrillResult, rto: &str) -> DrillEntry {
    DrillEntry {
        kind: kind.into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: finished.into(),
        result,
        rto: rto.into(),
        height: None,
        tip: None,
        restored_height: None,
        operator: "alice".into(),
        notes: String::new(),
        signature: None,
    }
}

impl Fixture {
    fn new(entries: &[DrillEntry]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for e in entries {
            append(&dir.path().join("ops/drills.jsonl"), e).unwrap();
        }
        Fixture { dir }
    }

    fn policy(&self, table: &str) -> Policy {
        let text = format!(
            "environment = \"mainnet\"\n[gates.drills]\nlog = \"ops/drills.jsonl\"\n{table}\n"
        );
        policy::parse(&self.dir.path().join("policy.toml"), &text).unwrap()
    }

    fn run(&self, table: &str) -> Result<GateResult, String> {
        let policy = self.policy(table);
        let digests = crate::digest::DigestCache::new();
        let ctx = GateContext {
            policy: &policy,
            release: self.dir.path(),
            repo: self.dir.path(),
            out: self.dir.path(),
            digests: &digests,
            builds: &crate::release_build::ReleaseBuilds::new(),
            now: NOW,
            store: None,
        };
        DrillsGate::new(policy.gates.drills.clone().unwrap()).evaluate(&ctx)
    }

    fn codes(&self, table: &str) -> Vec<String> {
        let result = self.run(table).expect("gate evaluates");
        result.findings.iter().map(|f| f.code.clone()).collect()
    }
}

const RUNBOOK: &str =
    "restore = { max_age = \"92d\", max_rto = \"2h\" }\nkey_rotation = { max_age = \"92d\" }";

#[test]
fn recent_passing_drills_pass() {
    let f = Fixture::new(&[
        entry(
            "restore",
            "2026-10-01T10:00:00Z",
            DrillResult::Pass,
            "1h 10m",
        ),
        entry(
            "key-rotation",
            "2026-11-01T10:00:00Z",
            DrillResult::Pass,
            "5m",
        ),
    ]);
    assert!(f.codes(RUNBOOK).is_empty());
    assert_eq!(f.run(RUNBOOK).unwrap().evidence.len(), 1);
}

#[test]
fn never_drilled_kind_blocks() {
    let f = Fixture::new(&[entry(
        "restore",
        "2026-10-01T10:00:00Z",
        DrillResult::Pass,
        "1h",
    )]);
    assert_eq!(f.codes(RUNBOOK), ["drill.missing"]);
    let all_failed = Fixture::new(&[
        entry("restore", "2026-10-01T10:00:00Z", DrillResult::Fail, "1h"),
        entry(
            "key-rotation",
            "2026-11-01T10:00:00Z",
            DrillResult::Pass,
            "5m",
        ),
    ]);
    let result = all_failed.run(RUNBOOK).unwrap();
    assert_eq!(result.findings[0].code, "drill.missing");
    assert!(result.findings[0].message.contains("all failed"));
}

#[test]
fn stale_and_slow_drills_block() {
    let f = Fixture::new(&[
        entry("restore", "2026-06-01T10:00:00Z", DrillResult::Pass, "3h"),
        entry(
            "key-rotation",
            "2026-11-01T10:00:00Z",
            DrillResult::Pass,
            "5m",
        ),
    ]);
    assert_eq!(f.codes(RUNBOOK), ["drill.stale", "drill.rto-exceeded"]);
}

#[test]
fn newest_pass_counts_and_later_failure_is_reported() {
    let f = Fixture::new(&[
        entry("restore", "2026-11-10T10:00:00Z", DrillResult::Pass, "1h"),
        entry("restore", "2026-03-01T10:00:00Z", DrillResult::Pass, "5h"),
        entry("restore", "2026-11-15T10:00:00Z", DrillResult::Fail, "9h"),
    ]);
    let result = f
        .run("restore = { max_age = \"92d\", max_rto = \"2h\" }")
        .unwrap();
    let codes: Vec<_> = result.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["drill.failed-since"]);
    assert_eq!(result.findings[0].location.as_ref().unwrap().line, Some(3));
}

#[test]
fn custom_kinds_and_future_entries() {
    let f = Fixture::new(&[
        entry(
            "chain-halt",
            "2026-11-20T10:00:00Z",
            DrillResult::Pass,
            "20m",
        ),
        entry(
            "chain-halt",
            "2026-12-20T10:00:00Z",
            DrillResult::Pass,
            "20m",
        ),
    ]);
    assert_eq!(
        f.codes("custom = { chain-halt = { max_age = \"30d\" } }"),
        ["drill.future-entry"]
    );
}

#[test]
fn corrupt_or_missing_log_cannot_evaluate() {
    let f = Fixture::new(&[entry(
        "restore",
        "2026-11-10T10:00:00Z",
        DrillResult::Pass,
        "1h",
    )]);
    let path = f.dir.path().join("ops/drills.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("not json\n");
    std::fs::write(&path, text).unwrap();
    let error = f.run(RUNBOOK).unwrap_err();
    assert!(error.contains("line 2"), "{error}");
    std::fs::remove_file(&path).unwrap();
    assert!(f.run(RUNBOOK).unwrap_err().contains("drills.jsonl"));
}

#[test]
fn operator_keys_ignore_unsigned_and_flag_bad_signatures() {
    let f = Fixture::new(&[]);
    let keys = keygen(&f.dir.path().join("op"), None).unwrap();
    let signer = Signer::load(&keys.secret, None).unwrap();
    let sign = |mut e: DrillEntry| {
        e.signature = Some(signer.sign(&signed_bytes(&e), "drill").unwrap());
        e
    };
    let log = f.dir.path().join("ops/drills.jsonl");
    append(
        &log,
        &entry("restore", "2026-11-10T10:00:00Z", DrillResult::Pass, "1h"),
    )
    .unwrap();
    let table = "restore = { max_age = \"92d\" }\noperator_keys = [\"op/tollgate.pub\"]";
    assert_eq!(f.codes(table), ["drill.unsigned", "drill.missing"]);
    append(
        &log,
        &sign(entry(
            "restore",
            "2026-11-11T10:00:00Z",
            DrillResult::Pass,
            "1h",
        )),
    )
    .unwrap();
    assert_eq!(f.codes(table), ["drill.unsigned"]);
    let mut forged = sign(entry(
        "restore",
        "2026-11-12T10:00:00Z",
        DrillResult::Pass,
        "1h",
    ));
    forged.rto = "10m".into();
    append(&log, &forged).unwrap();
    assert_eq!(f.codes(table), ["drill.unsigned", "drill.bad-signature"]);
}

#[test]
fn config_errors_point_at_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let parse = |table: &str| {
        policy::parse(
            &dir.path().join("p.toml"),
            &format!("environment = \"mainnet\"\n[gates.drills]\nlog = \"d.jsonl\"\n{table}\n"),
        )
    };
    assert!(
        parse("")
            .unwrap_err()
            .message
            .contains("requires no drill kind")
    );
    let e = parse("restore = { max_age = \"quarterly\" }").unwrap_err();
    assert_eq!(e.position.map(|p| p.0), Some(4), "{e}");
    let e = parse("restore = { max_age = \"92d\", max_rt = \"2h\" }").unwrap_err();
    assert!(e.hint.unwrap().contains("max_rto"));
    assert!(parse("custom = { \"Bad Kind\" = { max_age = \"1d\" } }").is_err());
}

//! Unit tests of the snapshots gate, calling it directly with inline policy TOML.

use super::*;
use crate::snapshots::{SnapshotEntry, SnapshotKind, append};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn snapshot(kind: SnapshotKind, height: u64, created: &str, location: &str) -> SnapshotEntry {
    SnapshotEntry {
        kind,
        height: Some(height),
        tip: Some("ab".repeat(32)),
        created_at: Some(created.into()),
        location: Some(location.into()),
        sha256: Some("c".repeat(64)),
        size: Some(10),
        signature: None,
    }
}

fn run(entries: &[SnapshotEntry], table: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for e in entries {
        append(&dir.path().join("snaps.jsonl"), e).unwrap();
    }
    let text =
        format!("environment = \"mainnet\"\n[gates.snapshots]\nlog = \"snaps.jsonl\"\n{table}\n");
    let policy_path = dir.path().join("policy.toml");
    std::fs::write(&policy_path, &text).unwrap();
    let policy = crate::policy::load(&policy_path).unwrap();
    let gate = build(policy.gates.snapshots.clone().unwrap());
    let digests = crate::digest::DigestCache::new();
    let builds = crate::release_build::ReleaseBuilds::new();
    let ctx = crate::gates::GateContext {
        store: None,
        policy: &policy,
        release: dir.path(),
        repo: dir.path(),
        out: dir.path(),
        digests: &digests,
        builds: &builds,
        now: NOW,
    };
    let result = gate.evaluate(&ctx).unwrap();
    result.findings.iter().map(|f| f.code.clone()).collect()
}

fn healthy() -> Vec<SnapshotEntry> {
    vec![
        snapshot(SnapshotKind::Full, 100, "2026-11-05T00:00:00Z", "s3://b/1"),
        snapshot(SnapshotKind::Full, 200, "2026-11-11T00:00:00Z", "s3://b/2"),
        snapshot(SnapshotKind::Full, 300, "2026-11-17T00:00:00Z", "s3://b/3"),
        snapshot(SnapshotKind::State, 350, "2026-11-21T06:00:00Z", "s3://b/s"),
    ]
}

#[test]
fn healthy_log_passes() {
    assert!(run(&healthy(), "").is_empty());
}

#[test]
fn no_snapshot_at_all_is_missing_for_both_kinds() {
    let full_only = &healthy()[..3];
    assert_eq!(run(full_only, ""), ["snapshot.missing"]);
}

#[test]
fn policy_ages_are_honoured() {
    assert_eq!(
        run(&healthy(), "state_max_age = \"2h\""),
        ["snapshot.stale"]
    );
    assert_eq!(
        run(&healthy(), "retention = \"30d\""),
        ["snapshot.retention-short"]
    );
}

#[test]
fn on_node_entries_outside_the_window_are_history() {
    let mut entries = healthy();
    entries.insert(
        0,
        snapshot(
            SnapshotKind::Full,
            1,
            "2026-09-01T00:00:00Z",
            "/var/old.tar",
        ),
    );
    assert!(run(&entries, "").is_empty());
}

#[test]
fn future_entries_are_ignored_with_a_warning() {
    let mut entries = healthy();
    entries.push(snapshot(
        SnapshotKind::State,
        400,
        "2026-11-22T00:00:00Z",
        "s3://b/f",
    ));
    assert_eq!(run(&entries, ""), ["snapshot.future-entry"]);
}

#[test]
fn unsigned_entries_do_not_count_when_operator_keys_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let keys = crate::signing::keygen(dir.path(), None).unwrap();
    let key = std::fs::read_to_string(&keys.public).unwrap();
    let inline = key.lines().last().unwrap().trim().to_owned();
    let codes = run(&healthy(), &format!("operator_keys = [\"{inline}\"]"));
    assert!(
        codes.iter().filter(|c| *c == "snapshot.unsigned").count() == 4,
        "{codes:?}"
    );
    assert!(codes.contains(&"snapshot.missing".to_owned()));
}

#[test]
fn config_refuses_keys_that_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for table in [
        "verify_dir = \"x\"",
        "max_drift = 5",
        "max_drift = -1\ndrill_log = \"d\"",
    ] {
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            format!("environment = \"mainnet\"\n[gates.snapshots]\nlog = \"l\"\n{table}\n"),
        )
        .unwrap();
        assert!(crate::policy::load(&path).is_err(), "{table}");
    }
}

//! `tollgate audit replay`: real evaluations (promote, an audit block, a waiver, a stale
//! drill, a freeze) replay to their stored verdicts; entries written through the library
//! whose stored verdict disagrees with their stored evidence are caught with the exact
//! differences; freeze entries are a usage error.

use crate::util::*;
use serde_json::Value;
use tollgate::ledger::append::{Pending, append};
use tollgate::ledger::entry::{BlobRef, Entry};
use tollgate::ledger::local::LocalStore;
use tollgate::ledger::query::read_entry;
use tollgate::ledger::replay::read_blob;

/// The newest line of cargo-deny-info.json is dated 2026-11-22T00:11:49Z; the drill passed
/// on 2026-11-01: both are fresh at this clock.
const NOW: &str = "2026-11-22T06:00:00Z";

const DRILLS: &str = "[gates.drills]\nlog = \"ops/drills.jsonl\"\nrestore = { max_age = \"92d\", max_rto = \"2h\" }\n";

/// A signed release and a drill log with a passing restore drill.
fn workspace() -> Workspace {
    let ws = Workspace::new();
    let log = ws.path().join("ops/drills.jsonl");
    let out = tollgate(&[
        "drill",
        "record",
        "--log",
        log.to_str().unwrap(),
        "--operator",
        "alice",
        "--kind",
        "restore",
        "--result",
        "pass",
        "--rto",
        "1h",
        "--at",
        "2026-11-01T10:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ws
}

/// Signatures advisory, audit and drills required. The self-dated cargo-deny report ships in
/// the release but is not listed in SHA256SUMS, so it is evidence, not an artifact, and the
/// ledger keeps it (the advisory signatures gate reports it as unlisted, which does not block).
fn audit_policy(ws: &Workspace, waivers: &str) {
    let audit =
        format!("[gates.audit]\nreports = [\"audit/cargo-deny.json\"]\n\n{DRILLS}\n{waivers}");
    ws.policy_with(
        "mainnet",
        "required = false\nartifact_signatures = \"required\"",
        &audit,
    );
}

fn evaluate(ws: &Workspace, now: &str, expect: i32) -> u64 {
    let out = ws.evaluate(&["--now", now]);
    assert_eq!(
        out.status.code(),
        Some(expect),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    read_json(&ws.out().join("ledger-entry.json"))["seq"]
        .as_u64()
        .unwrap()
}

fn replay(ws: &Workspace, id: &str, extra: &[&str]) -> std::process::Output {
    let store = ws.store();
    let mut args = vec!["audit", "replay", id, "--store", store.to_str().unwrap()];
    args.extend_from_slice(extra);
    tollgate(&args)
}

fn replay_json(ws: &Workspace, seq: u64) -> (i32, Value) {
    let out = replay(ws, &seq.to_string(), &["--format", "json"]);
    let code = out.status.code().unwrap();
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (code, value)
}

/// How each gate was obtained, as `gate:how`.
fn modes(replay: &Value) -> Vec<String> {
    replay["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}:{}",
                g["gate"].as_str().unwrap(),
                g["how"].as_str().unwrap()
            )
        })
        .collect()
}

fn assert_reproduced(ws: &Workspace, seq: u64, decision: &str) -> Value {
    let (code, value) = replay_json(ws, seq);
    assert_eq!(code, 0, "{value:#}");
    assert_eq!(value["reproduced"], true, "{value:#}");
    assert_eq!(value["consistent"], true, "{value:#}");
    // Reproduced is said of re-run gates only, and of each of them.
    for gate in value["gates"].as_array().unwrap() {
        let rerun = gate["how"] == "replayed";
        assert_eq!(
            gate.get("reproduced"),
            rerun.then_some(&Value::Bool(true)),
            "{gate:#}"
        );
    }
    assert_eq!(value["differences"], Value::Array(vec![]));
    assert_eq!(value["stored_decision"], decision);
    assert_eq!(value["replayed_decision"], decision);
    value
}

#[test]
fn real_evaluations_replay_to_their_stored_verdicts() {
    let ws = workspace();
    // 1: promote (signatures and drills).
    ws.policy_with("mainnet", "artifact_signatures = \"required\"\n", DRILLS);
    let promote = evaluate(&ws, NOW, 0);
    // 2: the same policy a year later: the drill is stale.
    let stale = evaluate(&ws, "2027-11-22T06:00:00Z", 1);
    // 3: blocked by the audit report's vulnerabilities.
    let report = testdata("audit/reports/vulnerable/cargo-deny-info.json");
    ws.write("audit/cargo-deny.json", &std::fs::read(report).unwrap());
    audit_policy(&ws, "");
    let audit_block = evaluate(&ws, NOW, 1);
    // 4: the same, with waivers covering the blocking advisories (one by its CVE alias).
    let waiver = |id: &str| {
        format!(
            "[[waivers]]\ngate = \"audit\"\ncode = \"audit.vulnerability\"\nid = \"{id}\"\nreason = \"not reachable; OPS-112\"\nowner = \"rm@example.org\"\nexpires = 2026-12-31\n"
        )
    };
    audit_policy(
        &ws,
        &format!(
            "{}{}",
            waiver("RUSTSEC-2021-0003"),
            waiver("CVE-2020-26235")
        ),
    );
    let waived = evaluate(&ws, NOW, 0);
    let verdict = read_json(&ws.out().join("verdict.json"));
    assert_eq!(gate(&verdict, "audit")["outcome"], "waived");

    let r = assert_reproduced(&ws, promote, "promote");
    assert_eq!(modes(&r), ["signatures:stored", "drills:replayed"]);
    let checks = &r["gates"][0]["checks"];
    assert_eq!(checks.as_array().unwrap().len(), 2, "{checks:#}");
    assert!(
        checks.as_array().unwrap().iter().all(|c| c["ok"] == true),
        "{checks:#}"
    );
    assert!(
        r["gates"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("artifacts are not stored"),
        "{r:#}"
    );
    let r = assert_reproduced(&ws, stale, "block");
    assert_eq!(modes(&r), ["signatures:stored", "drills:replayed"]);
    let r = assert_reproduced(&ws, audit_block, "block");
    assert_eq!(
        modes(&r),
        ["signatures:stored", "audit:replayed", "drills:replayed"]
    );
    let r = assert_reproduced(&ws, waived, "promote");
    assert_eq!(r["waivers_applied"], 2);

    // The text form says the same, and names what the comparison ignores.
    let out = replay(&ws, &waived.to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("audit       re-ran on the stored evidence: reproduced"),
        "{text}"
    );
    assert!(
        text.contains("signatures  taken as stored, not reproduced: artifacts are not stored"),
        "{text}"
    );
    assert!(
        text.contains("ignored in the comparison: /gates/*/duration_ms"),
        "{text}"
    );
    assert!(
        text.contains("REPRODUCED: re-ran audit, drills: each gave its stored report; 1 gate(s) taken as stored; the rebuilt verdict matches the stored verdict"),
        "{text}"
    );
    assert!(!text.contains("re-ran no gate"), "{text}");
}

#[test]
fn freezes_are_re_derived_and_freeze_entries_are_not_replayable() {
    let ws = workspace();
    ws.policy_with("mainnet", "artifact_signatures = \"required\"\n", DRILLS);
    let out = tollgate(&[
        "freeze",
        "--environment",
        "mainnet",
        "--reason",
        "incident OPS-7",
        "--key",
        ws.verdict_key().to_str().unwrap(),
        "--store",
        ws.store().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let frozen = evaluate(&ws, NOW, 1);
    let r = assert_reproduced(&ws, frozen, "block");
    assert_eq!(
        modes(&r),
        ["signatures:stored", "drills:replayed", "freeze:derived"]
    );

    let out = replay(&ws, "1", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("entry 1 is a freeze entry, not a verdict"),
        "{}",
        stderr(&out)
    );
}

/// Append a copy of entry `seq` changed by `edit` (which may replace the verdict bytes),
/// through the library, as a forger with write access to the store would.
fn append_edited(ws: &Workspace, seq: u64, edit: impl FnOnce(&mut Entry, &mut Value)) -> u64 {
    let store = LocalStore::open(&ws.store(), false).unwrap();
    let (_, mut entry) = read_entry(&store, seq).unwrap();
    let bytes = read_blob(&store, entry.verdict.as_ref().unwrap()).unwrap();
    let mut verdict: Value = serde_json::from_slice(&bytes).unwrap();
    edit(&mut entry, &mut verdict);
    let bytes = tollgate::verdict::canonical_json(&verdict);
    entry.verdict = Some(BlobRef::of(&bytes));
    entry.decision = Some(verdict["decision"].as_str().unwrap().to_owned());
    // The forger has no verdict key: the edited verdict is recorded unsigned.
    entry.verdict_signature = None;
    append(
        &store,
        Pending {
            entry,
            blobs: vec![bytes],
            time_source: tollgate::ledger::clock::Source::Clock,
        },
        None,
    )
    .unwrap()
    .seq
}

#[test]
fn a_stored_verdict_that_its_evidence_does_not_support_is_caught_exactly() {
    let ws = workspace();
    ws.policy_with("mainnet", "artifact_signatures = \"required\"\n", DRILLS);
    let honest = evaluate(&ws, NOW, 0);
    let forged = append_edited(&ws, honest, |_, verdict| {
        verdict["decision"] = "block".into();
        verdict["reasons"] =
            serde_json::json!(["required gate `drills` failed with 1 blocking finding(s)"]);
        let drills = &mut verdict["gates"][1];
        drills["outcome"] = "fail".into();
        drills["findings"] =
            serde_json::json!([{"code": "drill.stale", "severity": "error", "message": "forged"}]);
    });
    let out = replay(&ws, &forged.to_string(), &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let diff: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("DIFFERS:"))
        .collect();
    assert_eq!(
        diff,
        [
            diff[0],
            "  /decision: stored \"block\", replayed \"promote\"",
            "  /gates/1/findings/0: stored {\"code\":\"drill.stale\",\"message\":\"forged\",\"severity\":\"error\"}, replayed absent",
            "  /gates/1/outcome: stored \"fail\", replayed \"pass\"",
            "  /reasons/0: stored \"required gate `drills` failed with 1 blocking finding(s)\", replayed absent",
        ],
        "{text}"
    );
    assert!(
        diff[0].starts_with("DIFFERS: 4 difference(s) from the stored verdict"),
        "{text}"
    );
    assert!(
        diff[0].ends_with("(stored block, replayed promote)"),
        "{text}"
    );

    // The same through JSON: pointers and values, typed.
    let (code, value) = replay_json(&ws, forged);
    assert_eq!(code, 1);
    assert_eq!(value["gates"][1]["reproduced"], false, "{value:#}");
    assert_eq!(value["gates"][0].get("reproduced"), None, "{value:#}");
    assert_eq!(value["differences"][2]["pointer"], "/gates/1/outcome");
    assert_eq!(value["differences"][2]["stored"], "fail");
    assert_eq!(value["differences"][2]["replayed"], "pass");

    // A gate that is taken as stored still answers to the stored policy: a report edited to
    // look advisory is caught, and so is a forged outcome the waivers cannot explain.
    let advisory = append_edited(&ws, honest, |_, verdict| {
        verdict["gates"][0]["required"] = false.into();
    });
    let (code, value) = replay_json(&ws, advisory);
    assert_eq!(code, 1, "{value:#}");
    let lines: Vec<String> = value["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} {}", d["pointer"], d["stored"], d["replayed"]))
        .collect();
    assert_eq!(lines, ["\"/gates/0/required\" false true"], "{value:#}");
}

#[test]
fn evidence_that_was_not_stored_is_named_and_the_rest_still_replays() {
    let ws = workspace();
    ws.policy_with("mainnet", "artifact_signatures = \"required\"\n", DRILLS);
    let honest = evaluate(&ws, NOW, 0);
    let edited = append_edited(&ws, honest, |entry, _| {
        for record in entry
            .evidence
            .iter_mut()
            .filter(|r| r.role == "gate:drills")
        {
            record.stored = false;
            record.note = Some("changed since the gate read it: not stored".to_owned());
        }
    });
    let (code, value) = replay_json(&ws, edited);
    assert_eq!(code, 0, "{value:#}");
    assert_eq!(modes(&value), ["signatures:stored", "drills:stored"]);
    // Nothing was re-run, so nothing is reproduced: the stored decision is only re-decided.
    assert_eq!(value["rerun"], 0, "{value:#}");
    assert_eq!(value["reproduced"], false, "{value:#}");
    assert_eq!(value["consistent"], true, "{value:#}");
    let text = stdout(&replay(&ws, &edited.to_string(), &[]));
    assert!(
        text.contains("re-ran no gate: nothing was reproduced; the stored decision is shown as recorded: promote (verdict "),
        "{text}"
    );
    assert!(
        text.contains("CONSISTENT: re-deciding from the 2 stored report(s) under the stored policy rebuilds the stored verdict"),
        "{text}"
    );
    assert!(!text.contains("REPRODUCED"), "{text}");
    let reason = value["gates"][1]["reason"].as_str().unwrap();
    assert!(
        reason.contains("drills.jsonl was not stored (changed since the gate read it"),
        "{reason}"
    );

    // Dropping the record altogether makes the entry contradict its own verdict.
    let contradicting = append_edited(&ws, honest, |entry, _| {
        entry.evidence.retain(|r| r.role != "gate:drills");
    });
    let (code, value) = replay_json(&ws, contradicting);
    assert_eq!(code, 1, "{value:#}");
    let problem = value["problems"][0].as_str().unwrap();
    assert!(
        problem.starts_with("`drills`: the stored drills report read "),
        "{problem}"
    );
}

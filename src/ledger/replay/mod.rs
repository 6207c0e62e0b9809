//! `audit replay`: re-decide a ledger entry from its stored evidence and stored policy, at
//! the entry's own clock, and compare the rebuilt verdict with the stored one.
//!
//! Gates whose inputs are all in the ledger are re-run through their real implementations
//! (see [`rules`]); the others are taken from the stored verdict with the reason, and what
//! can be re-verified of them is (see [`recheck`]). Waivers are then re-applied and the
//! decision re-made with `engine::decide`, the function `evaluate` uses, and the verdict
//! rebuilt with [`Verdict::new`]. Only the per-gate `duration_ms` timings are ignored in the
//! comparison. Only a re-run gate can be reproduced; with none re-run, the replay is at best
//! consistent (the stored decision follows from the stored reports), never reproduced.

mod diff;
mod recheck;
pub mod rules;
mod stored;
mod tree;

pub use diff::Difference;
pub use stored::read_blob;

use super::entry::EntryId;
use super::record::{freeze_input, freeze_report};
use super::store::Store;
use crate::engine::{self, Decision, Evaluation, FreezeState, Inputs};
use crate::report::{Evidence, GateReport};
use crate::verdict::{Verdict, parse_rfc3339};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use stored::{frozen_before, load, materialise};
use tree::Tree;

/// The pointers the comparison ignores, and why (shown in the output).
pub const IGNORED: &str = "/gates/*/duration_ms (wall-clock timings differ by nature)";

/// Why an entry could not be replayed.
#[derive(Debug)]
pub enum ReplayError {
    /// The request itself is wrong (a freeze entry, an unknown id): exit 2.
    Usage(String),
    /// The entry cannot be replayed (damaged ledger, unloadable stored policy): exit 1.
    Cannot(String),
}

/// A check made on a gate that was not re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub ok: bool,
    pub what: String,
}

impl Check {
    fn passed(what: String) -> Check {
        Check { ok: true, what }
    }
    fn failed(what: String) -> Check {
        Check { ok: false, what }
    }
}

/// How one gate's report was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// Re-run through the gate's implementation on the stored evidence.
    Replayed,
    /// Taken from the stored verdict (its waivers are still re-applied).
    Stored,
    /// Re-derived from the ledger itself (the freeze report).
    Derived,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatePlan {
    pub gate: String,
    pub how: How,
    /// Why it was taken as stored, or what it was derived from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// For a re-run gate only: whether its report came out as stored (timings aside).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduced: Option<bool>,
}

/// What a replay found.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub entry: EntryId,
    pub environment: String,
    pub evaluated_at: String,
    pub stored_verdict_sha256: String,
    pub stored_decision: String,
    pub replayed_decision: String,
    pub gates: Vec<GatePlan>,
    pub waivers_applied: usize,
    pub waivers_expired: usize,
    pub waivers_unused: usize,
    pub ignored: &'static str,
    /// Where the rebuilt verdict differs from the stored one.
    pub differences: Vec<Difference>,
    /// Re-verifications that failed, and reports the stored policy does not account for.
    pub problems: Vec<String>,
    /// How many gates were re-run (the others were taken as stored or re-derived).
    pub rerun: usize,
    /// The rebuilt verdict matches the stored one and nothing contradicts it: the stored
    /// decision follows from the reports under the stored policy.
    pub consistent: bool,
    /// Consistent, and at least one gate was re-run: only re-run gates are ever reproduced.
    pub reproduced: bool,
}

/// Replay entry `id` (anything `audit show` accepts) of `store`.
pub fn replay(store: &dyn Store, id: &str) -> Result<Replay, ReplayError> {
    let stored = load(store, id)?;
    let mut tree = Tree::new().map_err(ReplayError::Cannot)?;
    let unplaced = materialise(&stored, &mut tree)?;
    let policy_path = tree
        .mapped(&stored.verdict.policy.path)
        .map_err(ReplayError::Cannot)?;
    let policy = crate::policy::load(&policy_path).map_err(|e| {
        ReplayError::Cannot(format!(
            "the stored policy cannot be loaded: {} (a file it names may not be in the ledger: only trusted keys, the lockfile and gate evidence are stored)",
            tree.restore(&e.to_string())
        ))
    })?;
    let now = parse_rfc3339(&stored.verdict.evaluated_at).ok_or_else(|| {
        ReplayError::Cannot(format!(
            "the stored verdict's evaluated_at {:?} is not an RFC 3339 time",
            stored.verdict.evaluated_at
        ))
    })?;
    let facts = rules::Facts {
        policy: &policy,
        verdict: &stored.verdict,
        records: &stored.evidence,
        blobs: &stored.blobs,
        unplaced: &unplaced,
    };

    // Plan every gate the stored policy configures, in evaluation order.
    let gates = crate::gates::from_policy(&policy);
    let mut by_name: BTreeMap<&str, Vec<&GateReport>> = BTreeMap::new();
    for report in &stored.verdict.gates {
        by_name
            .entry(report.gate.as_str())
            .or_default()
            .push(report);
    }
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut plans = Vec::new();
    let mut rerun = Vec::new();
    let mut problems = Vec::new();
    for gate in gates {
        // Owned: a plugin gate's name borrows from the gate, which moves into `rerun`.
        let name = gate.name().to_owned();
        let index = taken.entry(name.clone()).or_default();
        let report = by_name
            .get(name.as_str())
            .and_then(|r| r.get(*index))
            .copied();
        *index += 1;
        let required = gate.required();
        match rules::replayable(&name, report, &facts) {
            Ok(()) => {
                plans.push((plan(&name, How::Replayed, None), report, required));
                // The promotion gate re-decides from the ledger before this entry and the
                // stored subjects (the artifacts themselves are never stored).
                match &policy.gates.promotion {
                    Some(config) if name == crate::gates::promotion::NAME => {
                        rerun.push(crate::gates::promotion::for_replay(
                            config.clone(),
                            &stored.verdict.subjects,
                            stored.id.seq.saturating_sub(1),
                        ));
                    }
                    _ => rerun.push(gate),
                }
            }
            Err(reason) => {
                if let Some(why) = reason.strip_prefix(rules::INCONSISTENT) {
                    problems.push(format!("`{name}`: {why}"));
                }
                let mut p = plan(&name, How::Stored, Some(reason));
                if name == crate::gates::signatures::NAME {
                    p.checks = recheck::signatures(&policy, &stored.verdict, report, &stored.blobs);
                    if report.is_some_and(|r| r.outcome.allows_promotion()) {
                        problems.extend(
                            p.checks.iter().filter(|c| !c.ok).map(|c| {
                                format!("signatures passed when evaluated, but: {}", c.what)
                            }),
                        );
                    }
                }
                if name == crate::gates::health::NAME
                    && let Some(config) = &policy.gates.health
                {
                    p.checks = recheck::health(config, report, &stored.blobs);
                    problems.extend(p.checks.iter().filter(|c| !c.ok).map(|c| c.what.clone()));
                }
                if report.is_none() {
                    problems.push(format!(
                        "the stored verdict has no report for gate `{name}`, which the stored policy configures"
                    ));
                }
                plans.push((p, report, required));
            }
        }
    }
    for report in &stored.verdict.gates {
        let known = plans.iter().any(|(p, _, _)| p.gate == report.gate);
        if !known && report.gate != super::record::FREEZE_GATE {
            problems.push(format!(
                "the stored verdict has a report for gate `{}`, which the stored policy does not configure",
                report.gate
            ));
        }
    }

    // Re-run what can be, without waivers: they are applied once, to every report, below.
    let out = tree.scratch().map_err(ReplayError::Cannot)?;
    let release = tree
        .ensure_dir(&stored.release)
        .map_err(ReplayError::Cannot)?;
    let repo = tree.ensure_dir(&stored.repo).map_err(ReplayError::Cannot)?;
    let mut unwaived = policy.clone();
    unwaived.waivers.clear();
    let inputs = Inputs {
        policy: &unwaived,
        release: &release,
        repo: &repo,
        out: &out,
        now,
        store: Some(store),
    };
    let mut fresh = engine::evaluate(&inputs, &rerun).reports.into_iter();
    let mut reports: Vec<GateReport> = Vec::new();
    for (p, report, required) in &plans {
        reports.push(match p.how {
            How::Replayed => fresh.next().ok_or_else(|| {
                ReplayError::Cannot(format!("the engine returned no report for `{}`", p.gate))
            })?,
            // Whether a gate blocks is the stored policy's word, never the stored report's.
            _ => {
                let mut report = match report {
                    Some(report) => unwaive((*report).clone()),
                    None => GateReport::errored(&p.gate, "no stored report"),
                };
                report.required = *required;
                report
            }
        });
    }
    let mut plans: Vec<GatePlan> = plans.into_iter().map(|(p, _, _)| p).collect();

    // Re-decide exactly as evaluate does: waivers, then the one decision function over the
    // re-run and the stored reports, the stored subjects and the freeze state the ledger held.
    let waivers = engine::apply_waivers(&policy.waivers, &mut reports, now);
    let frozen = frozen_before(store, &stored, &policy.trust.ops_keys)?;
    let environment = &stored.entry.environment;
    let freeze = frozen.as_ref().map(|f| freeze_input(f, environment));
    let mut evaluation = Evaluation {
        decision: Decision::Block,
        reasons: Vec::new(),
        reports,
        subjects: stored.verdict.subjects.clone(),
        waivers,
        // Not stored apart from the reasons; a verdict that had them shows as a difference.
        subject_errors: Vec::new(),
        sbom: stored.verdict.sbom.as_ref().map(|d| Evidence {
            path: d.path.clone(),
            sha256: d.sha256.clone(),
            size: 0,
        }),
        configs: stored
            .verdict
            .configs
            .iter()
            .map(|d| Evidence {
                path: d.path.clone(),
                sha256: d.sha256.clone(),
                size: 0,
            })
            .collect(),
    };
    let record = freeze_report(&Ok(frozen.clone()), environment);
    if record.is_some() {
        plans.push(plan(
            super::record::FREEZE_GATE,
            How::Derived,
            frozen.map(|f| format!("frozen by ledger entry {}, before this one", f.seq)),
        ));
    }
    let state = match &freeze {
        Some(freeze) => FreezeState::Frozen(freeze),
        None => FreezeState::Open,
    };
    evaluation.decide_with_freeze(state, record);
    let rebuilt = Verdict::new(&evaluation, &policy, stored.verdict.commit.clone(), now);
    let mut replayed = serde_json::to_value(&rebuilt)
        .map_err(|e| ReplayError::Cannot(format!("cannot serialise the replayed verdict: {e}")))?;
    restore_paths(&mut replayed, &tree);
    copy_durations(&stored.verdict_value, &mut replayed);
    let differences = diff::diff(&stored.verdict_value, &replayed);
    // The rebuilt verdict's gates are in plan order.
    for (index, plan) in plans.iter_mut().enumerate() {
        if plan.how == How::Replayed {
            let at = format!("/gates/{index}");
            plan.reproduced = Some(!differences.iter().any(|d| {
                d.pointer == at
                    || d.pointer
                        .strip_prefix(&at)
                        .is_some_and(|r| r.starts_with('/'))
            }));
        }
    }
    let rerun = plans.iter().filter(|p| p.how == How::Replayed).count();
    let consistent = differences.is_empty() && problems.is_empty();
    Ok(Replay {
        entry: stored.id.clone(),
        environment: stored.entry.environment.clone(),
        evaluated_at: stored.verdict.evaluated_at.clone(),
        stored_verdict_sha256: stored
            .entry
            .verdict
            .as_ref()
            .map(|b| b.sha256.clone())
            .unwrap_or_default(),
        stored_decision: stored.verdict.decision.as_str().to_owned(),
        replayed_decision: evaluation.decision.as_str().to_owned(),
        gates: plans,
        waivers_applied: evaluation.waivers.applied.len(),
        waivers_expired: evaluation.waivers.expired.len(),
        waivers_unused: evaluation.waivers.unused.len(),
        ignored: IGNORED,
        differences,
        problems,
        rerun,
        consistent,
        reproduced: consistent && rerun > 0,
    })
}

fn plan(gate: &str, how: How, reason: Option<String>) -> GatePlan {
    GatePlan {
        gate: gate.to_owned(),
        how,
        reason,
        checks: Vec::new(),
        reproduced: None,
    }
}

/// A stored report as it was before waivers: the waivers are re-applied at the entry's clock.
fn unwaive(mut report: GateReport) -> GateReport {
    for finding in &mut report.findings {
        finding.waived_by = None;
    }
    report.settle_outcome();
    report
}

/// Every string of the replayed verdict, with replay-tree paths turned back into the
/// original ones.
fn restore_paths(value: &mut Value, tree: &Tree) {
    match value {
        Value::String(text) => *text = tree.restore(text),
        Value::Array(items) => items.iter_mut().for_each(|v| restore_paths(v, tree)),
        Value::Object(map) => map.values_mut().for_each(|v| restore_paths(v, tree)),
        _ => {}
    }
}

/// Per-gate timings differ by nature; the stored ones stand in for the replay's.
fn copy_durations(stored: &Value, replayed: &mut Value) {
    let (Some(stored), Some(replayed)) = (
        stored["gates"].as_array(),
        replayed.get_mut("gates").and_then(Value::as_array_mut),
    ) else {
        return;
    };
    for (s, r) in stored.iter().zip(replayed.iter_mut()) {
        if let (Some(ms), Some(slot)) = (s.get("duration_ms"), r.get_mut("duration_ms")) {
            *slot = ms.clone();
        }
    }
}

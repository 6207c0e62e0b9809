//! The engine: runs every configured gate (concurrently, never stopping at the first
//! failure), each within its deadline, applies waivers, and decides. A gate still running at
//! its deadline is an error that blocks; the processes it started are told to stop (its
//! one-shot children never outlive the deadline anyway: see `process::Budget`), and the
//! engine returns only once every gate has returned, so no child outlives the evaluation.

mod decision;
mod waivers;

pub use decision::{Decision, DecisionInputs, Freeze, FreezeState, decide};
pub use waivers::{WaiverSummary, WaiverUse, apply as apply_waivers};

use crate::digest::DigestCache;
use crate::gates::{Gate, GateContext, GateResult};
use crate::policy::Policy;
use crate::process::Budget;
use crate::release::ReleaseDir;
use crate::release_build::ReleaseBuilds;
use crate::report::{Evidence, GateReport, Subject};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Instant;
use time::OffsetDateTime;

/// Everything one evaluation concluded, before it is bound into a verdict.
#[derive(Debug)]
pub struct Evaluation {
    pub decision: Decision,
    pub reasons: Vec<String>,
    pub reports: Vec<GateReport>,
    pub subjects: Vec<Subject>,
    pub waivers: WaiverSummary,
    /// Problems met while identifying the subjects (they also block).
    pub subject_errors: Vec<String>,
    /// The SBOM a gate examined or produced, if any.
    pub sbom: Option<Evidence>,
    /// Node configuration files a gate examined (the config gate), in gate order.
    pub configs: Vec<Evidence>,
}

/// Inputs of one evaluation.
pub struct Inputs<'a> {
    pub policy: &'a Policy,
    pub release: &'a Path,
    pub repo: &'a Path,
    /// Where gates may write what they produce (it exists before they run).
    pub out: &'a Path,
    pub now: OffsetDateTime,
    /// The ledger, for gates that read it (see `GateContext::store`).
    pub store: Option<&'a dyn crate::ledger::store::Store>,
}

/// Run `gates` against the inputs and decide.
pub fn evaluate(inputs: &Inputs<'_>, gates: &[Box<dyn Gate>]) -> Evaluation {
    evaluate_with(inputs, gates, &DigestCache::new())
}

/// As `evaluate`, sharing a caller's digest cache (one that reports hashing progress).
pub fn evaluate_with(
    inputs: &Inputs<'_>,
    gates: &[Box<dyn Gate>],
    digests: &DigestCache,
) -> Evaluation {
    let builds = ReleaseBuilds::new();
    let ctx = GateContext {
        policy: inputs.policy,
        release: inputs.release,
        repo: inputs.repo,
        out: inputs.out,
        digests,
        builds: &builds,
        now: inputs.now,
        store: inputs.store,
    };
    let results = run_all(gates, &ctx);
    let mut reports = Vec::with_capacity(results.len());
    let mut reported_subjects: Vec<Subject> = Vec::new();
    let mut sbom = None;
    let mut configs = Vec::new();
    for (report, extras) in results {
        reports.push(report);
        reported_subjects.extend(extras.subjects);
        sbom = sbom.or(extras.sbom);
        configs.extend(extras.configs);
    }
    let (subjects, subject_errors) = if reported_subjects.is_empty() {
        subjects_from_listing(inputs.release, digests)
    } else {
        reported_subjects.sort();
        reported_subjects.dedup();
        (reported_subjects, Vec::new())
    };

    let waivers = apply_waivers(&inputs.policy.waivers, &mut reports, inputs.now);
    // As if the environment were open: a caller that reads the ledger re-decides with the
    // freeze state (`Evaluation::decide_with_freeze`).
    let (decision, reasons) = decide(&DecisionInputs {
        reports: &reports,
        subjects: &subjects,
        subject_errors: &subject_errors,
        freeze: FreezeState::Open,
    });
    Evaluation {
        decision,
        reasons,
        reports,
        subjects,
        waivers,
        subject_errors,
        sbom,
        configs,
    }
}

/// Run every gate on its own thread within its deadline; results in gate order.
fn run_all(gates: &[Box<dyn Gate>], ctx: &GateContext<'_>) -> Vec<(GateReport, Extras)> {
    let budgets: Vec<Budget> = gates.iter().map(|g| Budget::new(g.timeout())).collect();
    let budgets = &budgets;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let handles: Vec<_> = gates
            .iter()
            .zip(budgets)
            .enumerate()
            .map(|(index, (gate, budget))| {
                let tx = tx.clone();
                scope.spawn(move || {
                    let result = budget.enter(|| run_one(gate.as_ref(), ctx));
                    // The engine waits for every gate: the receiver is there.
                    let _ = tx.send((index, result));
                })
            })
            .collect();
        drop(tx);
        let mut results: Vec<Option<(GateReport, Extras)>> = gates.iter().map(|_| None).collect();
        let mut pending = gates.len();
        while pending > 0 {
            let next = budgets
                .iter()
                .zip(&results)
                .filter(|(b, r)| r.is_none() && !b.expired())
                .map(|(b, _)| b.deadline())
                .min();
            let received = match next {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Ok((index, (report, extras))) => {
                    let budget = &budgets[index];
                    let gate = gates[index].as_ref();
                    let on_time = !budget.expired() && Instant::now() <= budget.deadline();
                    results[index] = Some(if on_time {
                        (report, extras)
                    } else {
                        budget.expire();
                        (late(gate, budget, &report), Extras::default())
                    });
                    pending -= 1;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    for ((budget, gate), result) in budgets.iter().zip(gates).zip(&results) {
                        if result.is_none() && !budget.expired() && budget.deadline() <= now {
                            tracing::warn!(
                                gate = gate.name(),
                                "the gate did not finish within {}; stopping the processes it started",
                                humantime::format_duration(budget.timeout())
                            );
                            budget.expire();
                        }
                    }
                }
                // Every sender is gone: a gate thread died outside `catch_unwind`.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        handles
            .into_iter()
            .zip(gates)
            .zip(results)
            .map(|((handle, gate), result)| {
                let joined = handle.join();
                result.unwrap_or_else(|| {
                    let why = if joined.is_err() {
                        "the gate's thread panicked"
                    } else {
                        "the gate's thread ended without a report"
                    };
                    (panicked(gate.as_ref(), why), Extras::default())
                })
            })
            .collect()
    })
}

/// The report of a gate that finished after its deadline: an error that blocks, whatever
/// it concluded late.
fn late(gate: &dyn Gate, budget: &Budget, report: &GateReport) -> GateReport {
    let mut reason = format!(
        "gate `{}` did not finish within {}; the processes it started were stopped (raise `timeout` in its table if it needs longer)",
        gate.name(),
        humantime::format_duration(budget.timeout())
    );
    if let Some(error) = &report.error {
        reason.push_str(&format!("; it reported: {error}"));
    }
    let mut late = GateReport::errored(gate.name(), reason);
    late.required = gate.required();
    late.duration_ms = report.duration_ms;
    late
}

/// What a gate reports beside its findings and evidence.
#[derive(Default)]
struct Extras {
    subjects: Vec<Subject>,
    sbom: Option<Evidence>,
    configs: Vec<Evidence>,
}

/// Run one gate, turning an error or a panic into an `Error` report (which blocks).
fn run_one(gate: &dyn Gate, ctx: &GateContext<'_>) -> (GateReport, Extras) {
    let started = Instant::now();
    let _span = tracing::info_span!("gate", name = gate.name()).entered();
    let outcome = catch_unwind(AssertUnwindSafe(|| gate.evaluate(ctx)));
    let (mut report, extras) = match outcome {
        Ok(Ok(GateResult {
            findings,
            evidence,
            subjects,
            counts,
            sbom,
            configs,
        })) => {
            let mut report = GateReport::from_findings(gate.name(), findings, evidence);
            report.counts = counts;
            (
                report,
                Extras {
                    subjects,
                    sbom,
                    configs,
                },
            )
        }
        Ok(Err(reason)) => {
            tracing::warn!(gate = gate.name(), %reason, "gate could not evaluate");
            (GateReport::errored(gate.name(), reason), Extras::default())
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            (panicked(gate, &message), Extras::default())
        }
    };
    report.required = gate.required();
    report.duration_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        gate = gate.name(),
        outcome = report.outcome.as_str(),
        ms = report.duration_ms,
        "gate done"
    );
    (report, extras)
}

fn panicked(gate: &dyn Gate, message: &str) -> GateReport {
    let mut report = GateReport::errored(gate.name(), format!("the gate panicked: {message}"));
    report.required = gate.required();
    report
}

/// When no gate identified the artifacts, every file in the release directory is one
/// (signatures excepted).
fn subjects_from_listing(release: &Path, digests: &DigestCache) -> (Vec<Subject>, Vec<String>) {
    let dir = match ReleaseDir::open(release) {
        Ok(dir) => dir,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!(
                    "cannot open release directory {}: {e}",
                    release.display()
                )],
            );
        }
    };
    let names = match dir.list() {
        Ok(names) => names,
        Err(e) => {
            return (
                Vec::new(),
                vec![format!(
                    "cannot list release directory {}: {e}",
                    release.display()
                )],
            );
        }
    };
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| !n.ends_with(".minisig"))
        .collect();
    let mut errors = Vec::new();
    // Special files and symlinks leaving the release are never read: they block instead.
    let (names, paths): (Vec<String>, Vec<_>) = names
        .into_iter()
        .filter_map(|n| match dir.path_of(&n) {
            Ok(path) => Some((n, path)),
            Err(why) => {
                errors.push(format!("release file {why}, so it is not read"));
                None
            }
        })
        .unzip();
    let mut subjects = Vec::new();
    for (name, digest) in names.into_iter().zip(digests.digest_all(&paths)) {
        match digest {
            Ok(d) => subjects.push(Subject {
                name,
                sha256: d.hex(),
            }),
            Err(e) => errors.push(format!("cannot hash release file {name}: {e}")),
        }
    }
    (subjects, errors)
}

#[cfg(test)]
mod tests;

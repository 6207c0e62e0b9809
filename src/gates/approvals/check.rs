//! The approvals decision, apart from reading anything: given the release's subjects, the
//! ledger's proposals and approvals, the policy and the clock, which findings block.

use super::config::{Config, Role};
use crate::approvals::read::{Changes, Record};
use crate::approvals::statement::{CHANGE_LOG, ROLLBACK_PLAN};
use crate::approvals::{ApprovalStatement, Choice, ProposalStatement};
use crate::gates::GateResult;
use crate::keys::TrustedKey;
use crate::ledger::entry::BlobRef;
use crate::report::{Evidence, Finding, Subject};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use time::OffsetDateTime;

/// What the decision looks at.
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub environment: &'a str,
    /// The release's subjects (from its sums file), sorted.
    pub subjects: &'a [Subject],
    pub changes: &'a Changes,
    pub now: OffsetDateTime,
    /// `[trust] verdict_keys`: never an approver.
    pub verdict_keys: &'a [TrustedKey],
    /// Whether the ledger holds this blob (attachments).
    pub has_blob: &'a dyn Fn(&BlobRef) -> bool,
    /// Counting key revocations: an approval by a revoked key counts only when the ledger
    /// logged it before the key's cutoff.
    pub revocations: &'a crate::ledger::revocation::Revocations,
}

/// Decide: the findings, evidence and counts of the gate.
pub fn run(inputs: &Inputs<'_>) -> GateResult {
    let mut out = GateResult::default();
    for refused in &inputs.changes.refused {
        out.findings.push(
            Finding::warning(
                "approval.invalid-record",
                format!(
                    "ledger entry {} ({}) counts for nothing: {}",
                    refused.id.seq,
                    refused.kind.as_str(),
                    refused.why
                ),
            )
            .subject(refused.id.seq.to_string())
            .hint("investigate: run `tollgate audit verify` on the store"),
        );
    }
    let wanted: BTreeSet<&Subject> = inputs.subjects.iter().collect();
    let candidates: Vec<&Record<ProposalStatement>> = inputs
        .changes
        .proposals
        .iter()
        .filter(|p| p.statement.subjects.iter().collect::<BTreeSet<_>>() == wanted)
        .collect();
    if candidates.is_empty() {
        let others = inputs.changes.proposals.len();
        out.findings.push(
            Finding::error(
                "approval.no-proposal",
                format!(
                    "no proposal for {} binds exactly this release's {} subjects ({}){}",
                    inputs.environment,
                    inputs.subjects.len(),
                    names(inputs.subjects),
                    if others > 0 {
                        format!("; {others} other proposal(s) bind other subjects")
                    } else {
                        String::new()
                    }
                ),
            )
            .hint(format!(
                "propose the change: tollgate propose --environment {} --category ops --summary ... --rollback-plan FILE --release DIR --key KEY",
                inputs.environment
            )),
        );
        return out;
    }
    // The newest proposal for these subjects decides: proposing again supersedes (and
    // restarts the review window); an older proposal's approvals never carry over, so a
    // rejected proposal cannot be bypassed by an earlier approved one.
    let newest = candidates
        .iter()
        .max_by_key(|p| p.id.seq)
        .expect("candidates is not empty");
    let result = proposal(inputs, newest);
    out.findings.extend(result.findings);
    out.evidence.extend(result.evidence);
    out.counts.extend(result.counts);
    out
}

/// Every check of one proposal.
fn proposal(inputs: &Inputs<'_>, p: &Record<ProposalStatement>) -> GateResult {
    let mut out = GateResult::default();
    let id = p.id.to_string();
    let seq = p.id.seq;
    out.evidence.push(entry_evidence("proposal", p));
    let category = p.statement.category;
    let at = |f: Finding| f.subject(id.clone());
    if inputs.config.frozen.contains(&category) {
        out.findings.push(at(Finding::error(
            "approval.frozen-category",
            format!(
                "proposal {seq} is a {category} change, and the policy freezes {category} changes (`frozen`)"
            ),
        ))
        .hint("no approval lifts a frozen category: change the policy's `frozen` list when the phase ends"));
        return out;
    }
    let Some(roles) = inputs.config.roles.get(&category) else {
        out.findings.push(at(Finding::error(
            "approval.category-unconfigured",
            format!("proposal {seq} is a {category} change, and the policy names no approvers for {category} changes"),
        ))
        .hint(format!("add [gates.approvals.{category}.ROLE] with keys and min, or propose it under the right category")));
        return out;
    };
    attachments(inputs, p, &mut out);
    timing(inputs, p, &mut out);
    let approved = tally(inputs, p, roles, &mut out);
    for role in roles {
        let keys = approved.get(&role.name).cloned().unwrap_or_default();
        out.counts
            .insert(format!("approvals.{}", role.name), keys.len() as u64);
        if keys.len() < role.min {
            let by = if keys.is_empty() {
                "none".to_owned()
            } else {
                format!("by key {}", keys.into_iter().collect::<Vec<_>>().join(", "))
            };
            let trusted: Vec<String> = role.keys.iter().map(|k| k.key_id.to_string()).collect();
            out.findings.push(
                Finding::error(
                    "approval.insufficient",
                    format!(
                        "role {}: {} of the {} required approvals of proposal {seq} ({by}); trusted keys: {}",
                        role.name,
                        approved.get(&role.name).map_or(0, BTreeSet::len),
                        role.min,
                        trusted.join(", ")
                    ),
                )
                .subject(role.name.clone())
                .hint(format!("tollgate approve {id} --role {} --key KEY", role.name)),
            );
        }
    }
    out
}

/// The rollback plan (and change log, when named) must be stored with the proposal.
fn attachments(inputs: &Inputs<'_>, p: &Record<ProposalStatement>, out: &mut GateResult) {
    let seq = p.id.seq;
    let plan = &p.statement.rollback_plan;
    let stored = p
        .attachments
        .get(ROLLBACK_PLAN)
        .filter(|blob| blob.sha256 == plan.sha256 && (inputs.has_blob)(blob));
    match stored {
        Some(blob) if plan.size > 0 => out.evidence.push(Evidence {
            path: format!("ledger blob {} (rollback plan {})", blob.sha256, plan.name),
            sha256: blob.sha256.clone(),
            size: blob.size,
        }),
        _ => out.findings.push(
            Finding::error(
                "approval.rollback-plan-missing",
                format!(
                    "proposal {seq}: its rollback plan ({}, sha256 {}) is not stored in the ledger",
                    plan.name, plan.sha256
                ),
            )
            .subject(p.id.to_string())
            .hint("propose again with --rollback-plan FILE"),
        ),
    }
    if let Some(log) = &p.statement.change_log {
        let stored = p
            .attachments
            .get(CHANGE_LOG)
            .filter(|blob| blob.sha256 == log.sha256 && (inputs.has_blob)(blob));
        match stored {
            Some(blob) => out.evidence.push(Evidence {
                path: format!("ledger blob {} (change log {})", blob.sha256, log.name),
                sha256: blob.sha256.clone(),
                size: blob.size,
            }),
            None => out.findings.push(
                Finding::error(
                    "approval.change-log-missing",
                    format!(
                        "proposal {seq}: the change log it names ({}, sha256 {}) is not stored in the ledger",
                        log.name, log.sha256
                    ),
                )
                .subject(p.id.to_string())
                .hint("propose again with --change-log FILE"),
            ),
        }
    }
}

/// The review window must have passed, and the proposal must not be stale (ledger times).
fn timing(inputs: &Inputs<'_>, p: &Record<ProposalStatement>, out: &mut GateResult) {
    let seq = p.id.seq;
    let config = inputs.config;
    let closes = p.time + config.review_window;
    if inputs.now < closes {
        let left = (closes - inputs.now).unsigned_abs();
        out.findings.push(
            Finding::error(
                "approval.window-open",
                format!(
                    "proposal {seq} was recorded at {}; its {} review window ends at {}, in {}",
                    crate::verdict::rfc3339(p.time),
                    span(config.review_window),
                    crate::verdict::rfc3339(closes),
                    humantime::format_duration(minutes_up(left))
                ),
            )
            .subject(p.id.to_string())
            .hint(format!(
                "evaluate again after {}",
                crate::verdict::rfc3339(closes)
            )),
        );
    }
    let stale = p.time + config.max_age;
    if inputs.now > stale {
        out.findings.push(
            Finding::error(
                "approval.stale",
                format!(
                    "proposal {seq} was recorded at {}, more than {} ago (stale since {})",
                    crate::verdict::rfc3339(p.time),
                    span(config.max_age),
                    crate::verdict::rfc3339(stale)
                ),
            )
            .subject(p.id.to_string())
            .hint("propose the change again and collect fresh approvals"),
        );
    }
}

/// Count approvals of `p` per role by distinct trusted keys; report those that do not count
/// and those that block (rejections, separation of duties).
fn tally(
    inputs: &Inputs<'_>,
    p: &Record<ProposalStatement>,
    roles: &[Role],
    out: &mut GateResult,
) -> BTreeMap<String, BTreeSet<String>> {
    let id = p.id.to_string();
    let seq = p.id.seq;
    let mut approved: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut blamed: BTreeSet<(String, &str)> = BTreeSet::new();
    for a in inputs
        .changes
        .approvals
        .iter()
        .filter(|a| a.statement.proposal == id)
    {
        let s: &ApprovalStatement = &a.statement;
        let key = a.key_id.to_string();
        let not_counted = |why: String| {
            Finding::warning(
                "approval.not-counted",
                format!(
                    "the {} of proposal {seq} in ledger entry {} (key {key}, role {}) does not count: {why}",
                    s.decision.as_str(),
                    a.id.seq,
                    s.role
                ),
            )
            .subject(s.role.clone())
        };
        if a.time > inputs.now {
            out.findings.push(not_counted(format!(
                "it was recorded at {}, after this evaluation's time",
                crate::verdict::rfc3339(a.time)
            )));
            continue;
        }
        if a.time < p.time
            || s.subjects != p.statement.subjects
            || s.category != p.statement.category
        {
            out.findings.push(not_counted(
                "it is for other subjects or another category than the proposal".to_owned(),
            ));
            continue;
        }
        let Some(role) = roles.iter().find(|r| r.name == s.role) else {
            out.findings.push(not_counted(format!(
                "the policy requires no role {:?} for {} changes",
                s.role, p.statement.category
            )));
            continue;
        };
        if !role.keys.iter().any(|k| k.key_id == a.key_id) {
            out.findings.push(not_counted(format!(
                "key {key} is not trusted for role {}",
                role.name
            )));
            continue;
        }
        if let Err(revoked) = inputs
            .revocations
            .check(&a.key_id, Some(&crate::verdict::rfc3339(a.time)))
        {
            out.findings.push(not_counted(revoked.to_string()));
            continue;
        }
        out.evidence.push(entry_evidence(s.decision.as_str(), a));
        if a.key_id == p.key_id {
            if blamed.insert((key.clone(), "self")) {
                out.findings.push(
                    Finding::error(
                        "approval.self-approval",
                        format!(
                            "key {key} signed proposal {seq} and also its {} as {} (ledger entry {}); a proposer's own approval does not count",
                            s.decision.as_str(),
                            s.role,
                            a.id.seq
                        ),
                    )
                    .subject(s.role.clone())
                    .hint("another approver of the role must review it; the proposer may not"),
                );
            }
            continue;
        }
        if inputs.verdict_keys.iter().any(|k| k.key_id == a.key_id) {
            if blamed.insert((key.clone(), "verdict")) {
                out.findings.push(
                    Finding::error(
                        "approval.verdict-key",
                        format!(
                            "key {key} approved proposal {seq} as {} (ledger entry {}), but it is a `[trust] verdict_keys` key; it does not count",
                            s.role,
                            a.id.seq
                        ),
                    )
                    .subject(s.role.clone())
                    .hint("an approver needs a key of their own, not the one that signs verdicts"),
                );
            }
            continue;
        }
        match s.decision {
            Choice::Reject => out.findings.push(
                Finding::error(
                    "approval.rejected",
                    format!(
                        "key {key} rejected proposal {seq} as {} (ledger entry {}): {}",
                        s.role,
                        a.id.seq,
                        s.reason.as_deref().unwrap_or("no reason given")
                    ),
                )
                .subject(s.role.clone())
                .hint("address the rejection and propose the change again"),
            ),
            Choice::Approve => {
                approved.entry(role.name.clone()).or_default().insert(key);
            }
        }
    }
    approved
}

fn entry_evidence<S>(what: &str, record: &Record<S>) -> Evidence {
    Evidence {
        path: format!("ledger entry {} ({what})", record.id),
        sha256: record.id.sha256.clone(),
        size: record.size,
    }
}

fn names(subjects: &[Subject]) -> String {
    let mut names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
    if names.len() > 5 {
        let more = names.len() - 4;
        names.truncate(4);
        return format!("{}, and {more} more", names.join(", "));
    }
    names.join(", ")
}

/// A policy duration as people write it: whole hours as `24h`, not humantime's `1day`.
fn span(d: Duration) -> String {
    if d.as_secs().is_multiple_of(3600) {
        format!("{}h", d.as_secs() / 3600)
    } else {
        humantime::format_duration(d).to_string()
    }
}

/// Round a time left up to whole minutes (never says "0s" while time remains).
fn minutes_up(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs().div_ceil(60) * 60)
}

//! The drills gate: the newest passing drill of every required kind is recent enough and
//! met its recovery-time objective, per a drill log that operators append to.

pub mod config;
pub mod init;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::drills::{DrillResult, ValidEntry, signed_bytes};
use crate::minisig::{Check, SignatureFile};
use crate::report::{Evidence, Finding};
use config::Requirement;
use std::time::Duration;
use time::OffsetDateTime;

pub const NAME: &str = "drills";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str =
    "the newest passing restore / key-rotation / ... drill is recent enough and met its RTO";

/// Clock skew tolerated before an entry counts as dated in the future.
const SKEW: Duration = Duration::from_secs(300);

pub struct DrillsGate {
    config: Config,
}

impl DrillsGate {
    pub fn new(config: Config) -> Self {
        DrillsGate { config }
    }
}

impl Gate for DrillsGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let (entries, bytes) = crate::drills::read(&self.config.log).map_err(|e| e.to_string())?;
        let log_name = self.config.log.to_string_lossy().into_owned();
        let mut out = GateResult {
            evidence: vec![Evidence {
                path: log_name.clone(),
                sha256: crate::digest::sha256_hex(&bytes),
                size: bytes.len() as u64,
            }],
            ..GateResult::default()
        };
        let revocations = crate::ledger::revocation::Revocations::of_ledger(
            ctx.store,
            &ctx.policy.trust.ops_keys,
        )?;
        let trusted =
            self.trusted_entries(entries, ctx.now, &log_name, &revocations, &mut out.findings);
        for requirement in &self.config.requirements {
            let of_kind: Vec<&ValidEntry> = trusted
                .iter()
                .filter(|e| e.entry.kind == requirement.kind)
                .collect();
            check_kind(requirement, &of_kind, ctx.now, &log_name, &mut out.findings);
        }
        Ok(out)
    }
}

impl DrillsGate {
    /// Entries that count: dated no later than now, and signed by an operator key when the
    /// policy names any. The others are reported and ignored.
    fn trusted_entries(
        &self,
        entries: Vec<ValidEntry>,
        now: OffsetDateTime,
        log: &str,
        revocations: &crate::ledger::revocation::Revocations,
        findings: &mut Vec<Finding>,
    ) -> Vec<ValidEntry> {
        let keys = &self.config.operator_keys;
        let mut trusted = Vec::new();
        for e in entries {
            let at = |f: Finding| f.subject(&e.entry.kind).at(log, Some(e.line as u64));
            if e.finished_at > now + SKEW {
                findings.push(at(Finding::warning(
                    "drill.future-entry",
                    format!(
                        "line {}: {} drill finished at {}, in the future; ignored",
                        e.line, e.entry.kind, e.entry.finished_at
                    ),
                )));
                continue;
            }
            if !keys.is_empty() {
                let check = match &e.entry.signature {
                    None => {
                        findings.push(at(Finding::warning(
                            "drill.unsigned",
                            format!("line {}: {} drill by {} is not signed by an operator key; ignored", e.line, e.entry.kind, e.entry.operator),
                        ))
                        .hint("record drills with `tollgate drill record --key OPERATOR.key`"));
                        continue;
                    }
                    Some(text) => SignatureFile::parse(text)
                        .map(|sig| sig.check_bytes(keys, &signed_bytes(&e.entry), false)),
                };
                if !matches!(check, Ok(Check::Valid)) {
                    let why = match check {
                        Ok(Check::UntrustedKey(id)) => {
                            format!("signed by key {id}, which is not an operator key")
                        }
                        Ok(_) => "the signature does not match the entry (edited after signing?)"
                            .to_owned(),
                        Err(e) => format!("the signature cannot be read: {e}"),
                    };
                    findings.push(at(Finding::error(
                        "drill.bad-signature",
                        format!("line {}: {} drill by {}: {why}; ignored", e.line, e.entry.kind, e.entry.operator),
                    ))
                    .hint("a drill log entry that fails its signature may have been tampered with: investigate"));
                    continue;
                }
                // The log is not the ledger: a drill signed by a revoked key never counts,
                // whatever time it claims.
                if let Err(revoked) = revocations.check_signer(e.entry.signature.as_deref()) {
                    findings.push(
                        at(Finding::error(
                            "drill.revoked-key",
                            format!(
                                "line {}: {} drill by {}: {revoked}; ignored",
                                e.line, e.entry.kind, e.entry.operator
                            ),
                        ))
                        .hint(
                            "record the drill again, signed with the operator key that replaced it",
                        ),
                    );
                    continue;
                }
            }
            trusted.push(e);
        }
        trusted
    }
}

fn check_kind(
    req: &Requirement,
    entries: &[&ValidEntry],
    now: OffsetDateTime,
    log: &str,
    findings: &mut Vec<Finding>,
) {
    let kind = &req.kind;
    let last_pass = entries
        .iter()
        .filter(|e| e.entry.result == DrillResult::Pass)
        .max_by_key(|e| e.finished_at);
    let Some(pass) = last_pass else {
        let message = if entries.is_empty() {
            format!("no {kind} drill has been recorded")
        } else {
            format!(
                "no {kind} drill has passed ({} recorded, all failed)",
                entries.len()
            )
        };
        findings.push(
            Finding::error("drill.missing", message)
                .subject(kind)
                .at(log, None)
                .hint(format!(
                    "run a {kind} drill and record it with `tollgate drill record --kind {kind}`"
                )),
        );
        return;
    };
    let at = |f: Finding| f.subject(kind).at(log, Some(pass.line as u64));
    let age = now - pass.finished_at;
    if age > req.max_age {
        findings.push(
            at(Finding::error(
                "drill.stale",
                format!(
                    "the last passing {kind} drill finished {} ago ({}); the policy allows {}",
                    humantime::format_duration(round(age.unsigned_abs())),
                    pass.entry.finished_at,
                    humantime::format_duration(req.max_age)
                ),
            ))
            .hint(format!("run a {kind} drill")),
        );
    }
    if let Some(max_rto) = req.max_rto
        && pass.rto > max_rto
    {
        findings.push(
            at(Finding::error(
                "drill.rto-exceeded",
                format!(
                    "the last passing {kind} drill recovered in {}; the objective is {}",
                    humantime::format_duration(pass.rto),
                    humantime::format_duration(max_rto)
                ),
            ))
            .hint("fix what made recovery slow, then drill again"),
        );
    }
    for failed in entries
        .iter()
        .filter(|e| e.entry.result == DrillResult::Fail && e.finished_at > pass.finished_at)
    {
        findings.push(
            Finding::warning(
                "drill.failed-since",
                format!(
                    "a {kind} drill failed at {}, after the last pass",
                    failed.entry.finished_at
                ),
            )
            .subject(kind)
            .at(log, Some(failed.line as u64)),
        );
    }
}

/// Whole minutes are precise enough for an age, and much easier to read.
fn round(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() / 60 * 60)
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(DrillsGate::new(config))
}

/// Whether `audit replay` can re-run this gate from the ledger alone (see
/// `crate::ledger::replay::rules`).
pub fn replayable(
    stored: Option<&crate::report::GateReport>,
    facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    crate::ledger::replay::rules::evidence_complete(NAME, stored, facts)
}

#[cfg(test)]
mod tests;

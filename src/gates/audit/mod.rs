//! The audit gate: reads cargo-audit, cargo-deny and osv-scanner reports (or runs
//! `cargo audit` itself), normalises every advisory, and blocks on those the policy does not
//! accept. Reports must be fresh and, for cargo-audit, about the release's own lockfile.

mod advisory;
mod checks;
pub mod config;
mod findings;
pub(crate) mod formats;
pub mod init;
mod rating;
mod run;
mod sources;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::digest::sha256_hex;
use crate::report::Evidence;
use formats::{Format, Unreadable};

pub const NAME: &str = "audit";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "cargo-audit, cargo-deny and osv-scanner reports (or a cargo audit run): no advisory at or above the threshold without a waiver; reports fresh and for the release's Cargo.lock";

pub struct AuditGate {
    config: Config,
}

impl AuditGate {
    pub fn new(config: Config) -> Self {
        AuditGate { config }
    }
}

impl Gate for AuditGate {
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
        let config = &self.config;
        let mut out = GateResult::default();
        let mut advisories = Vec::new();
        let mut lock: Option<Vec<(String, String)>> = None;
        let undated = config::Undated::effective(config.undated, ctx.policy.environment);
        for source in sources::gather(config, ctx)? {
            out.evidence.push(Evidence {
                path: source.name.clone(),
                sha256: sha256_hex(&source.bytes),
                size: source.bytes.len() as u64,
            });
            let (format, parsed) = formats::parse(&source.bytes).map_err(|e| match e {
                Unreadable::Empty => format!(
                    "audit report `{}` is empty; an audit that produced nothing proves nothing: re-run it and publish its JSON output",
                    source.name
                ),
                Unreadable::Unrecognised(why) => format!(
                    "audit report `{}` is not a report tollgate can read: {why}; expected cargo-audit JSON \
                     (`cargo audit --json`), cargo-deny JSON lines (`cargo deny --format json check advisories`) \
                     or osv-scanner JSON (`osv-scanner --format json`)",
                    source.name
                ),
            })?;
            tracing::debug!(report = %source.name, %format, advisories = parsed.advisories.len(), "read audit report");
            out.findings.extend(checks::freshness(
                &source,
                format,
                &parsed,
                ctx.now,
                config.max_age,
                undated,
            )?);
            out.findings.extend(checks::empty(&source, format, &parsed));
            if matches!(format, Format::CargoAudit | Format::OsvScanner) {
                let packages = match &lock {
                    Some(packages) => packages,
                    None => {
                        let path = ctx.repo.join(&config.lockfile);
                        let (packages, bytes) = checks::read_lock(&path)?;
                        out.evidence.push(Evidence {
                            path: path.display().to_string(),
                            sha256: sha256_hex(&bytes),
                            size: bytes.len() as u64,
                        });
                        lock.insert(packages)
                    }
                };
                let lock_name = config.lockfile.display().to_string();
                if format == Format::CargoAudit {
                    out.findings.extend(checks::lockfile(
                        &source,
                        &parsed,
                        packages.len(),
                        &lock_name,
                    ));
                } else {
                    out.findings
                        .extend(checks::osv_binding(&source, &parsed, packages, &lock_name));
                }
            }
            out.findings.extend(checks::tool_findings(&source, &parsed));
            advisories.extend(
                parsed
                    .advisories
                    .into_iter()
                    .map(|a| (a, source.name.clone())),
            );
        }
        for reported in findings::merge(advisories) {
            out.findings.push(findings::finding(&reported, config));
        }
        out.evidence.sort();
        Ok(out)
    }
}

/// Whether a report dates itself (its age comes from its own timestamp, not from the file's
/// modification time); `audit replay` re-runs this gate from stored bytes only then. A report
/// that does not parse counts as dated: the gate stops at the parse, before any age matters.
pub fn dates_itself(bytes: &[u8]) -> bool {
    !matches!(formats::parse(bytes), Ok((_, parsed)) if parsed.generated_at.is_none())
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(AuditGate::new(config))
}

/// Whether `audit replay` can re-run this gate from the ledger alone (see
/// `crate::ledger::replay::rules`).
pub fn replayable(
    stored: Option<&crate::report::GateReport>,
    facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    crate::ledger::replay::rules::audit(stored, facts)
}

#[cfg(test)]
mod tests;

//! The snapshots gate: recent full and state snapshots, kept off the node for the retention
//! window with complete metadata and matching checksums, and a restore drill that restored
//! one (continuity), per the snapshot log operators append to.

mod checks;
pub mod config;
pub mod init;
mod trust;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::report::Evidence;

pub const NAME: &str = "snapshots";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "recent full and state snapshots, off-node, kept for the retention window, checksums and restore continuity";

pub struct SnapshotsGate {
    config: Config,
}

impl Gate for SnapshotsGate {
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
        let (entries, bytes) = crate::snapshots::read(&config.log).map_err(|e| e.to_string())?;
        let log = config.log.to_string_lossy().into_owned();
        let mut out = GateResult {
            evidence: vec![Evidence {
                path: log.clone(),
                sha256: crate::digest::sha256_hex(&bytes),
                size: bytes.len() as u64,
            }],
            ..GateResult::default()
        };
        let revocations = crate::ledger::revocation::Revocations::of_ledger(
            ctx.store,
            &ctx.policy.trust.ops_keys,
        )?;
        let trusted = trust::trusted(
            entries,
            &config.operator_keys,
            &revocations,
            ctx.now,
            &log,
            &mut out.findings,
        );
        let usable = checks::usable(config, &trusted, ctx.now, &log, &mut out.findings);
        checks::fresh(config, &usable, ctx.now, &log, &mut out.findings);
        checks::retention(config, &usable, ctx.now, &log, &mut out.findings);
        if config.verify_local {
            checks::verify_local(config, &usable, &log, &mut out);
        }
        if let Some(drill_log) = &config.drill_log {
            checks::continuity(config, drill_log, &usable, ctx.now, &mut out)?;
        }
        Ok(out)
    }
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(SnapshotsGate { config })
}

/// Whether `audit replay` can re-run this gate from the ledger alone.
pub fn replayable(
    stored: Option<&crate::report::GateReport>,
    facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    crate::ledger::replay::rules::evidence_complete(NAME, stored, facts)
}

#[cfg(test)]
mod tests;

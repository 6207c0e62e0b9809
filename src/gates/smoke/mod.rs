//! The smoke gate: starts the release's node from a smoke spec on loopback, drives it, restarts
//! it, and blocks when it is not ready in time, a step fails, its tip changes across the
//! restart, it exits early or does not stop in time. Node logs are kept as evidence.

pub mod config;
mod findings;
pub mod init;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::report::Evidence;

pub const NAME: &str = "smoke";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "the node starts on loopback from a smoke spec, becomes ready in time, answers every step, keeps its tip across a restart and stops cleanly; logs kept as evidence";

pub struct SmokeGate {
    config: Config,
}

impl SmokeGate {
    pub fn new(config: Config) -> Self {
        SmokeGate { config }
    }
}

impl Gate for SmokeGate {
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
        let spec = &self.config.spec;
        // The keeper is a subcommand of the tollgate binary running this gate.
        let keeper = std::env::current_exe()
            .map_err(|e| format!("cannot locate the tollgate binary for the node keeper: {e}"))?;
        let out = ctx.out.join("smoke");
        let report = crate::smoke::run(
            spec,
            &crate::smoke::RunContext {
                out: &out,
                release: ctx.release,
                keeper: &keeper,
            },
        )?;
        let spec_name = spec.path.to_string_lossy().into_owned();
        let mut result = GateResult {
            evidence: vec![Evidence {
                path: spec_name.clone(),
                sha256: spec.sha256.clone(),
                size: spec.size,
            }],
            ..GateResult::default()
        };
        for log in &report.logs {
            // A log that cannot be read back is evidence lost: the gate cannot vouch for the run.
            let bytes = std::fs::read(log)
                .map_err(|e| format!("cannot read the node log {}: {e}", log.display()))?;
            result.evidence.push(Evidence {
                path: log.to_string_lossy().into_owned(),
                sha256: crate::digest::sha256_hex(&bytes),
                size: bytes.len() as u64,
            });
        }
        result
            .counts
            .insert("smoke_steps_passed".into(), report.steps_passed);
        result
            .counts
            .insert("smoke_node_starts".into(), report.starts);
        result.findings = report
            .problems
            .iter()
            .map(|p| findings::finding(p, &spec_name))
            .collect();
        Ok(result)
    }
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(SmokeGate::new(config))
}

/// Whether `audit replay` can re-run this gate from the ledger alone (see
/// `crate::ledger::replay::rules`).
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err("it drives a live node, which no ledger can store".to_owned())
}

#[cfg(test)]
mod tests;

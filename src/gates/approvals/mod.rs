//! The approvals gate: the newest proposal binding exactly this release's subjects has
//! passed its review window, is not stale, carries its rollback plan, and has k-of-n
//! approvals by distinct trusted keys for every role its category requires, with no
//! rejection and no approval by the proposer or a verdict key. Proposals and approvals are
//! signed ledger entries (`tollgate propose`, `tollgate approve`); times are ledger times.

mod check;
pub mod config;
pub mod init;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::ledger::entry::blob_key;
use crate::ledger::store::Store;
use crate::ledger::{Mode, open};

pub const NAME: &str = "approvals";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "a proposal binds the release; k-of-n trusted approvals per role after the review window, none rejected";

/// The sums file when neither this gate nor the signatures gate names one.
const DEFAULT_SUMS: &str = "SHA256SUMS";

pub struct ApprovalsGate {
    config: Config,
}

impl Gate for ApprovalsGate {
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
        let sums = self
            .config
            .sums
            .clone()
            .or_else(|| {
                let signatures = ctx.policy.gates.signatures.as_ref()?;
                Some(signatures.sums.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| DEFAULT_SUMS.to_owned());
        let subjects = crate::approvals::subjects::from_sums(ctx.release, &sums).map_err(|e| {
            format!("{e}; set `sums` in [gates.approvals] if the release names it otherwise")
        })?;
        let opened;
        let store: &dyn Store = match (&self.config.store, ctx.store) {
            (Some(location), _) => {
                opened = open(location, std::path::Path::new("."), Mode::Existing)
                    .map_err(|e| format!("`store` in [gates.approvals]: {e}"))?;
                opened.as_ref()
            }
            (None, Some(store)) => store,
            (None, None) => {
                return Err(
                    "no ledger to read proposals and approvals from: set `store` in [gates.approvals] or run `tollgate evaluate --store`"
                        .to_owned(),
                );
            }
        };
        let environment = ctx.policy.environment.as_str();
        let changes = crate::approvals::read::changes(store, environment).map_err(|e| {
            format!(
                "cannot read proposals and approvals from {}: {e}",
                store.location()
            )
        })?;
        let has_blob = |blob: &crate::ledger::entry::BlobRef| matches!(store.get(&blob_key(&blob.sha256)), Ok(Some(bytes)) if crate::digest::sha256_hex(&bytes) == blob.sha256);
        let revocations =
            crate::ledger::revocation::Revocations::from_store(store, &ctx.policy.trust.ops_keys)
                .map_err(|e| format!("cannot read the ledger's key revocations: {e}"))?;
        Ok(check::run(&check::Inputs {
            config: &self.config,
            environment,
            subjects: &subjects,
            changes: &changes,
            now: ctx.now,
            verdict_keys: &ctx.policy.trust.verdict_keys,
            has_blob: &has_blob,
            revocations: &revocations,
        }))
    }
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn Gate> {
    Box::new(ApprovalsGate { config })
}

/// Replay takes this gate's stored report: it read the ledger as it stood at the evaluation,
/// and later approvals would change the answer.
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err("it reads proposals and approvals from the ledger as it stood at the evaluation (later entries would change the answer)".to_owned())
}

#[cfg(test)]
mod tests;

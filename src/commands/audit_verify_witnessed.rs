//! `audit verify`'s witness demand (`--witness NAME=PUB`, `--min-witnesses K`, and the
//! `[trust] witnesses` of `--policy FILE`): the ledger must be consistent with a checkpoint
//! that many of those witnesses cosigned.

use super::CommandError;
use crate::cli::AuditVerifyArgs;
use crate::ledger::store::Store;
use crate::ledger::v2::witnessed::require;
use crate::witness::Witnesses;
use anyhow::anyhow;
use std::path::Path;

/// The witnesses demanded by the flags and the policy together (exit 2 on a bad one).
pub fn witnesses(args: &AuditVerifyArgs) -> Result<Witnesses, CommandError> {
    let mut witnesses = Witnesses::from_args(
        &args.witnesses.witnesses,
        args.witnesses.min_witnesses,
        Path::new("."),
    )
    .map_err(|e| CommandError::config(anyhow!(e)))?;
    if let Some(path) = &args.policy {
        let policy = crate::policy::load(path).map_err(CommandError::config)?;
        witnesses = witnesses
            .union(policy.trust.witnesses)
            .map_err(|e| CommandError::config(anyhow!("--policy {}: {e}", path.display())))?;
    }
    if witnesses.demanded() && args.bundle.is_some() {
        return Err(CommandError::config(anyhow!(
            "--witness and --policy witnesses need --store: a bundle carries no cosigned checkpoints"
        )));
    }
    Ok(witnesses)
}

/// The report's line: which checkpoint the witnesses cosigned (empty when none is
/// demanded), or why the demand fails.
pub fn check(store: &dyn Store, witnesses: &Witnesses) -> Result<String, String> {
    match require(store, witnesses) {
        Ok(None) if witnesses.demanded() => {
            Ok("witnesses: the ledger holds no records yet, nothing to cosign\n".to_owned())
        }
        Ok(None) => Ok(String::new()),
        Ok(Some(w)) => Ok(format!(
            "witnessed: the checkpoint of size {} (root {}) is cosigned by {} ({} demanded), and the current checkpoint (size {}) is consistent with it\n",
            w.size,
            w.root,
            w.cosigners.join(", "),
            witnesses.min,
            w.current_size
        )),
        Err(e) => Err(format!("WITNESSES: {e}\n")),
    }
}

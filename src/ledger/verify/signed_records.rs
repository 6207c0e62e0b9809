//! The signed-record half of `audit verify`: every deploy, rollback, proposal, approval and
//! revocation entry carries a statement signed by the public key it records, and the
//! signature must verify over the statement's canonical JSON. With `--ops-key`, deploys and
//! rollbacks signed by any other key are breaks (proposals and approvals are signed by the
//! people of their roles, which `audit verify` is not told).

use super::ops_signatures::Checked;
use crate::keys::TrustedKey;
use crate::ledger::entry::{Entry, Kind};
use crate::ledger::signed::verify_signature;
use std::collections::BTreeMap;

/// Check `entry`'s signed record; `loaded` holds its signature blob (read and re-hashed by
/// the caller). `Err` is the break's message.
pub(super) fn check(
    entry: &Entry,
    loaded: &BTreeMap<String, Vec<u8>>,
    ops_keys: &[TrustedKey],
) -> Result<Checked, String> {
    let kind = entry.kind.as_str();
    let Some(record) = &entry.record else {
        return Err(format!(
            "{kind} entry without a signed statement: tollgate writes only signed {kind} records"
        ));
    };
    // A missing or altered blob is already a break of its own (from the blob check).
    let Some(bytes) = loaded.get(&record.signature.sha256) else {
        return Ok(Checked::NotApplicable);
    };
    let text = String::from_utf8_lossy(bytes);
    let signer = verify_signature(&record.statement, &text, &record.public_key)
        .map_err(|e| format!("{kind}: {e}"))?;
    if record.statement.get("environment").and_then(|e| e.as_str())
        != Some(entry.environment.as_str())
        && matches!(entry.kind, Kind::Deploy | Kind::Rollback)
    {
        return Err(format!(
            "{kind}: the signed statement is for another environment than the entry's {}",
            entry.environment
        ));
    }
    if matches!(entry.kind, Kind::Deploy | Kind::Rollback)
        && !ops_keys.is_empty()
        && !ops_keys.iter().any(|k| k.key_id == signer)
    {
        let given: Vec<String> = ops_keys.iter().map(|k| k.key_id.to_string()).collect();
        return Err(format!(
            "{kind} signed by key {signer}, which is not among the --ops-key keys ({})",
            given.join(", ")
        ));
    }
    Ok(Checked::Verified)
}

/// Whether `entry` is a signed-record kind.
pub(super) fn applies(entry: &Entry) -> bool {
    matches!(
        entry.kind,
        Kind::Deploy | Kind::Rollback | Kind::Proposal | Kind::Approval | Kind::Revocation
    )
}

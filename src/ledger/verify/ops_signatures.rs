//! The ops half of `audit verify`'s signatures: every freeze and unfreeze must carry a
//! signature over its statement that verifies, and with `--ops-key` its signer must be one
//! of those keys. An unsigned one is a break even though evaluate reads it safely (an
//! unsigned freeze still blocks, an unsigned unfreeze lifts nothing): tollgate never writes
//! one, so it was written by an old version or by someone who can write the store.

use crate::keys::TrustedKey;
use crate::ledger::entry::Entry;
use crate::ledger::ops;
use std::collections::BTreeMap;
use std::path::Path;

/// What one entry's ops signature came to, when it is not a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Not a freeze or unfreeze.
    NotApplicable,
    Verified,
    /// Signed, but no key to check it with (an entry from before tollgate recorded the
    /// signer's public key, and no given key has its key id).
    Unchecked,
}

/// Check the freeze/unfreeze `entry`'s signature; `loaded` holds its signature blob (read
/// and re-hashed by the caller). `Err` is the break's message.
pub(super) fn check(
    entry: &Entry,
    loaded: &BTreeMap<String, Vec<u8>>,
    verdict_key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<Checked, String> {
    let kind = entry.kind.as_str();
    let (Some(record), Some(statement)) = (&entry.freeze, entry.freeze_statement()) else {
        return Err(format!("{kind} entry without a freeze record"));
    };
    let Some(blob) = &record.signature else {
        return Err(format!(
            "unsigned {kind} (by {}): tollgate writes only ops-signed freezes and unfreezes; \
             evaluate lets an unsigned unfreeze lift nothing (an unsigned freeze still blocks)",
            record.by
        ));
    };
    // A missing or altered blob is already a break of its own (from the blob check).
    let Some(bytes) = loaded.get(&blob.sha256) else {
        return Ok(Checked::NotApplicable);
    };
    let text = String::from_utf8_lossy(bytes);
    let signer = ops::signer_of(&text).map_err(|e| format!("{kind}: {e}"))?;
    let recorded = match &record.public_key {
        Some(public) => Some(
            TrustedKey::resolve(public, Path::new("."))
                .map_err(|e| format!("{kind}: its recorded public key is not usable: {e}"))?,
        ),
        None => None,
    };
    if let Some(recorded) = &recorded
        && recorded.key_id != signer
    {
        return Err(format!(
            "{kind}: signed by key {signer}, but the entry records public key {}",
            recorded.key_id
        ));
    }
    let key = if ops_keys.is_empty() {
        recorded
            .as_ref()
            .or(verdict_key.filter(|k| k.key_id == signer))
    } else {
        let found = ops_keys.iter().find(|k| k.key_id == signer);
        if found.is_none() {
            let given: Vec<String> = ops_keys.iter().map(|k| k.key_id.to_string()).collect();
            return Err(format!(
                "{kind} signed by key {signer}, which is not among the --ops-key keys ({})",
                given.join(", ")
            ));
        }
        found
    };
    let Some(key) = key else {
        return Ok(Checked::Unchecked);
    };
    ops::verify_with(&statement, &text, key).map_err(|e| format!("{kind}: {e}"))?;
    Ok(Checked::Verified)
}

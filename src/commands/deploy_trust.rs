//! Key revocations as `deploy record` and `rollback record` see them: the ledger's
//! revocations, judged against the `--ops-key` keys, refuse a revoked signer (the ops key
//! signing the entry now) and a verdict signed by a revoked key after its cutoff.

use super::{CommandError, Exit};
use crate::keys::{KeyId, TrustedKey};
use crate::ledger::revocation::{self, Revocations};
use crate::ledger::store::Store;
use anyhow::anyhow;
use std::path::Path;

/// The revocations that count in `store`, per the `--ops-key` keys. A ledger that holds
/// revocations with no `--ops-key` given is refused rather than ignored.
pub fn revocations(store: &dyn Store, ops_keys: &[String]) -> Result<Revocations, CommandError> {
    let keys = ops_keys
        .iter()
        .map(|k| {
            TrustedKey::resolve(k, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--ops-key {k}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let text = |e: String| CommandError::config(anyhow!("{}: {e}", store.location()));
    if keys.is_empty() {
        if revocation::stored(store).map_err(text)?.is_empty() {
            return Ok(Revocations::none());
        }
        return Err(CommandError::config(anyhow!(
            "the ledger at {} holds key revocations: pass --ops-key (the policy's [trust] ops_keys) so that they can be checked",
            store.location()
        )));
    }
    Revocations::from_store(store, &keys).map_err(text)
}

/// `Err` (exit 1, `trust.key-revoked`) when `key_id` may not sign or vouch for `what`;
/// `used` is the ledger time of the signature's use (`None`: a signature made now).
pub fn check(
    revocations: &Revocations,
    key_id: &KeyId,
    used: Option<&str>,
    what: &str,
) -> Result<(), CommandError> {
    revocations
        .check(key_id, used)
        .map_err(|revoked| CommandError {
            exit: Exit::Failure,
            error: anyhow!(
                "trust.key-revoked: {what}: {revoked}; sign with the key that replaced it (`tollgate key list` shows each key's status)"
            ),
        })
}

/// The key id of a signer's public key.
pub fn signer_id(signer: &crate::signing::Signer) -> Result<KeyId, CommandError> {
    TrustedKey::resolve(&signer.public_key_base64(), Path::new("."))
        .map(|k| k.key_id)
        .map_err(|e| CommandError::config(anyhow!("the signing key's public half: {e}")))
}

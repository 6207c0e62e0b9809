//! Revoked signing keys: a release signature by a key that an ops-signed `revocation`
//! record in the ledger revoked is refused from the record's ledger time on
//! (`trust.key-revoked`), even when the policy still lists the key.

use super::{caps, read_small};
use crate::gates::GateContext;
use crate::keys::KeyId;
use crate::ledger::revocation::Revocations;
use crate::release::{ReleaseDir, Resolved};
use crate::report::Finding;

/// A `trust.key-revoked` finding for each of `signatures` (names in the release) made by a
/// revoked key; none when evaluate has no ledger.
pub fn findings(
    ctx: &GateContext<'_>,
    release: &ReleaseDir,
    signatures: &[String],
) -> Result<Vec<Finding>, String> {
    let Some(store) = ctx.store else {
        return Ok(Vec::new());
    };
    let revocations = Revocations::from_store(store, &ctx.policy.trust.ops_keys)
        .map_err(|e| format!("cannot read the ledger's key revocations: {e}"))?;
    if revocations.revocations.is_empty() {
        return Ok(Vec::new());
    }
    let now = crate::verdict::rfc3339(ctx.now);
    let mut out = Vec::new();
    for name in signatures {
        let Resolved::File(path) = release.resolve(name) else {
            continue;
        };
        let bytes = read_small(&path, caps::SIGNATURE)?;
        let Some((_, key)) = KeyId::of_signature(&String::from_utf8_lossy(&bytes)) else {
            continue;
        };
        if let Err(revoked) = revocations.check(&key, Some(&now)) {
            out.push(
                Finding::error("trust.key-revoked", format!("{name}: {revoked}"))
                    .subject(name)
                    .hint("sign the release with a key that is not revoked (and remove the revoked key from [trust])"),
            );
        }
    }
    Ok(out)
}

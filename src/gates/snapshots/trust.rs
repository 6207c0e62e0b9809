//! Which snapshot log entries count: dated no later than now, and signed by an operator key
//! that the ledger's revocations do not revoke, when the policy names any. The others are
//! reported and ignored.

use crate::keys::TrustedKey;
use crate::ledger::revocation::Revocations;
use crate::minisig::{Check, SignatureFile};
use crate::report::Finding;
use crate::snapshots::{ValidSnapshot, signed_bytes};
use std::time::Duration;
use time::OffsetDateTime;

/// Clock skew tolerated before an entry counts as dated in the future.
const SKEW: Duration = Duration::from_secs(300);

/// Whether a minisign signature text over `bytes` is by one of `keys`; `Err` says why not.
pub fn check_signature(
    signature: Option<&str>,
    bytes: &[u8],
    keys: &[TrustedKey],
) -> Result<(), Option<String>> {
    let Some(text) = signature else {
        return Err(None);
    };
    match SignatureFile::parse(text).map(|sig| sig.check_bytes(keys, bytes, false)) {
        Ok(Check::Valid) => Ok(()),
        Ok(Check::UntrustedKey(id)) => Err(Some(format!(
            "signed by key {id}, which is not an operator key"
        ))),
        Ok(_) => Err(Some(
            "the signature does not match the entry (edited after signing?)".to_owned(),
        )),
        Err(e) => Err(Some(format!("the signature cannot be read: {e}"))),
    }
}

pub fn trusted(
    entries: Vec<ValidSnapshot>,
    keys: &[TrustedKey],
    revocations: &Revocations,
    now: OffsetDateTime,
    log: &str,
    findings: &mut Vec<Finding>,
) -> Vec<ValidSnapshot> {
    let mut trusted = Vec::new();
    for e in entries {
        let kind = e.entry.kind.as_str();
        let at = |f: Finding| f.subject(kind).at(log, Some(e.line as u64));
        if let Some(created) = e.created_at
            && created > now + SKEW
        {
            findings.push(at(Finding::warning(
                "snapshot.future-entry",
                format!(
                    "line {}: {kind} snapshot created at {created}, in the future; ignored",
                    e.line
                ),
            )));
            continue;
        }
        if !keys.is_empty() {
            match check_signature(e.entry.signature.as_deref(), &signed_bytes(&e.entry), keys) {
                Ok(()) => {}
                Err(None) => {
                    findings.push(
                        at(Finding::warning(
                            "snapshot.unsigned",
                            format!(
                                "line {}: {kind} snapshot is not signed by an operator key; ignored",
                                e.line
                            ),
                        ))
                        .hint("record snapshots with `tollgate snapshot record --key OPERATOR.key`"),
                    );
                    continue;
                }
                Err(Some(why)) => {
                    findings.push(
                        at(Finding::error(
                            "snapshot.bad-signature",
                            format!("line {}: {kind} snapshot: {why}; ignored", e.line),
                        ))
                        .hint("an entry that fails its signature may have been tampered with: investigate"),
                    );
                    continue;
                }
            }
            // The log is not the ledger: an entry signed by a revoked key never counts,
            // whatever time it claims.
            if let Err(revoked) = revocations.check_signer(e.entry.signature.as_deref()) {
                findings.push(
                    at(Finding::error(
                        "snapshot.revoked-key",
                        format!("line {}: {kind} snapshot: {revoked}; ignored", e.line),
                    ))
                    .hint(
                        "record the snapshot again, signed with the operator key that replaced it",
                    ),
                );
                continue;
            }
        }
        trusted.push(e);
    }
    trusted
}

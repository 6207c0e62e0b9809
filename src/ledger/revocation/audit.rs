//! What key revocations say about a whole ledger, for `audit verify` on a store or on an
//! exported bundle: the revocations that count for nothing, and every entry signed by a
//! key after that key's revocation took effect (a verdict, or an ops- or person-signed
//! record: deploy, rollback, freeze, proposal, approval). Revocation records themselves
//! are judged by [`super::Revocations`] (a key may announce its own retirement).

use super::{Revocations, verdict_signers};
use crate::keys::{KeyId, TrustedKey};
use crate::ledger::entry::Kind;
use crate::ledger::query::{Links, scan};
use crate::ledger::store::Store;
use serde::Serialize;

/// Notes (revocations that do not count) and refusals (`trust.key-revoked`, which fail).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RevocationReport {
    pub notes: Vec<String>,
    pub refused: Vec<String>,
}

/// The report for `store`, judging revocations against `ops_keys`; empty without them
/// (no revocation can be judged).
pub fn report(store: &dyn Store, ops_keys: &[TrustedKey]) -> Result<RevocationReport, String> {
    let mut report = RevocationReport::default();
    if ops_keys.is_empty() {
        return Ok(report);
    }
    let revocations = Revocations::from_store(store, ops_keys)?;
    report.notes = revocations
        .not_counting
        .iter()
        .map(|n| format!("note: {n}"))
        .collect();
    for (key, logged) in verdict_signers(store)? {
        if let Err(revoked) = revocations.check(&key, Some(&logged.time)) {
            report.refused.push(format!(
                "trust.key-revoked: verdict entry {} (recorded {}) is signed by a revoked key: {revoked}",
                logged.entry, logged.time
            ));
        }
    }
    let refused = scan(store, None, Links::Ignore, |id, entry| {
        let Some(record) = entry
            .record
            .as_ref()
            .filter(|_| entry.kind != Kind::Revocation)
        else {
            return Ok(None);
        };
        let Some(key) = signer(&record.public_key) else {
            return Ok(None); // `audit verify` already reports a record whose key does not parse.
        };
        Ok(revocations.check(&key, Some(&entry.time)).err().map(|revoked| {
            format!(
                "trust.key-revoked: {} entry {id} (recorded {}) is signed by a revoked key: {revoked}",
                entry.kind.as_str(),
                entry.time
            )
        }))
    })?;
    report.refused.extend(refused.items);
    Ok(report)
}

fn signer(public_key: &str) -> Option<KeyId> {
    let inline = public_key.len() == 56 && public_key.starts_with("RW");
    inline
        .then(|| TrustedKey::resolve(public_key, std::path::Path::new(".")).ok())
        .flatten()
        .map(|k| k.key_id)
}

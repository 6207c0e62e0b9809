//! What key revocations say about a whole ledger, for `audit verify` on a store or on an
//! exported bundle: the revocations that count for nothing, and every entry signed by a
//! key after that key's revocation took effect (a verdict, or an ops- or person-signed
//! record: deploy, rollback, freeze, proposal, approval). Revocation records themselves
//! are judged by [`super::Revocations`] (a key may announce its own retirement).

use super::{LoggedVerdict, Revocations, as_stored, verdict_signer, verdict_signers};
use crate::keys::{KeyId, TrustedKey};
use crate::ledger::entry::{Entry, EntryId, Kind};
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
    if ops_keys.is_empty() {
        return Ok(RevocationReport::default());
    }
    let revocations = Revocations::from_store(store, ops_keys)?;
    let mut report = notes(&revocations);
    for (key, logged) in verdict_signers(store)? {
        report
            .refused
            .extend(verdict_refusal(&revocations, &key, &logged));
    }
    let refused = scan(store, None, Links::Ignore, |id, entry| {
        Ok(record_refusal(&revocations, &id, &entry))
    })?;
    report.refused.extend(refused.items);
    Ok(report)
}

/// The report for the given entries only (an exported bundle's records, which are not a
/// whole log), with `store` holding their blobs; the same judgement and messages as
/// [`report`].
pub fn report_of_entries(
    store: &dyn Store,
    entries: &[(EntryId, Entry)],
    ops_keys: &[TrustedKey],
) -> Result<RevocationReport, String> {
    if ops_keys.is_empty() {
        return Ok(RevocationReport::default());
    }
    let records = entries
        .iter()
        .filter(|(_, entry)| entry.kind == Kind::Revocation)
        .map(|(id, entry)| as_stored(store, &id.to_string(), entry))
        .collect::<Result<Vec<_>, String>>()?;
    let revocations = Revocations::from_records(&records, ops_keys);
    let mut report = notes(&revocations);
    for (id, entry) in entries {
        if let Some((key, logged)) = verdict_signer(store, id, entry)? {
            report
                .refused
                .extend(verdict_refusal(&revocations, &key, &logged));
        }
    }
    for (id, entry) in entries {
        report
            .refused
            .extend(record_refusal(&revocations, id, entry));
    }
    Ok(report)
}

/// The revocations that count for nothing, as notes.
fn notes(revocations: &Revocations) -> RevocationReport {
    RevocationReport {
        notes: revocations
            .not_counting
            .iter()
            .map(|n| format!("note: {n}"))
            .collect(),
        refused: Vec::new(),
    }
}

/// The refusal of a verdict entry signed by `key` after its revocation took effect.
fn verdict_refusal(
    revocations: &Revocations,
    key: &KeyId,
    logged: &LoggedVerdict,
) -> Option<String> {
    revocations.check(key, Some(&logged.time)).err().map(|revoked| {
        format!(
            "trust.key-revoked: verdict entry {} (recorded {}) is signed by a revoked key: {revoked}",
            logged.entry, logged.time
        )
    })
}

/// The refusal of an ops- or person-signed record (not a revocation) signed by a key after
/// its revocation took effect.
fn record_refusal(revocations: &Revocations, id: &EntryId, entry: &Entry) -> Option<String> {
    let record = entry
        .record
        .as_ref()
        .filter(|_| entry.kind != Kind::Revocation)?;
    // `audit verify` already reports a record whose key does not parse.
    let key = signer(&record.public_key)?;
    revocations.check(&key, Some(&entry.time)).err().map(|revoked| {
        format!(
            "trust.key-revoked: {} entry {id} (recorded {}) is signed by a revoked key: {revoked}",
            entry.kind.as_str(),
            entry.time
        )
    })
}

fn signer(public_key: &str) -> Option<KeyId> {
    let inline = public_key.len() == 56 && public_key.starts_with("RW");
    inline
        .then(|| TrustedKey::resolve(public_key, std::path::Path::new(".")).ok())
        .flatten()
        .map(|k| k.key_id)
}

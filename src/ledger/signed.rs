//! Signed records: the one entry shape for state changes made by people and operations
//! (deploy, rollback, proposal, approval, revocation). The entry carries the statement
//! inline (canonical JSON, so queries need no blob reads), the minisign signature over its
//! canonical bytes as a blob, the signer's public key, and any attached files (a rollback
//! plan, a change log) as blobs.
//!
//! Whether a record *counts* is never decided here: each consumer (the promotion gate, the
//! approvals gate, key revocation) checks the signer against the keys the policy trusts for
//! that role. This module only appends records and verifies that a signature is genuine.

use super::append::{Pending, append};
use super::entry::{BlobRef, Entry, EntryId, Kind};
use super::store::Store;
use crate::keys::KeyId;
use crate::signing::Signer;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::BTreeMap;

/// A signed statement as stored in an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRecord {
    /// The statement exactly as signed (its canonical JSON is the signed message).
    pub statement: serde_json::Value,
    /// The `.minisig` text, stored as a blob.
    pub signature: BlobRef,
    /// The signer's minisign public key ("RW..."): lets `audit verify` check the signature
    /// without being told the key. Trust comes only from the policy.
    pub public_key: String,
    /// Attached files by role (`rollback-plan`, `change-log`, …), stored as blobs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub attachments: BTreeMap<String, BlobRef>,
}

/// What to record: a statement, its signature, and the files it attaches.
pub struct Signed<'a, S: Serialize> {
    pub kind: Kind,
    pub environment: &'a str,
    /// The entry's time (RFC 3339, UTC): the ledger's clock, which consumers trust over any
    /// time the statement claims.
    pub time: &'a str,
    /// Where `time` came from: `Source::Given` for `--now`, else `Source::Signed` (see
    /// [`super::clock`]); the signature covers it, so it is never moved.
    pub time_source: super::clock::Source,
    pub statement: &'a S,
    /// The `.minisig` text over `canonical_json(statement)`.
    pub minisig: &'a str,
    pub public_key: &'a str,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// The bytes a record's signature covers.
pub fn signed_bytes<S: Serialize>(statement: &S) -> Vec<u8> {
    crate::verdict::canonical_json(statement)
}

/// Append a signed record; the head is re-signed by `head_signer` when given. The signature
/// is checked against `public_key` first, so a record that does not verify is never written.
pub fn append_signed<S: Serialize>(
    store: &dyn Store,
    record: Signed<'_, S>,
    head_signer: Option<&Signer>,
) -> Result<EntryId, String> {
    let value = serde_json::to_value(record.statement)
        .map_err(|e| format!("cannot encode the statement: {e}"))?;
    verify_signature(&value, record.minisig, record.public_key)?;
    let mut blobs = vec![record.minisig.as_bytes().to_vec()];
    let mut attachments = BTreeMap::new();
    for (role, bytes) in record.attachments {
        attachments.insert(role, BlobRef::of(&bytes));
        blobs.push(bytes);
    }
    let mut entry = super::record::blank(record.kind, record.environment, record.time.to_owned());
    entry.record = Some(SignedRecord {
        statement: value,
        signature: BlobRef::of(record.minisig.as_bytes()),
        public_key: record.public_key.to_owned(),
        attachments,
    });
    // The time is in the entry the signature is recorded with, and often in the statement:
    // it is never moved, only refused when it would go backwards.
    let pending = Pending {
        entry,
        blobs,
        time_source: record.time_source,
    };
    append(store, pending, head_signer)
}

/// Check that `minisig` is a genuine signature over `statement` by `public_key` (the key
/// id matches, the Ed25519 signatures verify). Says nothing about whether the key is trusted.
pub fn verify_signature(
    statement: &serde_json::Value,
    minisig: &str,
    public_key: &str,
) -> Result<KeyId, String> {
    // Only an inline key: never a path to read. Base64 may contain `/`, so the shape (56
    // characters starting "RW") tells a key from a path, as `TrustedKey::resolve` does.
    let inline = public_key.len() == 56 && public_key.starts_with("RW");
    let key = inline
        .then(|| crate::keys::TrustedKey::resolve(public_key, std::path::Path::new(".")).ok())
        .flatten()
        .ok_or_else(|| format!("its public key {public_key:?} is not an inline minisign key"))?;
    let signer = super::ops::signer_of(minisig)?;
    if signer != key.key_id {
        return Err(format!(
            "its signature is by key {signer}, not by the recorded public key {}",
            key.key_id
        ));
    }
    let decoded = minisign_verify::Signature::decode(minisig)
        .map_err(|e| format!("its signature is malformed: {e}"))?;
    key.key
        .verify(&signed_bytes(statement), &decoded, false)
        .map_err(|_| format!("its signature does not verify with key {signer}"))?;
    Ok(signer)
}

/// A record's statement as its typed form, or why it is not one.
pub fn statement<S: DeserializeOwned>(entry: &Entry) -> Result<S, String> {
    let record = entry.record.as_ref().ok_or_else(|| {
        format!(
            "entry {} ({}) carries no signed statement",
            entry.seq,
            entry.kind.as_str()
        )
    })?;
    serde_json::from_value(record.statement.clone()).map_err(|e| {
        format!(
            "entry {} ({}): its statement is not a {} statement: {e}",
            entry.seq,
            entry.kind.as_str(),
            entry.kind.as_str()
        )
    })
}

//! Key revocation: which keys the ledger's ops-signed `revocation` records revoke, since
//! when, and why. Every consumer of a signature (the signatures gate, `evaluate`, `verify`,
//! `key list`) asks one question: `Revocations::check(key_id, ledger_time_of_use)`.
//!
//! A record counts only when a key in `[trust] ops_keys` signed it; others are kept in
//! `not_counting` for reports. A key is refused from its cutoff on: the record's ledger time,
//! or `compromised_since` when that is earlier. A signature whose use the ledger dates before
//! the cutoff still counts; one used now, later, or never logged does not. Times are ledger
//! times, never a signer's claim.

pub mod audit;

use super::entry::{Entry, EntryId, Kind};
use super::query::{Links, scan};
use super::store::Store;
use crate::keys::{KeyId, TrustedKey};
use crate::verdict::parse_rfc3339;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What an ops key signs to revoke a key (the `revocation` entry's statement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationStatement {
    /// The revoked key ("RW...").
    pub revoked_key: String,
    /// Its minisign key id, for readers.
    pub revoked_key_id: String,
    pub reason: String,
    /// From when signatures by the key are suspect (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compromised_since: Option<String>,
    /// The entry's ledger time, bound into the signature.
    pub time: String,
}

impl RevocationStatement {
    /// The trusted comment of the record's signature.
    pub fn trusted_comment(&self) -> String {
        format!(
            "tollgate-revocation key:{} time:{}",
            self.revoked_key_id, self.time
        )
    }
}

/// One revocation record as stored (in the ledger or in an exported list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRevocation {
    /// The ledger entry (`SEQ:SHA256`).
    pub entry: String,
    /// The entry's ledger time.
    pub time: String,
    pub statement: serde_json::Value,
    /// The `.minisig` text over the statement.
    pub signature: String,
    /// The signer's public key.
    pub public_key: String,
}

/// A revocation that counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub key_id: KeyId,
    pub reason: String,
    pub entry: String,
    pub recorded_at: String,
    pub compromised_since: Option<String>,
    pub signed_by: KeyId,
    /// The earlier of the ledger time and `compromised_since`.
    cutoff: OffsetDateTime,
}

/// Why a key's signature is refused (`trust.key-revoked`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub key_id: KeyId,
    pub reason: String,
    pub entry: String,
    pub recorded_at: String,
    pub compromised_since: Option<String>,
}

impl std::fmt::Display for Revoked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "key {} was revoked at {} (ledger entry {}): {}",
            self.key_id, self.recorded_at, self.entry, self.reason
        )?;
        if let Some(since) = &self.compromised_since {
            write!(f, "; compromised since {since}")?;
        }
        Ok(())
    }
}

/// The revocations that count, and the records that do not (with why).
#[derive(Debug, Clone, Default)]
pub struct Revocations {
    pub revocations: Vec<Revocation>,
    pub not_counting: Vec<String>,
    /// From an exported list: the ledger times of verdicts signed by revoked keys, so an
    /// offline reader can tell a verdict logged before the cutoff.
    pub logged: Vec<LoggedVerdict>,
}

/// A verdict the ledger holds, and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedVerdict {
    pub verdict_sha256: String,
    pub entry: String,
    pub time: String,
}

impl Revocations {
    /// No revocation at all (no ledger given).
    pub fn none() -> Revocations {
        Revocations::default()
    }

    /// Every `revocation` entry of `store`, judged against `ops_keys`.
    pub fn from_store(store: &dyn Store, ops_keys: &[TrustedKey]) -> Result<Revocations, String> {
        Ok(Revocations::from_records(&stored(store)?, ops_keys))
    }

    /// Judge stored records against `ops_keys`.
    pub fn from_records(records: &[StoredRevocation], ops_keys: &[TrustedKey]) -> Revocations {
        let mut out = Revocations::default();
        for record in records {
            match judge(record, ops_keys) {
                Ok(revocation) => out.revocations.push(revocation),
                Err(why) => out.not_counting.push(format!(
                    "revocation {} counts for nothing: {why}",
                    record.entry
                )),
            }
        }
        out
    }

    /// `Ok` when a signature by `key_id` may be accepted, given the ledger time of its use
    /// (`None`: a new decision not yet logged, or a signature the ledger does not hold).
    /// The revocations in `store` (none without a ledger), as a gate reads them: an
    /// unreadable ledger is an error the gate reports instead of passing.
    pub fn of_ledger(
        store: Option<&dyn Store>,
        ops_keys: &[TrustedKey],
    ) -> Result<Revocations, String> {
        match store {
            Some(store) => Revocations::from_store(store, ops_keys)
                .map_err(|e| format!("cannot read the ledger's key revocations: {e}")),
            None => Ok(Revocations::none()),
        }
    }

    /// Check the key that made `minisig` (a signature text from a log that is not the
    /// ledger, so it has no ledger time: a revoked key never counts). A signature whose key
    /// id cannot be read passes here; its own verification refuses it.
    pub fn check_signer(&self, minisig: Option<&str>) -> Result<(), Revoked> {
        match minisig.and_then(KeyId::of_signature) {
            Some((_, id)) => self.check(&id, None),
            None => Ok(()),
        }
    }

    pub fn check(&self, key_id: &KeyId, ledger_time_of_use: Option<&str>) -> Result<(), Revoked> {
        let used = ledger_time_of_use.and_then(parse_rfc3339);
        for r in self.revocations.iter().filter(|r| &r.key_id == key_id) {
            if used.is_some_and(|t| t < r.cutoff) {
                continue;
            }
            return Err(Revoked {
                key_id: r.key_id,
                reason: r.reason.clone(),
                entry: r.entry.clone(),
                recorded_at: r.recorded_at.clone(),
                compromised_since: r.compromised_since.clone(),
            });
        }
        Ok(())
    }

    /// The earliest ledger time of the verdict with this digest, per an exported list.
    pub fn logged_time(&self, verdict_sha256: &str) -> Option<&str> {
        self.logged
            .iter()
            .filter(|v| v.verdict_sha256.eq_ignore_ascii_case(verdict_sha256))
            .map(|v| v.time.as_str())
            .min_by_key(|t| parse_rfc3339(t))
    }

    /// The first counting revocation of `key_id`, for listings.
    pub fn of(&self, key_id: &KeyId) -> Option<&Revocation> {
        self.revocations.iter().find(|r| &r.key_id == key_id)
    }
}

/// Every `revocation` record of `store`, in chain order, whoever signed it.
pub fn stored(store: &dyn Store) -> Result<Vec<StoredRevocation>, String> {
    Ok(scan(store, None, Links::Ignore, |id, entry| {
        if entry.kind != Kind::Revocation {
            return Ok(None);
        }
        as_stored(store, &id.to_string(), &entry).map(Some)
    })?
    .items)
}

fn as_stored(store: &dyn Store, id: &str, entry: &Entry) -> Result<StoredRevocation, String> {
    let record = entry
        .record
        .as_ref()
        .ok_or_else(|| format!("revocation entry {id} carries no signed statement"))?;
    let key = super::entry::blob_key(&record.signature.sha256);
    let signature = store
        .get(&key)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("revocation entry {id}: its signature blob {key} is missing"))?;
    Ok(StoredRevocation {
        entry: id.to_owned(),
        time: entry.time.clone(),
        statement: record.statement.clone(),
        signature: String::from_utf8_lossy(&signature).into_owned(),
        public_key: record.public_key.clone(),
    })
}

/// A record that counts, or why not.
fn judge(record: &StoredRevocation, ops_keys: &[TrustedKey]) -> Result<Revocation, String> {
    let statement: RevocationStatement = serde_json::from_value(record.statement.clone())
        .map_err(|e| format!("its statement is not a revocation: {e}"))?;
    let signer =
        super::signed::verify_signature(&record.statement, &record.signature, &record.public_key)?;
    if !ops_keys.iter().any(|k| k.key_id == signer) {
        return Err(format!(
            "it is signed by key {signer}, which is not in `[trust] ops_keys`"
        ));
    }
    let comment = minisign_verify::Signature::decode(&record.signature)
        .map(|s| s.trusted_comment().to_owned())
        .unwrap_or_default();
    if comment != statement.trusted_comment() {
        return Err("its signature's trusted comment does not match the statement".to_owned());
    }
    if statement.time != record.time {
        return Err(format!(
            "its statement is dated {} but the ledger recorded it at {}",
            statement.time, record.time
        ));
    }
    let revoked = TrustedKey::resolve(&statement.revoked_key, std::path::Path::new("."))
        .map_err(|e| format!("its revoked key is not a minisign public key: {e}"))?;
    let recorded = parse_rfc3339(&record.time)
        .ok_or_else(|| format!("its ledger time {:?} is not RFC 3339", record.time))?;
    let cutoff = match &statement.compromised_since {
        Some(since) => parse_rfc3339(since)
            .ok_or_else(|| format!("compromised_since {since:?} is not RFC 3339"))?
            .min(recorded),
        None => recorded,
    };
    Ok(Revocation {
        key_id: revoked.key_id,
        reason: statement.reason,
        entry: record.entry.clone(),
        recorded_at: record.time.clone(),
        compromised_since: statement.compromised_since,
        signed_by: signer,
        cutoff,
    })
}

/// An exported revocation list (`tollgate key revocations`), read by `verify --revocations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    pub schema: String,
    /// The ledger it was exported from.
    pub store: String,
    pub exported_at: String,
    pub revocations: Vec<StoredRevocation>,
    /// Verdict entries signed by a revoked key, with their ledger times.
    #[serde(default)]
    pub verdicts: Vec<LoggedVerdict>,
}

pub const LIST_SCHEMA: &str = "tollgate-revocations/1";

impl RevocationList {
    /// The trusted comment of the list's signature.
    pub fn trusted_comment(&self) -> String {
        format!(
            "tollgate-revocations exported_at:{} count:{}",
            self.exported_at,
            self.revocations.len()
        )
    }
}

/// Read a list and its `.minisig` (beside it): the list must be signed by one of
/// `ops_keys`, and each record counts by the same rules as in the ledger.
pub fn read_list(path: &std::path::Path, ops_keys: &[TrustedKey]) -> Result<Revocations, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sig_path = std::path::PathBuf::from(format!("{}.minisig", path.display()));
    let signature = std::fs::read_to_string(&sig_path)
        .map_err(|e| format!("{}: {e} (the list is signed beside it)", sig_path.display()))?;
    let list: RevocationList = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a revocation list: {e}", path.display()))?;
    if list.schema != LIST_SCHEMA {
        return Err(format!(
            "{}: schema {:?}, expected {LIST_SCHEMA}",
            path.display(),
            list.schema
        ));
    }
    let decoded = minisign_verify::Signature::decode(&signature)
        .map_err(|e| format!("{}: {e}", sig_path.display()))?;
    let signer = super::ops::signer_of(&signature)?;
    let key = ops_keys
        .iter()
        .find(|k| k.key_id == signer)
        .ok_or_else(|| {
            format!(
                "{} is signed by key {signer}, which is not a given ops key",
                path.display()
            )
        })?;
    key.key
        .verify(&bytes, &decoded, false)
        .map_err(|_| format!("{}: its signature does not verify", path.display()))?;
    if decoded.trusted_comment() != list.trusted_comment() {
        return Err(format!(
            "{}: its signature's trusted comment does not match the list",
            path.display()
        ));
    }
    let mut revocations = Revocations::from_records(&list.revocations, ops_keys);
    revocations.logged = list.verdicts;
    Ok(revocations)
}

/// The signer's key id and ledger time of every verdict entry of `store`.
pub fn verdict_signers(store: &dyn Store) -> Result<Vec<(KeyId, LoggedVerdict)>, String> {
    Ok(scan(store, None, Links::Ignore, |id, entry| {
        verdict_signer(store, &id, &entry)
    })?
    .items)
}

/// The signer's key id and ledger time of `entry` when it is a signed verdict entry whose
/// signature blob `store` holds (`None` otherwise).
pub(crate) fn verdict_signer(
    store: &dyn Store,
    id: &EntryId,
    entry: &Entry,
) -> Result<Option<(KeyId, LoggedVerdict)>, String> {
    let (Some(verdict), Some(signature)) = (&entry.verdict, &entry.verdict_signature) else {
        return Ok(None);
    };
    let Some(text) = store
        .get(&super::entry::blob_key(&signature.sha256))
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    Ok(
        KeyId::of_signature(&String::from_utf8_lossy(&text)).map(|(_, key)| {
            (
                key,
                LoggedVerdict {
                    verdict_sha256: verdict.sha256.clone(),
                    entry: id.to_string(),
                    time: entry.time.clone(),
                },
            )
        }),
    )
}

/// The inline form ("RW...") of a minisign public key.
pub fn inline_key(key: &TrustedKey) -> String {
    use base64::Engine;
    let mut bytes = b"Ed".to_vec();
    bytes.extend_from_slice(key.key_id.as_bytes());
    bytes.extend_from_slice(&key.ed25519);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests;

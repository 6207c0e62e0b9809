//! The ledger's entry format: one canonical JSON document per append. In format 1 each
//! entry is chained to the previous one by the SHA-256 of that entry's exact bytes (`prev`);
//! in format 2 the entry is a record of a Merkle tree and carries no `prev`.

use serde::{Deserialize, Serialize};

pub const ENTRY_SCHEMA: &str = "https://tollgate.dev/schemas/ledger-entry/v1";

/// `prev` of the first entry (format 1).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Verdict,
    Freeze,
    Unfreeze,
    /// A release deployed to a stage of an environment (`tollgate deploy record`).
    Deploy,
    /// A revert to an earlier release (`tollgate rollback record`).
    Rollback,
    /// A change proposal awaiting approvals (`tollgate propose`).
    Proposal,
    /// An approval or rejection of a proposal (`tollgate approve`).
    Approval,
    /// A key taken out of trust (`tollgate key revoke`).
    Revocation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Verdict => "verdict",
            Kind::Freeze => "freeze",
            Kind::Unfreeze => "unfreeze",
            Kind::Deploy => "deploy",
            Kind::Rollback => "rollback",
            Kind::Proposal => "proposal",
            Kind::Approval => "approval",
            Kind::Revocation => "revocation",
        }
    }
}

/// A stored blob, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

impl BlobRef {
    pub fn of(bytes: &[u8]) -> BlobRef {
        BlobRef {
            sha256: crate::digest::sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// Which directory an evidence path is relative to, as resolved when it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    /// The path is absolute.
    Absolute,
    /// Relative to `--release`.
    Release,
    /// Relative to `--repo`.
    Repo,
    /// Relative to the policy file's directory.
    Policy,
    /// Relative to the working directory `evaluate` ran in.
    Cwd,
    /// The file was not found (or not stored); `path` is as the gate reported it.
    Unresolved,
}

/// One file a gate (or the evaluation) read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    /// `policy`, `trusted-key`, `lockfile`, or `gate:<name>`.
    pub role: String,
    /// The path as the gate reported it.
    pub path: String,
    pub base: Base,
    pub sha256: String,
    pub size: u64,
    /// Whether the bytes are in the object store (else only the digest is recorded).
    pub stored: bool,
    /// Why it was not stored, when it was not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// A freeze or unfreeze: who, why, and the ops signature over the statement. The record
/// never decides whether it counts: [`super::freeze`] checks the signature against the
/// policy's `[trust] ops_keys` (an entry without one, written by an old version or by
/// anyone who can write the store, lifts nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeRecord {
    pub reason: String,
    pub by: String,
    /// A minisign signature over [`FreezeStatement`]'s canonical JSON.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signature: Option<BlobRef>,
    /// The signer's minisign public key ("RW..."), so `audit verify` can check the signature
    /// without being told the key; trust still comes only from `ops_keys` / `--ops-key`.
    /// Absent in entries written before tollgate recorded it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub public_key: Option<String>,
}

/// The exact statement a freeze signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeStatement {
    pub action: Kind,
    pub environment: String,
    pub reason: String,
    pub by: String,
    pub time: String,
}

impl super::ops::OpsStatement for FreezeStatement {
    fn action(&self) -> &str {
        self.action.as_str()
    }

    fn environment(&self) -> &str {
        &self.environment
    }

    fn time(&self) -> &str {
        &self.time
    }
}

/// Where a migrated record came from: its format-1 sequence number and entry hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct V1Origin {
    pub seq: u64,
    pub entry_sha256: String,
}

/// One ledger entry in canonical JSON: in format 1 stored at `entries/<seq, 12 digits>.json`,
/// in format 2 one record of an entry bundle (`tile/entries/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub schema: String,
    pub seq: u64,
    /// Format 1: SHA-256 of the previous entry's bytes ([`GENESIS`] for the first); required
    /// there. Format 2: absent (the tree replaces the chain).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prev: Option<String>,
    /// When the entry was appended (RFC 3339, UTC).
    pub time: String,
    pub kind: Kind,
    pub environment: String,
    /// `promote` or `block`, for verdict entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub decision: Option<String>,
    /// The source commit of the release, for verdict entries (for `audit log`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verdict: Option<BlobRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verdict_signature: Option<BlobRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub provenance: Option<BlobRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub provenance_signature: Option<BlobRef>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evidence: Vec<EvidenceRecord>,
    /// Format 2: the evidence list as a blob (a JSON array of evidence records), when the
    /// entry with its list inline would not fit in a record (65535 bytes); `evidence` is then
    /// empty. Read the evidence with [`Entry::evidence`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence_list: Option<BlobRef>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub freeze: Option<FreezeRecord>,
    /// The signed statement of a deploy, rollback, proposal, approval or revocation entry
    /// (see [`super::signed`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<super::signed::SignedRecord>,
    /// Format 2, for an entry migrated from a format-1 ledger: where it was there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub v1: Option<V1Origin>,
}

impl Entry {
    pub fn bytes(&self) -> Vec<u8> {
        crate::verdict::canonical_json(self)
    }

    /// Every blob this entry refers to, with the role it plays (for messages).
    pub fn blobs(&self) -> Vec<(String, &BlobRef)> {
        let mut blobs = Vec::new();
        let named = [
            ("verdict", &self.verdict),
            ("verdict signature", &self.verdict_signature),
            ("provenance", &self.provenance),
            ("provenance signature", &self.provenance_signature),
        ];
        for (role, blob) in named {
            if let Some(blob) = blob {
                blobs.push((role.to_owned(), blob));
            }
        }
        if let Some(FreezeRecord {
            signature: Some(sig),
            ..
        }) = &self.freeze
        {
            blobs.push((format!("{} signature", self.kind.as_str()), sig));
        }
        if let Some(record) = &self.record {
            blobs.push((
                format!("{} signature", self.kind.as_str()),
                &record.signature,
            ));
            for (role, blob) in &record.attachments {
                blobs.push((format!("{} {role}", self.kind.as_str()), blob));
            }
        }
        if let Some(list) = &self.evidence_list {
            blobs.push(("evidence list".to_owned(), list));
        }
        blobs
    }

    /// The entry's evidence records: the inline list, or the spilled list read from its blob
    /// (checked against its digest and size). An entry with both is malformed.
    pub fn evidence(
        &self,
        store: &dyn super::store::Store,
    ) -> Result<std::borrow::Cow<'_, [EvidenceRecord]>, String> {
        let Some(list) = &self.evidence_list else {
            return Ok(std::borrow::Cow::Borrowed(&self.evidence));
        };
        if !self.evidence.is_empty() {
            return Err(format!(
                "entry {} has both an inline evidence list and evidence_list {}: it was not \
                 written by tollgate; run `tollgate audit verify` on {}",
                self.seq,
                list.sha256,
                store.location()
            ));
        }
        let bytes = super::replay::read_blob(store, list)?;
        let records: Vec<EvidenceRecord> = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}/{}: the evidence list of entry {} is not a JSON array of evidence records: {e}",
                store.location(),
                blob_key(&list.sha256),
                self.seq
            )
        })?;
        Ok(std::borrow::Cow::Owned(records))
    }

    /// The stored evidence blobs among `evidence` (their digest doubles as the blob's name).
    pub fn stored_evidence(evidence: &[EvidenceRecord]) -> impl Iterator<Item = &EvidenceRecord> {
        evidence.iter().filter(|e| e.stored)
    }

    /// The statement a freeze/unfreeze signature covers.
    pub fn freeze_statement(&self) -> Option<FreezeStatement> {
        let freeze = self.freeze.as_ref()?;
        Some(FreezeStatement {
            action: self.kind,
            environment: self.environment.clone(),
            reason: freeze.reason.clone(),
            by: freeze.by.clone(),
            time: self.time.clone(),
        })
    }
}

/// The key of entry `seq`.
pub fn entry_key(seq: u64) -> String {
    format!("entries/{seq:012}.json")
}

/// The sequence number in an entry key, if it is one.
pub fn seq_of_key(key: &str) -> Option<u64> {
    let digits = key.strip_prefix("entries/")?.strip_suffix(".json")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The key of the blob with this digest.
pub fn blob_key(sha256: &str) -> String {
    let (dir, rest) = sha256.split_at(2.min(sha256.len()));
    format!("objects/sha256/{dir}/{rest}")
}

/// The digest a blob key names, if it is one.
pub fn sha_of_blob_key(key: &str) -> Option<String> {
    let rest = key.strip_prefix("objects/sha256/")?;
    let (dir, name) = rest.split_once('/')?;
    let sha = format!("{dir}{name}");
    (dir.len() == 2 && is_sha256(&sha)).then_some(sha)
}

/// 64 lower-case hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An entry's identity: its sequence number and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryId {
    pub seq: u64,
    pub sha256: String,
}

impl std::fmt::Display for EntryId {
    /// `SEQ:SHA256`, the form `audit show` accepts and CI outputs carry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(entry_key(42), "entries/000000000042.json");
        assert_eq!(seq_of_key(&entry_key(42)), Some(42));
        assert_eq!(seq_of_key("entries/42.json"), None);
        let sha = "ab".repeat(32);
        assert_eq!(sha_of_blob_key(&blob_key(&sha)), Some(sha));
        assert_eq!(sha_of_blob_key("objects/sha256/ab/cd"), None);
    }
}

//! One entry's checks, the same for both formats: it parses, is canonical, holds its own
//! seq and the schema; every blob it refers to (and every stored evidence file, inline or in
//! its spilled evidence list) exists, hashes to its name and has the recorded size; its
//! verdict/provenance signatures are prepared for batch verification with the verdict key;
//! its ops signature (freeze, unfreeze, deploy, …) verifies. Format 1 also needs `prev`;
//! format 2 forbids it (the tree replaces the chain).

use super::minisig_batch::BatchVerifier;
use super::ops_signatures;
use super::signatures::{SignatureCheck, check_signatures};
use super::signed_records;
use super::{Break, brk};
use crate::digest::sha256_hex;
use crate::keys::TrustedKey;
use crate::ledger::entry::{Entry, EvidenceRecord, Kind, blob_key};
use crate::ledger::format::Format;
use crate::ledger::store::Store;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Mutex;

/// The keys one entry's signatures are checked with.
pub(crate) struct EntryKeys<'a> {
    /// The verdict key, ready for batch verification.
    pub batch: Option<&'a BatchVerifier>,
    pub verdict: Option<&'a TrustedKey>,
    pub ops: &'a [TrustedKey],
}

/// What one entry contributes to the sequential checks.
pub(crate) struct Checked {
    pub seq: u64,
    /// Where breaks of this entry are reported (`entries/….json`, `tile/entries/…#seq`).
    pub key: String,
    pub sha256: String,
    pub prev: Option<String>,
    pub freeze_of: Option<String>,
    /// The verdict's SHA-256, for a verdict entry (format 2's verdict index check).
    pub verdict: Option<String>,
    pub unsigned_verdict: bool,
    pub signatures: u64,
    pub ops_signature: ops_signatures::Checked,
    pub breaks: Vec<Break>,
    /// The entry's signature checks, in order, resolved after the chunk's batch verification.
    pub signature_checks: Vec<SignatureCheck>,
}

impl Checked {
    /// Nothing checked yet for entry `seq`, reported at `key`.
    pub fn new(seq: u64, key: String) -> Checked {
        Checked {
            seq,
            key,
            sha256: String::new(),
            prev: None,
            freeze_of: None,
            verdict: None,
            unsigned_verdict: false,
            signatures: 0,
            ops_signature: ops_signatures::Checked::NotApplicable,
            breaks: Vec::new(),
            signature_checks: Vec::new(),
        }
    }

    pub fn fail(&mut self, message: String) {
        self.breaks.push(brk(&self.key, self.seq, message));
    }
}

/// Check entry `seq` of a `format` ledger from its stored `bytes` (see the module doc).
/// `checked` holds the digests of the blobs already re-hashed.
pub(crate) fn check_entry_bytes(
    store: &dyn Store,
    mut result: Checked,
    bytes: &[u8],
    format: Format,
    keys: &EntryKeys<'_>,
    checked: &Mutex<HashSet<[u8; 32]>>,
) -> Checked {
    let seq = result.seq;
    let key = keys.batch;
    result.sha256 = sha256_hex(bytes);
    let entry: Entry = match serde_json::from_slice(bytes) {
        Ok(entry) => entry,
        Err(e) => {
            result.fail(format!("not a ledger entry: {e}"));
            return result;
        }
    };
    result.prev = entry.prev.clone();
    match (format, &entry.prev) {
        (Format::V1, None) => {
            result.fail("has no prev: every format-1 entry names the previous entry's hash".into())
        }
        (Format::V2, Some(_)) => result.fail(
            "has a prev: a format-2 record carries none (the tree replaces the chain)".into(),
        ),
        _ => {}
    }
    if format == Format::V1 && (entry.evidence_list.is_some() || entry.v1.is_some()) {
        result.fail("has format-2 fields (evidence_list, v1) in a format-1 entry".into());
    }
    if entry.seq != seq {
        result.fail(format!(
            "holds seq {}, not {seq} (entries reordered or renamed)",
            entry.seq
        ));
    }
    if entry.schema != crate::ledger::entry::ENTRY_SCHEMA {
        result.fail(format!("unknown schema {:?}", entry.schema));
    }
    if entry.bytes() != bytes {
        result.fail("not in canonical form (the stored bytes were edited)".into());
    }
    if matches!(entry.kind, Kind::Freeze | Kind::Unfreeze) {
        result.freeze_of = Some(entry.environment.clone());
    }
    if entry.kind == Kind::Verdict {
        result.verdict = entry.verdict.as_ref().map(|v| v.sha256.clone());
    }
    // Blobs the signature checks need are read once here and kept for those checks.
    let mut loaded: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let wanted_for_signatures: Vec<&str> = [
        &entry.verdict,
        &entry.verdict_signature,
        &entry.provenance,
        &entry.provenance_signature,
    ]
    .into_iter()
    .flatten()
    .map(|b| b.sha256.as_str())
    .collect();
    // Ops signatures are checked with or without a verdict key.
    let ops_signature = entry
        .freeze
        .as_ref()
        .and_then(|f| f.signature.as_ref())
        .map(|b| b.sha256.as_str())
        .or(entry.record.as_ref().map(|r| r.signature.sha256.as_str()));
    let named = entry.blobs();
    let named = named
        .iter()
        .map(|(role, blob)| (Role::Named(role), blob.sha256.as_str(), blob.size));
    let evidence = entry.evidence(store).unwrap_or_else(|e| {
        result.fail(e);
        std::borrow::Cow::Borrowed(&[])
    });
    // Evidence is mostly the same few blobs in every entry: no per-entry copies of its
    // digests or names, which are only needed for a message.
    let evidence =
        Entry::stored_evidence(&evidence).map(|e| (Role::Evidence(e), e.sha256.as_str(), e.size));
    for (role, sha256, size) in named.chain(evidence) {
        let keep = (key.is_some() && wanted_for_signatures.contains(&sha256))
            || ops_signature == Some(sha256);
        match check_blob(store, sha256, size, checked, keep) {
            Ok(Some(bytes)) => {
                loaded.insert(sha256.to_owned(), bytes);
            }
            Ok(None) => {}
            Err(e) => result.fail(format!("{role} {e}")),
        }
    }
    if entry.kind == Kind::Verdict && entry.verdict_signature.is_none() {
        result.unsigned_verdict = true;
    }
    if let Some(key) = key {
        result.signature_checks = check_signatures(&entry, key, &loaded);
    }
    if matches!(entry.kind, Kind::Freeze | Kind::Unfreeze) {
        match ops_signatures::check(&entry, &loaded, keys.verdict, keys.ops) {
            Ok(state) => result.ops_signature = state,
            Err(problem) => result.fail(problem),
        }
    }
    if signed_records::applies(&entry) {
        match signed_records::check(&entry, &loaded, keys.ops) {
            Ok(state) => result.ops_signature = state,
            Err(problem) => result.fail(problem),
        }
    }
    result
}

/// What a blob is to its entry, for messages.
enum Role<'a> {
    Named(&'a str),
    Evidence(&'a EvidenceRecord),
}

impl fmt::Display for Role<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Named(role) => f.write_str(role),
            Role::Evidence(e) => write!(f, "evidence {} ({})", e.path, e.role),
        }
    }
}

/// Re-hash one referenced blob (once per distinct digest); returns its bytes when `keep`.
fn check_blob(
    store: &dyn Store,
    sha256: &str,
    size: u64,
    checked: &Mutex<HashSet<[u8; 32]>>,
    keep: bool,
) -> Result<Option<Vec<u8>>, String> {
    let mut digest = [0u8; 32];
    hex::decode_to_slice(sha256, &mut digest)
        .map_err(|_| format!("has a malformed digest {sha256:?}"))?;
    if !keep && checked.lock().map(|s| s.contains(&digest)).unwrap_or(false) {
        return Ok(None);
    }
    let key = blob_key(sha256);
    let bytes = store
        .get(&key)
        .map_err(|e| format!("cannot be read: {e}"))?
        .ok_or_else(|| format!("{key} is missing"))?;
    let actual = sha256_hex(&bytes);
    if actual != sha256 {
        return Err(format!(
            "{key} hashes to {actual}, not the digest it is stored under"
        ));
    }
    if bytes.len() as u64 != size {
        return Err(format!(
            "{key} has {} bytes, the entry records {size}",
            bytes.len(),
        ));
    }
    if let Ok(mut set) = checked.lock() {
        set.insert(digest);
    }
    Ok(keep.then_some(bytes))
}

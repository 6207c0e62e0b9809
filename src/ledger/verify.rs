//! `audit verify`: recompute the chain, every referenced blob's digest and size, every
//! signature, and the head; name the first broken place. Entries are checked in parallel in
//! bounded chunks, so memory does not grow with the ledger beyond one digest per distinct blob.

mod minisig_batch;
mod ops_signatures;
mod signatures;
mod signed_records;

use super::entry::{Entry, EvidenceRecord, GENESIS, Kind, blob_key, entry_key, seq_of_key};
use super::head::{HEAD_KEY, Head};
use super::store::Store;
use crate::digest::sha256_hex;
use crate::keys::TrustedKey;
use minisig_batch::BatchVerifier;
use rayon::prelude::*;
use serde::Serialize;
use signatures::{SignatureCheck, check_signatures, resolve_signatures};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Mutex;

/// Entries checked per parallel batch: enough to keep every core busy, few enough that the
/// batch's summaries stay small.
const CHUNK: usize = 2048;

/// One broken place in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The store key where the break is (`entries/000000000042.json`, `head.json`).
    pub key: String,
    pub message: String,
    /// Chain position, for ordering (`u64::MAX` for the head).
    #[serde(skip)]
    order: u64,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub entries: u64,
    /// Distinct blobs re-hashed.
    pub blobs: u64,
    /// Whether signatures were checked (a public key was given).
    pub signatures_checked: bool,
    /// Signatures that verified (verdicts, provenance, freezes, head).
    pub signatures_verified: u64,
    /// Verdict entries recorded without a signature.
    pub unsigned_verdicts: u64,
    /// Whether freeze/unfreeze signers were checked against given ops keys.
    pub ops_keys_checked: bool,
    /// Freeze/unfreeze signatures verified (with the key they carry or a given key).
    pub ops_signatures_verified: u64,
    /// Freeze/unfreeze signatures that could not be checked: the entry predates recorded
    /// public keys and no given key has its key id.
    pub ops_signatures_unchecked: u64,
    /// The head's length, when there is a head.
    pub head_length: Option<u64>,
    /// Entries after the head (appended after the last head update): `(first, last)` seq.
    pub uncovered: Option<(u64, u64)>,
    /// Every break found, first (in chain order) first.
    pub breaks: Vec<Break>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// What one entry contributes to the sequential checks.
struct Checked {
    seq: u64,
    sha256: String,
    prev: Option<String>,
    freeze_of: Option<String>,
    unsigned_verdict: bool,
    signatures: u64,
    ops_signature: ops_signatures::Checked,
    breaks: Vec<Break>,
    /// The entry's signature checks, in order, resolved after the chunk's batch verification.
    signature_checks: Vec<SignatureCheck>,
}

/// Verify the ledger in `store`; with `key`, every verdict, provenance and head signature
/// must verify with it. Every freeze/unfreeze must carry a signature that verifies (with the
/// public key it records, or a given key of its key id); with `ops_keys`, its signer must be
/// one of them.
pub fn verify(
    store: &dyn Store,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<Outcome, String> {
    if super::format::detect(store)? == Some(super::format::Format::V2) {
        return Err(format!(
            "{}: a format-2 log; this build cannot verify it yet",
            store.location()
        ));
    }
    let mut outcome = Outcome {
        signatures_checked: key.is_some(),
        ops_keys_checked: !ops_keys.is_empty(),
        ..Outcome::default()
    };
    let keys = store.list("entries/").map_err(|e| e.to_string())?;
    let mut seqs = Vec::with_capacity(keys.len());
    for key in &keys {
        match seq_of_key(key) {
            Some(seq) => seqs.push(seq),
            None => outcome.breaks.push(brk(
                key,
                0,
                "not a ledger entry key (expected entries/<12 digits>.json)".into(),
            )),
        }
    }
    drop(keys);
    let verifier = key.map(BatchVerifier::new).transpose()?;
    let checked_blobs = Mutex::new(HashSet::<[u8; 32]>::new());
    let mut expected_seq = 1;
    let mut prev_sha = GENESIS.to_owned();
    let mut freezes: BTreeMap<String, u64> = BTreeMap::new();
    let mut head_freezes = None;
    let head = read_head(store, &mut outcome);
    let head_length = head.as_ref().map(|h| h.body.length);
    let mut hash_at_head = None;
    for chunk in seqs.chunks(CHUNK) {
        let mut results: Vec<Checked> = chunk
            .par_iter()
            .map(|&seq| {
                let keys = EntryKeys {
                    batch: verifier.as_ref(),
                    verdict: key,
                    ops: ops_keys,
                };
                check_entry(store, seq, &keys, &checked_blobs)
            })
            .collect();
        if let Some(verifier) = &verifier {
            resolve_signatures(verifier, &mut results);
        }
        for checked in results {
            let key_name = entry_key(checked.seq);
            if checked.seq != expected_seq {
                let message = if checked.seq > expected_seq {
                    format!(
                        "entries {expected_seq}..{} are missing: the chain jumps from {} to {} (entries were deleted)",
                        checked.seq - 1,
                        expected_seq - 1,
                        checked.seq
                    )
                } else {
                    format!("duplicate sequence number {}", checked.seq)
                };
                outcome
                    .breaks
                    .push(brk(&entry_key(expected_seq), expected_seq, message));
            } else if let Some(prev) = &checked.prev
                && *prev != prev_sha
            {
                let message = if checked.seq == 1 {
                    format!("prev is {prev}, but the first entry's prev must be {GENESIS}")
                } else {
                    format!(
                        "prev is {prev}, but entry {} hashes to {prev_sha}",
                        checked.seq - 1
                    )
                };
                outcome.breaks.push(brk(&key_name, checked.seq, message));
            }
            if let Some(environment) = checked.freeze_of {
                freezes.insert(environment, checked.seq);
            }
            if Some(checked.seq) == head_length {
                head_freezes = Some(freezes.clone());
                hash_at_head = Some(checked.sha256.clone());
            }
            outcome.entries += 1;
            outcome.signatures_verified += checked.signatures;
            outcome.unsigned_verdicts += u64::from(checked.unsigned_verdict);
            match checked.ops_signature {
                ops_signatures::Checked::Verified => outcome.ops_signatures_verified += 1,
                ops_signatures::Checked::Unchecked => outcome.ops_signatures_unchecked += 1,
                ops_signatures::Checked::NotApplicable => {}
            }
            outcome.breaks.extend(checked.breaks);
            expected_seq = checked.seq + 1;
            prev_sha = checked.sha256;
        }
    }
    let chain_length = expected_seq - 1;
    outcome.blobs = checked_blobs
        .into_inner()
        .map(|s| s.len() as u64)
        .unwrap_or(0);
    check_head(
        &mut outcome,
        head.as_ref(),
        key,
        ops_keys,
        chain_length,
        hash_at_head,
        head_freezes,
    );
    outcome.breaks.sort_by_key(|b| b.order);
    Ok(outcome)
}

fn brk(key: &str, order: u64, message: String) -> Break {
    Break {
        key: key.to_owned(),
        message,
        order,
    }
}

fn read_head(store: &dyn Store, outcome: &mut Outcome) -> Option<Head> {
    match store.get(HEAD_KEY) {
        Ok(Some(bytes)) => match Head::parse(&bytes) {
            Ok(head) => Some(head),
            Err(e) => {
                outcome.breaks.push(brk(HEAD_KEY, u64::MAX, e));
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            outcome.breaks.push(brk(HEAD_KEY, u64::MAX, e.to_string()));
            None
        }
    }
}

fn check_head(
    outcome: &mut Outcome,
    head: Option<&Head>,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
    chain_length: u64,
    hash_at_head: Option<String>,
    freezes_at_head: Option<BTreeMap<String, u64>>,
) {
    let head_unreadable = outcome.breaks.iter().any(|b| b.key == HEAD_KEY);
    let mut head_break = |message: String| outcome.breaks.push(brk(HEAD_KEY, u64::MAX, message));
    let Some(head) = head else {
        if chain_length > 0 && !head_unreadable {
            head_break(format!(
                "missing, but the chain has {chain_length} entries (every append writes the head)"
            ));
        }
        return;
    };
    let body = &head.body;
    if body.length > chain_length {
        head_break(format!(
            "says the chain has {} entries, but it has {chain_length}: entries after {chain_length} were removed (truncation)",
            body.length
        ));
        return;
    }
    if body.length == 0 {
        // The head written before the first entry; it covers nothing.
        if body.last != GENESIS || !body.freezes.is_empty() {
            head_break("records an empty chain with a last hash or freezes".to_owned());
        }
    } else if hash_at_head.as_deref() != Some(body.last.as_str()) {
        head_break(format!(
            "says entry {} hashes to {}, but it hashes to {} ({} was changed or replaced)",
            body.length,
            body.last,
            hash_at_head.unwrap_or_default(),
            entry_key(body.length)
        ));
    }
    if body.length > 0 && freezes_at_head.as_ref() != Some(&body.freezes) {
        head_break(format!(
            "its freeze index {:?} does not match the chain's freeze entries {:?}",
            body.freezes,
            freezes_at_head.unwrap_or_default()
        ));
    }
    if let Some(key) = key {
        // The last appender signed the head: evaluate with the verdict key, freeze and
        // unfreeze with an ops key.
        let ops_signed = ops_keys.iter().find(|ops| head.verify(ops).is_ok());
        match (head.verify(key), ops_signed) {
            (Ok(()), _) | (Err(_), Some(_)) => outcome.signatures_verified += 1,
            (Err(e), None) if ops_keys.is_empty() => head_break(format!(
                "{e} (if the last append was a freeze or unfreeze, pass its ops key with --ops-key)"
            )),
            (Err(e), None) => head_break(format!("{e}, nor by any --ops-key")),
        }
    }
    outcome.head_length = Some(body.length);
    if body.length < chain_length {
        outcome.uncovered = Some((body.length + 1, chain_length));
    }
}

/// The keys one entry's signatures are checked with.
struct EntryKeys<'a> {
    /// The verdict key, ready for batch verification.
    batch: Option<&'a BatchVerifier>,
    verdict: Option<&'a TrustedKey>,
    ops: &'a [TrustedKey],
}

fn check_entry(
    store: &dyn Store,
    seq: u64,
    keys: &EntryKeys<'_>,
    checked: &Mutex<HashSet<[u8; 32]>>,
) -> Checked {
    let key = keys.batch;
    let name = entry_key(seq);
    let mut result = Checked {
        seq,
        sha256: String::new(),
        prev: None,
        freeze_of: None,
        unsigned_verdict: false,
        signatures: 0,
        ops_signature: ops_signatures::Checked::NotApplicable,
        breaks: Vec::new(),
        signature_checks: Vec::new(),
    };
    let fail = |result: &mut Checked, message: String| result.breaks.push(brk(&name, seq, message));
    let bytes = match store.get(&name) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            fail(
                &mut result,
                "listed but unreadable (removed while verifying?)".into(),
            );
            return result;
        }
        Err(e) => {
            fail(&mut result, e.to_string());
            return result;
        }
    };
    result.sha256 = sha256_hex(&bytes);
    let entry: Entry = match serde_json::from_slice(&bytes) {
        Ok(entry) => entry,
        Err(e) => {
            fail(&mut result, format!("not a ledger entry: {e}"));
            return result;
        }
    };
    result.prev = entry.prev.clone();
    if entry.prev.is_none() {
        fail(
            &mut result,
            "has no prev: every format-1 entry names the previous entry's hash".into(),
        );
    }
    if entry.seq != seq {
        fail(
            &mut result,
            format!(
                "holds seq {}, not {seq} (entries reordered or renamed)",
                entry.seq
            ),
        );
    }
    if entry.schema != super::entry::ENTRY_SCHEMA {
        fail(&mut result, format!("unknown schema {:?}", entry.schema));
    }
    if entry.bytes() != bytes {
        fail(
            &mut result,
            "not in canonical form (the stored bytes were edited)".into(),
        );
    }
    if matches!(entry.kind, Kind::Freeze | Kind::Unfreeze) {
        result.freeze_of = Some(entry.environment.clone());
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
    // Evidence is mostly the same few blobs in every entry: no per-entry copies of its
    // digests or names, which are only needed for a message.
    let evidence = entry.evidence(store).unwrap_or_else(|e| {
        fail(&mut result, e);
        std::borrow::Cow::Borrowed(&[])
    });
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
            Err(e) => fail(&mut result, format!("{role} {e}")),
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
            Err(problem) => fail(&mut result, problem),
        }
    }
    if signed_records::applies(&entry) {
        match signed_records::check(&entry, &loaded, keys.ops) {
            Ok(state) => result.ops_signature = state,
            Err(problem) => fail(&mut result, problem),
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

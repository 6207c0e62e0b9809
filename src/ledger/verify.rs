//! `audit verify`: recompute the chain, every referenced blob's digest and size, every
//! signature, and the head; name the first broken place. Entries are checked in parallel in
//! bounded chunks, so memory does not grow with the ledger beyond one digest per distinct blob.

pub(crate) mod entry;
pub(crate) mod minisig_batch;
pub(crate) mod ops_signatures;
pub(crate) mod signatures;
mod signed_records;

use super::entry::{GENESIS, entry_key, seq_of_key};
use super::format::Format;
use super::head::{HEAD_KEY, Head};
use super::store::Store;
use crate::keys::TrustedKey;
use entry::{Checked, EntryKeys, check_entry_bytes};
use minisig_batch::BatchVerifier;
use rayon::prelude::*;
use serde::Serialize;
use signatures::resolve_signatures;
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

/// Entries checked per parallel batch: enough to keep every core busy, few enough that the
/// batch's summaries stay small.
pub(crate) const CHUNK: usize = 2048;

/// One broken place in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The store key where the break is (`entries/000000000042.json`, `head.json`,
    /// `tile/entries/000#42`, `checkpoint`).
    pub key: String,
    pub message: String,
    /// Chain position, for ordering (`u64::MAX` for the head).
    #[serde(skip)]
    pub(crate) order: u64,
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
    /// Format 2: the checkpoint (format 1 reports its head above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointState>,
    /// Format 2 with `--since`: the pinned checkpoint's size; only the records after it were
    /// read (the ones before are proven unchanged by the consistency proof).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
}

/// What `audit verify` found about a format-2 log's checkpoint.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckpointState {
    pub origin: String,
    /// Records the checkpoint covers.
    pub size: u64,
    /// Whether it carries any signature line.
    pub signed: bool,
    /// The given keys whose signature verified (`verdict key <id>`, `ops key <id>`).
    pub signed_by: Vec<String>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.breaks.is_empty()
    }

    /// Count one checked entry (after the sequential checks that need its digest).
    pub(crate) fn count(&mut self, checked: Checked) {
        self.entries += 1;
        self.signatures_verified += checked.signatures;
        self.unsigned_verdicts += u64::from(checked.unsigned_verdict);
        match checked.ops_signature {
            ops_signatures::Checked::Verified => self.ops_signatures_verified += 1,
            ops_signatures::Checked::Unchecked => self.ops_signatures_unchecked += 1,
            ops_signatures::Checked::NotApplicable => {}
        }
        self.breaks.extend(checked.breaks);
    }
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
    if super::format::detect(store)? == Some(Format::V2) {
        return super::v2::verify::verify(store, key, ops_keys, None);
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
        for mut checked in results {
            let key_name = checked.key.clone();
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
            if let Some(environment) = checked.freeze_of.take() {
                freezes.insert(environment, checked.seq);
            }
            if Some(checked.seq) == head_length {
                head_freezes = Some(freezes.clone());
                hash_at_head = Some(checked.sha256.clone());
            }
            expected_seq = checked.seq + 1;
            prev_sha = std::mem::take(&mut checked.sha256);
            outcome.count(checked);
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

pub(crate) fn brk(key: &str, order: u64, message: String) -> Break {
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

/// Read format-1 entry `seq` and check it.
fn check_entry(
    store: &dyn Store,
    seq: u64,
    keys: &EntryKeys<'_>,
    checked: &Mutex<HashSet<[u8; 32]>>,
) -> Checked {
    let mut result = Checked::new(seq, entry_key(seq));
    match store.get(&result.key) {
        Ok(Some(bytes)) => check_entry_bytes(store, result, &bytes, Format::V1, keys, checked),
        Ok(None) => {
            result.fail("listed but unreadable (removed while verifying?)".into());
            result
        }
        Err(e) => {
            result.fail(e.to_string());
            result
        }
    }
}

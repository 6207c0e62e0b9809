//! `audit verify --bundle`: the ledger verifier run on the bundle's chain, with the blobs of
//! entries that were not exported expected to be absent, plus the bundle's own promises:
//! the manifest matches the chain, every plain-file copy is byte-identical to the blob the
//! chain records, and nothing else is in the tar.

use super::{LEDGER_PREFIX, MANIFEST, Manifest, MemoryStore, README, plain_dir};
use crate::keys::TrustedKey;
use crate::ledger::entry::{BlobRef, Entry, blob_key, entry_key, seq_of_key};
use crate::ledger::head::{HEAD_KEY, Head};
use crate::ledger::revocation::audit::RevocationReport;
use crate::ledger::store::Store;
use crate::ledger::verify::Outcome;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A broken promise of the bundle itself (outside the ledger's chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub member: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleOutcome {
    pub manifest: Manifest,
    /// The chain, blobs, head and signatures, as `audit verify` checks a store.
    pub ledger: Outcome,
    /// Blobs of entries outside the export, absent as expected.
    pub blobs_not_exported: u64,
    /// Plain-file copies checked against the chain.
    pub plain_files: u64,
    pub problems: Vec<Problem>,
    /// With `ops_keys`: the bundle's own revocation records, judged against them, and the
    /// entries signed by a key after its revocation took effect (these fail).
    pub revocations: RevocationReport,
}

impl BundleOutcome {
    pub fn ok(&self) -> bool {
        self.ledger.ok() && self.problems.is_empty() && self.revocations.refused.is_empty()
    }
}

/// Verify the bundle at `path`; with `key`, every signature must verify with it; with
/// `ops_keys`, every freeze/unfreeze must be signed by one of them, and the bundle's
/// revocation records (judged against them) refuse what a revoked key signed after its cutoff.
pub fn verify(
    path: &Path,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<BundleOutcome, String> {
    let mut members = super::read(path)?;
    let manifest_bytes = members.remove(MANIFEST).ok_or_else(|| {
        format!(
            "bundle {}: no {MANIFEST}; not a bundle written by `tollgate audit export`",
            path.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| format!("bundle {}: {MANIFEST} does not parse: {e}", path.display()))?;
    if manifest.format != super::FORMAT {
        return Err(format!(
            "bundle {}: unknown format {:?} (this tollgate reads {})",
            path.display(),
            manifest.format,
            super::FORMAT
        ));
    }
    members.remove(README);
    let mut ledger = BTreeMap::new();
    let mut rest = BTreeMap::new();
    for (name, bytes) in members {
        match name.strip_prefix(LEDGER_PREFIX) {
            Some(key) => ledger.insert(key.to_owned(), bytes),
            None => rest.insert(name, bytes),
        };
    }
    let store = MemoryStore::new(format!("{}:{LEDGER_PREFIX}", path.display()), ledger);
    let mut outcome = crate::ledger::verify::verify(&store, key, ops_keys)?;
    let all_seqs: Vec<u64> = store
        .list("entries/")
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|k| seq_of_key(k))
        .collect();
    let exported: BTreeSet<u64> = if manifest.all {
        all_seqs.iter().copied().collect()
    } else {
        manifest.exported.iter().copied().collect()
    };
    // A blob missing for an entry outside the export is what an export of one entry means.
    let before = outcome.breaks.len();
    outcome.breaks.retain(|b| {
        let outside = seq_of_key(&b.key).is_some_and(|seq| !exported.contains(&seq));
        !(outside && b.message.contains(" objects/sha256/") && b.message.ends_with(" is missing"))
    });
    let blobs_not_exported = (before - outcome.breaks.len()) as u64;

    let mut problems = Vec::new();
    let mut problem = |member: &str, message: String| {
        problems.push(Problem {
            member: member.to_owned(),
            message,
        })
    };
    if manifest.entries != outcome.entries {
        problem(
            MANIFEST,
            format!(
                "says the chain has {} entries, but the bundle holds {}",
                manifest.entries, outcome.entries
            ),
        );
    }
    if manifest.head_length != outcome.head_length {
        problem(
            MANIFEST,
            format!(
                "says the head covers {:?} entries, but the bundle's head covers {:?}",
                manifest.head_length, outcome.head_length
            ),
        );
    }
    let mut expected: BTreeSet<String> = BTreeSet::new();
    let mut referenced: BTreeSet<String> = BTreeSet::new();
    let mut plain_files = 0;
    for &seq in &exported {
        let entry: Option<Entry> = store
            .get(&entry_key(seq))
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(entry) = entry else {
            problem(
                MANIFEST,
                format!(
                    "lists entry {seq} as exported, but the bundle has no readable entry {seq}"
                ),
            );
            continue;
        };
        referenced.extend(entry.blobs().iter().map(|(_, b)| b.sha256.clone()));
        // An unreadable evidence list is a break of `audit verify` already.
        if let Ok(evidence) = entry.evidence(&store) {
            referenced.extend(Entry::stored_evidence(&evidence).map(|e| e.sha256.clone()));
        }
        let dir = plain_dir(seq);
        for (name, blob) in super::plain_files(&entry) {
            let Some(blob) = blob else { continue };
            let member = format!("{dir}/{name}");
            plain_files += 1;
            if let Some(why) = mismatch(rest.get(&member), blob, &entry_key(seq)) {
                problem(&member, why);
            }
            expected.insert(member);
        }
    }
    if let Some(bytes) = store.get(HEAD_KEY).ok().flatten()
        && let Ok(head) = Head::parse(&bytes)
    {
        plain_files += 1;
        check_copy(&rest, "head.json", &head.body.signed_bytes(), &mut problem);
        expected.insert("head.json".to_owned());
        if let Some(signature) = &head.signature {
            plain_files += 1;
            check_copy(
                &rest,
                "head.json.minisig",
                signature.as_bytes(),
                &mut problem,
            );
            expected.insert("head.json.minisig".to_owned());
        }
    }
    for name in rest.keys().filter(|n| !expected.contains(*n)) {
        problem(
            name,
            "is not part of a bundle (unexpected member)".to_owned(),
        );
    }
    for key in store.list("").map_err(|e| e.to_string())? {
        let known = key == HEAD_KEY
            || seq_of_key(&key).is_some()
            || crate::ledger::entry::sha_of_blob_key(&key)
                .is_some_and(|sha| referenced.contains(&sha) && blob_key(&sha) == key);
        if !known {
            problem(
                &format!("{LEDGER_PREFIX}{key}"),
                "is not referenced by any exported entry (unexpected member)".to_owned(),
            );
        }
    }
    // The export carries every revocation record with its signature, so the bundle alone
    // says which keys were revoked and from when; a verdict or record it holds signed by a
    // key after its cutoff fails as it does in the ledger (blobs of entries outside the
    // export are absent, so only what the bundle holds is judged).
    let revocations = crate::ledger::revocation::audit::report(&store, ops_keys)
        .map_err(|e| format!("bundle {}: key revocations: {e}", path.display()))?;
    Ok(BundleOutcome {
        manifest,
        ledger: outcome,
        blobs_not_exported,
        plain_files,
        problems,
        revocations,
    })
}

/// Why a plain copy does not match the blob the chain records, if it does not.
fn mismatch(bytes: Option<&Vec<u8>>, blob: &BlobRef, entry: &str) -> Option<String> {
    let Some(bytes) = bytes else {
        return Some(format!(
            "is missing, but {entry} records it and the entry is exported"
        ));
    };
    let sha = crate::digest::sha256_hex(bytes);
    (sha != blob.sha256 || bytes.len() as u64 != blob.size).then(|| {
        format!(
            "hashes to {sha} ({} bytes), but {entry} records {} ({} bytes)",
            bytes.len(),
            blob.sha256,
            blob.size
        )
    })
}

fn check_copy(
    rest: &BTreeMap<String, Vec<u8>>,
    name: &str,
    want: &[u8],
    problem: &mut impl FnMut(&str, String),
) {
    match rest.get(name) {
        None => problem(name, format!("is missing: the bundle's {HEAD_KEY} has it")),
        Some(bytes) if bytes.as_slice() != want => problem(
            name,
            format!("differs from the body/signature of {LEDGER_PREFIX}{HEAD_KEY}"),
        ),
        Some(_) => {}
    }
}

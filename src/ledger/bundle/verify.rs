//! `audit verify --bundle`: the manifest says which format the bundle is. Format 1: the
//! ledger verifier run on the bundle's chain, with the blobs of entries that were not
//! exported expected to be absent, plus the bundle's own promises: the manifest matches the
//! chain, every plain-file copy is byte-identical to the blob the chain records, and nothing
//! else is in the tar. Format 2: `super::verify_v2`.

use super::files::Seen;
use super::{BundleManifest, LEDGER_PREFIX, MANIFEST, Manifest, MemoryStore, README};
use crate::keys::TrustedKey;
use crate::ledger::entry::{Entry, entry_key, seq_of_key};
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
    pub manifest: BundleManifest,
    /// Format 1: the chain, blobs, head and signatures, as `audit verify` checks a store.
    /// Format 2: the checkpoint, and the exported records with their blobs and signatures.
    pub ledger: Outcome,
    /// Blobs of entries outside the export, absent as expected.
    pub blobs_not_exported: u64,
    /// Plain-file copies checked against the chain.
    pub plain_files: u64,
    /// Format 2: the inclusion proofs that led to the checkpoint's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proofs: Option<u64>,
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
    let manifest = BundleManifest::parse(&manifest_bytes)
        .map_err(|e| format!("bundle {}: {e}", path.display()))?;
    members.remove(README);
    let mut ledger = BTreeMap::new();
    let mut rest = BTreeMap::new();
    for (name, bytes) in members {
        match name.strip_prefix(LEDGER_PREFIX) {
            Some(key) => ledger.insert(key.to_owned(), bytes),
            None => rest.insert(name, bytes),
        };
    }
    match manifest {
        BundleManifest::V1(manifest) => verify_v1(path, manifest, ledger, rest, key, ops_keys),
        BundleManifest::V2(manifest) => {
            super::verify_v2::verify(path, manifest, ledger, rest, key, ops_keys)
        }
    }
}

/// Verify a format-1 bundle (see the module doc); `ledger` holds its `ledger/` members by
/// key, `rest` the others (without the manifest and README).
fn verify_v1(
    path: &Path,
    manifest: Manifest,
    ledger: BTreeMap<String, Vec<u8>>,
    rest: BTreeMap<String, Vec<u8>>,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<BundleOutcome, String> {
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
    let mut seen = Seen::default();
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
        seen.entry(&store, &entry, &entry_key(seq), &rest, &mut problem);
    }
    if let Some(bytes) = store.get(HEAD_KEY).ok().flatten()
        && let Ok(head) = Head::parse(&bytes)
    {
        seen.plain_files += 1;
        check_copy(&rest, "head.json", &head.body.signed_bytes(), &mut problem);
        seen.expected.insert("head.json".to_owned());
        if let Some(signature) = &head.signature {
            seen.plain_files += 1;
            check_copy(
                &rest,
                "head.json.minisig",
                signature.as_bytes(),
                &mut problem,
            );
            seen.expected.insert("head.json.minisig".to_owned());
        }
    }
    for name in rest.keys().filter(|n| !seen.expected.contains(*n)) {
        problem(
            name,
            "is not part of a bundle (unexpected member)".to_owned(),
        );
    }
    for key in store.list("").map_err(|e| e.to_string())? {
        let known = key == HEAD_KEY || seq_of_key(&key).is_some() || seen.is_referenced_blob(&key);
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
        manifest: BundleManifest::V1(manifest),
        ledger: outcome,
        blobs_not_exported,
        plain_files: seen.plain_files,
        proofs: None,
        problems,
        revocations,
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

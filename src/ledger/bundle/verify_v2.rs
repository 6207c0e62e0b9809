//! `audit verify --bundle` of a bundle of a format-2 log: the checkpoint parses and (with
//! `--pubkey`) is signed by the verdict key or an `--ops-key`, as `audit verify` judges a
//! store's; every exported record's inclusion proof leads to that checkpoint's root with the
//! record at index seq - 1; each record then gets the per-entry checks of `audit verify`
//! (canonical, seq, blobs' digests and sizes, verdict/provenance and ops signatures), its
//! plain copies match, the revocation records judge the rest, and nothing else is in the tar.
//! Breaks and problems name the bundle member.

use super::files::Seen;
use super::{BundleManifest, BundleOutcome, LEDGER_PREFIX, MANIFEST, ManifestV2, MemoryStore};
use crate::digest::sha256_hex;
use crate::keys::TrustedKey;
use crate::ledger::entry::{Entry, EntryId};
use crate::ledger::format::Format;
use crate::ledger::store::Store;
use crate::ledger::v2::layout::CHECKPOINT;
use crate::ledger::verify::entry::{Checked, EntryKeys, check_entry_bytes};
use crate::ledger::verify::minisig_batch::BatchVerifier;
use crate::ledger::verify::signatures::resolve_signatures;
use crate::ledger::verify::{Break, Outcome, brk};
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::proof::InclusionProof;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::sync::Mutex;

/// Verify a format-2 bundle whose manifest is `manifest`, `ledger` its `ledger/` members (by
/// key) and `rest` the others (without the manifest and README).
pub(super) fn verify(
    path: &Path,
    manifest: ManifestV2,
    ledger: BTreeMap<String, Vec<u8>>,
    rest: BTreeMap<String, Vec<u8>>,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<BundleOutcome, String> {
    let checkpoint_member = format!("{LEDGER_PREFIX}{CHECKPOINT}");
    let store = MemoryStore::new(format!("{}:{LEDGER_PREFIX}", path.display()), ledger);
    let mut outcome = Outcome {
        signatures_checked: key.is_some(),
        ops_keys_checked: !ops_keys.is_empty(),
        ..Outcome::default()
    };
    let mut problems = Vec::new();
    let mut problem = |member: &str, message: String| {
        problems.push(super::Problem {
            member: member.to_owned(),
            message,
        })
    };
    let checkpoint = match store.get(CHECKPOINT).map_err(|e| e.to_string())? {
        None => Err(
            "is missing: a bundle of a format-2 log holds the checkpoint its proofs lead to"
                .to_owned(),
        ),
        Some(bytes) => SignedCheckpoint::parse(&bytes),
    };
    let checkpoint = match checkpoint {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            outcome.breaks.push(brk(&checkpoint_member, 0, e));
            return Ok(finish(manifest, outcome, problems, Default::default()));
        }
    };
    crate::ledger::v2::verify::check_signatures(&checkpoint, key, ops_keys, &mut outcome);
    for b in outcome.breaks.iter_mut().filter(|b| b.key == CHECKPOINT) {
        b.key.clone_from(&checkpoint_member);
        b.order = 0;
    }
    let size = checkpoint.checkpoint.size;
    if manifest.origin != checkpoint.checkpoint.origin || manifest.tree_size != size {
        problem(
            MANIFEST,
            format!(
                "says the checkpoint is {:?} at size {}, but {checkpoint_member} is {:?} at size {size}",
                manifest.origin, manifest.tree_size, checkpoint.checkpoint.origin
            ),
        );
    }
    let exported: BTreeSet<u64> = manifest.exported.iter().copied().collect();
    if manifest.all && !exported.iter().copied().eq(1..=size) {
        problem(
            MANIFEST,
            format!(
                "says every record is exported, but lists {} of the checkpoint's {size}",
                exported.len()
            ),
        );
    }

    // Each proof leads to the checkpoint; its record then gets the entry checks.
    let verifier = key.map(BatchVerifier::new).transpose()?;
    let keys = EntryKeys {
        batch: verifier.as_ref(),
        verdict: key,
        ops: ops_keys,
    };
    let checked_blobs = Mutex::new(HashSet::<[u8; 32]>::new());
    let mut expected: BTreeSet<String> = BTreeSet::new();
    let mut results: Vec<Checked> = Vec::new();
    let mut records: Vec<(EntryId, Entry)> = Vec::new();
    // Records whose proof failed: their files are accounted for (not reported as unexpected
    // members on top of the proof's break), nothing else is judged from them.
    let mut unproven: Vec<Entry> = Vec::new();
    for &seq in &exported {
        let member = super::proof_member(seq);
        expected.insert(member.clone());
        let Some(bytes) = rest.get(&member) else {
            outcome.breaks.push(brk(
                &member,
                seq,
                format!("is missing, but {MANIFEST} lists record {seq} as exported"),
            ));
            continue;
        };
        let record = match proven_record(bytes, seq, &checkpoint) {
            Ok(record) => record,
            Err(e) => {
                outcome.breaks.push(brk(&member, seq, e));
                unproven.extend(unproven_entry(bytes).filter(|entry| entry.seq == seq));
                continue;
            }
        };
        let checked = check_entry_bytes(
            &store,
            Checked::new(seq, member.clone()),
            &record,
            Format::V2,
            &keys,
            &checked_blobs,
        );
        results.push(checked);
        // An unparseable record is a break of the entry checks already.
        if let Ok(entry) = serde_json::from_slice::<Entry>(&record) {
            let id = EntryId {
                seq,
                sha256: sha256_hex(&record),
            };
            records.push((id, entry));
        }
    }
    if let Some(verifier) = &verifier {
        resolve_signatures(verifier, &mut results);
    }
    for checked in results {
        outcome.count(checked);
    }
    outcome.blobs = checked_blobs
        .into_inner()
        .map(|s| s.len() as u64)
        .unwrap_or(0);

    // Plain copies, and nothing the exported records do not account for.
    let mut seen = Seen::default();
    for entry in records.iter().map(|(_, entry)| entry).chain(&unproven) {
        let at = format!("record {} ({})", entry.seq, super::proof_member(entry.seq));
        seen.entry(&store, entry, &at, &rest, &mut problem);
    }
    expected.extend(seen.expected.iter().cloned());
    for name in rest.keys().filter(|n| !expected.contains(*n)) {
        problem(
            name,
            "is not part of a bundle (unexpected member)".to_owned(),
        );
    }
    for key in store.list("").map_err(|e| e.to_string())? {
        if key != CHECKPOINT && !seen.is_referenced_blob(&key) {
            problem(
                &format!("{LEDGER_PREFIX}{key}"),
                "is not referenced by any exported record (unexpected member)".to_owned(),
            );
        }
    }
    let revocations =
        crate::ledger::revocation::audit::report_of_entries(&store, &records, ops_keys)
            .map_err(|e| format!("bundle {}: key revocations: {e}", path.display()))?;
    let mut outcome = finish(manifest, outcome, problems, revocations);
    outcome.plain_files = seen.plain_files;
    outcome.proofs = Some(records.len() as u64);
    Ok(outcome)
}

/// The record of the proof in `bytes` (member of record `seq`), once the proof is shown to
/// lead to `checkpoint`'s root with the record at index `seq - 1`.
fn proven_record(bytes: &[u8], seq: u64, checkpoint: &SignedCheckpoint) -> Result<Vec<u8>, String> {
    let proof =
        InclusionProof::from_json(bytes).map_err(|e| format!("is not an inclusion proof: {e}"))?;
    if proof.checkpoint.as_bytes() != checkpoint.text.as_slice() {
        let theirs = proof
            .signed_checkpoint()
            .map(|c| format!("{:?} at size {}", c.checkpoint.origin, c.checkpoint.size))
            .unwrap_or_else(|e| e);
        return Err(format!(
            "proves against another checkpoint ({theirs}) than {LEDGER_PREFIX}{CHECKPOINT} \
             ({:?} at size {}): every proof of a bundle leads to its one checkpoint",
            checkpoint.checkpoint.origin, checkpoint.checkpoint.size
        ));
    }
    if proof.index.checked_add(1) != Some(seq) {
        return Err(format!(
            "is the proof of index {} (record {}), not of record {seq} (index {})",
            proof.index,
            proof.index.saturating_add(1),
            seq - 1
        ));
    }
    let (_, record) = proof.check()?;
    Ok(record)
}

/// The entry a proof that failed carries, if it reads as one.
fn unproven_entry(bytes: &[u8]) -> Option<Entry> {
    let proof = InclusionProof::from_json(bytes).ok()?;
    serde_json::from_slice(&crate::tlog::unb64(&proof.entry)?).ok()
}

fn finish(
    manifest: ManifestV2,
    mut ledger: Outcome,
    problems: Vec<super::Problem>,
    revocations: crate::ledger::revocation::audit::RevocationReport,
) -> BundleOutcome {
    ledger.breaks.sort_by_key(|b: &Break| b.order);
    BundleOutcome {
        manifest: BundleManifest::V2(manifest),
        ledger,
        blobs_not_exported: 0,
        plain_files: 0,
        proofs: Some(0),
        problems,
        revocations,
    }
}

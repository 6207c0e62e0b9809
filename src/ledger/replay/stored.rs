//! What replay reads from the ledger for one entry (verdict, provenance, evidence, every blob
//! re-hashed), how it lays the evidence out in the replay tree, and the freeze state the
//! evaluation saw.

use super::ReplayError;
use super::tree::{Placement, Tree};
use crate::ledger::entry::{Base, BlobRef, Entry, EntryId, EvidenceRecord, Kind, blob_key};
use crate::ledger::freeze::FreezeState;
use crate::ledger::query;
use crate::ledger::store::Store;
use crate::verdict::Verdict;
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything replay reads from the ledger for one entry.
pub(super) struct Stored {
    pub id: EntryId,
    pub entry: Entry,
    /// The entry's evidence records (inline, or read from its spilled evidence list).
    pub evidence: Vec<EvidenceRecord>,
    pub verdict: Verdict,
    pub verdict_value: Value,
    pub release: String,
    pub repo: String,
    /// Stored evidence bytes, by digest.
    pub blobs: BTreeMap<String, Vec<u8>>,
}

pub(super) fn load(store: &dyn Store, id: &str) -> Result<Stored, ReplayError> {
    let (id, entry) = query::find(store, id).map_err(ReplayError::Usage)?;
    if entry.kind != Kind::Verdict {
        return Err(ReplayError::Usage(format!(
            "entry {} is a {} entry, not a verdict: only verdicts are decisions that can be replayed",
            id.seq,
            entry.kind.as_str()
        )));
    }
    let missing = |what: &str| {
        ReplayError::Cannot(format!(
            "entry {} records no {what}; run `tollgate audit verify`",
            id.seq
        ))
    };
    let verdict_bytes = read_blob(
        store,
        entry.verdict.as_ref().ok_or_else(|| missing("verdict"))?,
    )
    .map_err(ReplayError::Cannot)?;
    let provenance_bytes = read_blob(
        store,
        entry
            .provenance
            .as_ref()
            .ok_or_else(|| missing("provenance"))?,
    )
    .map_err(ReplayError::Cannot)?;
    let verdict: Verdict = serde_json::from_slice(&verdict_bytes).map_err(|e| {
        ReplayError::Cannot(format!(
            "the stored verdict does not parse as this version's verdict: {e}"
        ))
    })?;
    let verdict_value: Value = serde_json::from_slice(&verdict_bytes)
        .map_err(|e| ReplayError::Cannot(format!("the stored verdict is not JSON: {e}")))?;
    let provenance: Value = serde_json::from_slice(&provenance_bytes)
        .map_err(|e| ReplayError::Cannot(format!("the stored provenance is not JSON: {e}")))?;
    let parameter = |name: &str| {
        provenance["predicate"]["buildDefinition"]["externalParameters"][name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                ReplayError::Cannot(format!(
                    "the stored provenance has no externalParameters.{name}: replay cannot tell where the evidence was"
                ))
            })
    };
    let (release, repo) = (parameter("release")?, parameter("repository")?);
    let evidence = entry
        .evidence(store)
        .map_err(ReplayError::Cannot)?
        .into_owned();
    let mut blobs = BTreeMap::new();
    for record in Entry::stored_evidence(&evidence) {
        let blob = BlobRef {
            sha256: record.sha256.clone(),
            size: record.size,
        };
        blobs.insert(
            record.sha256.clone(),
            read_blob(store, &blob).map_err(ReplayError::Cannot)?,
        );
    }
    Ok(Stored {
        id,
        entry,
        evidence,
        verdict,
        verdict_value,
        release,
        repo,
        blobs,
    })
}

/// A blob's bytes, checked against its name: replay never works from damaged evidence.
pub fn read_blob(store: &dyn Store, blob: &BlobRef) -> Result<Vec<u8>, String> {
    let key = blob_key(&blob.sha256);
    let bytes = store.get(&key).map_err(|e| e.to_string())?.ok_or_else(|| {
        format!(
            "{}/{key} is missing; run `tollgate audit verify`",
            store.location()
        )
    })?;
    if crate::digest::sha256_hex(&bytes) != blob.sha256 {
        return Err(format!(
            "{}/{key} does not hash to its name; run `tollgate audit verify`",
            store.location()
        ));
    }
    Ok(bytes)
}

/// Write every stored evidence file where the evaluation read it. Returns the evidence paths
/// that could not be placed (a gate needing one is then taken as stored); the policy itself
/// must be placeable.
pub(super) fn materialise(
    stored: &Stored,
    tree: &mut Tree,
) -> Result<BTreeMap<String, String>, ReplayError> {
    let policy_path = &stored.verdict.policy.path;
    let policy_dir = std::path::Path::new(policy_path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let policy = stored
        .evidence
        .iter()
        .find(|r| r.role == "policy" && r.stored && r.sha256 == stored.verdict.policy.sha256)
        .ok_or_else(|| {
            ReplayError::Cannot(format!(
                "the policy {policy_path} (sha256 {}) is not stored in entry {}: nothing to replay against",
                stored.verdict.policy.sha256, stored.id.seq
            ))
        })?;
    tree.put(
        policy_path,
        &stored.blobs[&policy.sha256],
        Placement::Primary,
    )
    .map_err(ReplayError::Cannot)?;
    let mut unplaced = BTreeMap::new();
    for record in Entry::stored_evidence(&stored.evidence).filter(|r| r.role != "policy") {
        let bytes = &stored.blobs[&record.sha256];
        let result = place(
            tree,
            record,
            bytes,
            &stored.release,
            &stored.repo,
            &policy_dir,
        );
        if let Err(why) = result {
            if record.role == "trusted-key" {
                return Err(ReplayError::Cannot(format!(
                    "trusted key {}: {why}",
                    record.path
                )));
            }
            unplaced.insert(record.path.clone(), why);
        }
    }
    Ok(unplaced)
}

/// One evidence file at its base, and (for a relative path) also relative to the working
/// directory: gates report paths either relative to their base or as they opened them, and
/// the ledger proved the same bytes were at the base.
fn place(
    tree: &mut Tree,
    record: &EvidenceRecord,
    bytes: &[u8],
    release: &str,
    repo: &str,
    policy_dir: &str,
) -> Result<(), String> {
    let path = record.path.as_str();
    let under = |dir: &str| {
        if dir.is_empty() {
            path.to_owned()
        } else {
            format!("{}/{path}", dir.trim_end_matches('/'))
        }
    };
    let primary = match record.base {
        Base::Absolute | Base::Cwd | Base::Unresolved => path.to_owned(),
        Base::Release => under(release),
        Base::Repo => under(repo),
        Base::Policy => under(policy_dir),
    };
    tree.put(&primary, bytes, Placement::Primary)?;
    if !std::path::Path::new(path).is_absolute() && primary != path {
        tree.put(path, bytes, Placement::Copy)?;
    }
    Ok(())
}

/// The environment's freeze in force when the entry was appended (judged by the entries
/// before it and the stored policy's ops keys), exactly what evaluate read.
pub(super) fn frozen_before(
    store: &dyn Store,
    stored: &Stored,
    ops_keys: &[crate::keys::TrustedKey],
) -> Result<Option<FreezeState>, ReplayError> {
    crate::ledger::freeze::state_through(
        store,
        &stored.entry.environment,
        ops_keys,
        stored.id.seq.saturating_sub(1),
    )
    .map_err(ReplayError::Cannot)
}

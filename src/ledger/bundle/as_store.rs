//! A bundle as a read-only store, for readers of a whole ledger's history (the promotion
//! gate's `bundles`), after `verify` passed: a format-1 bundle's `ledger/` members as they
//! are (the chain and head); a format-2 bundle of every record (`--all`) rebuilt into the
//! log its proofs describe: its checkpoint and blobs, entry bundles of its records and the
//! hash tiles they give, whose root must be the checkpoint's.

use super::{BundleManifest, LEDGER_PREFIX, MANIFEST, MemoryStore};
use crate::ledger::v2::layout::CHECKPOINT;
use crate::tlog::TILE_WIDTH;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::paths::bundles_for;
use crate::tlog::proof::InclusionProof;
use crate::tlog::tree::{MemoryHashes, root};
use std::collections::BTreeMap;
use std::path::Path;

/// The bundle at `path` as a store (see the module doc).
pub fn as_store(path: &Path) -> Result<MemoryStore, String> {
    let members = super::read(path)?;
    let at = |what: String| format!("bundle {}: {what}", path.display());
    let manifest = members
        .get(MANIFEST)
        .ok_or_else(|| {
            at(format!(
                "no {MANIFEST}; not a bundle written by `tollgate audit export`"
            ))
        })
        .and_then(|bytes| BundleManifest::parse(bytes).map_err(at))?;
    let mut ledger: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut rest = BTreeMap::new();
    for (name, bytes) in members {
        match name.strip_prefix(LEDGER_PREFIX) {
            Some(key) => ledger.insert(key.to_owned(), bytes),
            None => rest.insert(name, bytes),
        };
    }
    let manifest = match manifest {
        BundleManifest::V1(_) => return Ok(MemoryStore::new(path.display().to_string(), ledger)),
        BundleManifest::V2(manifest) => manifest,
    };
    if !manifest.all {
        return Err(at(format!(
            "it holds the proofs of records {} of a format-2 log, not the log: a reader of the \
             whole history needs every record; export it with `tollgate audit export --all`",
            super::seq_list(&manifest.exported)
        )));
    }
    let checkpoint = ledger
        .get(CHECKPOINT)
        .ok_or_else(|| at(format!("{LEDGER_PREFIX}{CHECKPOINT} is missing")))
        .and_then(|bytes| {
            SignedCheckpoint::parse(bytes)
                .map_err(|e| at(format!("{LEDGER_PREFIX}{CHECKPOINT}: {e}")))
        })?;
    let size = checkpoint.checkpoint.size;
    let mut records = Vec::new();
    for seq in 1..=size {
        let member = super::proof_member(seq);
        let proof = rest
            .get(&member)
            .ok_or_else(|| at(format!("{member} is missing")))
            .and_then(|bytes| {
                InclusionProof::from_json(bytes).map_err(|e| at(format!("{member}: {e}")))
            })?;
        let (_, record) = proof.check().map_err(|e| at(format!("{member}: {e}")))?;
        records.push(record);
    }
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let tree = MemoryHashes::of(&refs).map_err(at)?;
    if root(size, &tree).map_err(at)? != checkpoint.checkpoint.root {
        return Err(at(format!(
            "its records do not hash to the root of {LEDGER_PREFIX}{CHECKPOINT}; run `tollgate audit verify --bundle` on it"
        )));
    }
    for (id, data) in tree.tiles().map_err(at)? {
        ledger.insert(id.path(), data);
    }
    for id in bundles_for(0, size) {
        let first = (id.n * TILE_WIDTH) as usize;
        let these = &refs[first..first + id.width as usize];
        let bundle = crate::tlog::bundle::encode(these).map_err(|e| at(format!("{id}: {e}")))?;
        ledger.insert(id.path(), bundle);
    }
    Ok(MemoryStore::new(path.display().to_string(), ledger))
}

//! Writing a bundle of a format-2 log: its signed checkpoint (`ledger/checkpoint`), each
//! exported record's inclusion proof against it (`entries/<seq>/proof.json`, as `audit prove`
//! writes it), the records' blobs and plain copies, the manifest and a README. One exported
//! record comes with every revocation record, as in format 1. The records are read through
//! the end of the log and the tree recomputed from them, so a proof that does not lead to
//! the checkpoint's root is never written.

use super::writer::TarWriter;
use super::{BundleManifest, Export, LEDGER_PREFIX, MANIFEST, ManifestV2, README, plain_dir};
use crate::ledger::entry::{Entry, Kind};
use crate::ledger::store::Store;
use crate::ledger::v2::end::{RUN_VERIFY, size_from};
use crate::ledger::v2::layout::CHECKPOINT;
use crate::ledger::v2::tiles::{read_bundle, read_checkpoint};
use crate::tlog::TILE_WIDTH;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::proof::{InclusionProof, prove};
use crate::tlog::tree::{MemoryHashes, root};
use std::collections::BTreeSet;
use std::io::Write;

/// One exported record: its seq, bytes and entry.
struct Exported {
    seq: u64,
    record: Vec<u8>,
    entry: Entry,
}

/// Write the bundle of record `seq` (with every revocation record), or of every record the
/// checkpoint covers when `seq` is `None`.
pub fn export(store: &dyn Store, seq: Option<u64>, out: impl Write) -> Result<Export, String> {
    let location = store.location();
    let checkpoint = read_checkpoint(store)?.ok_or_else(|| {
        format!("{location}/{CHECKPOINT} is missing: not a format-2 log; {RUN_VERIFY}")
    })?;
    let size = checkpoint.checkpoint.size;
    let (exported, tree) = read_exported(store, seq, size)?;
    if root(size, &tree)? != checkpoint.checkpoint.root {
        return Err(format!(
            "{location}: records 1..{size} do not hash to the root of its {CHECKPOINT}: the \
             log is damaged; {RUN_VERIFY}"
        ));
    }
    let mut tar = TarWriter::new(out);
    tar.add(
        &format!("{LEDGER_PREFIX}{CHECKPOINT}"),
        &checkpoint.to_bytes(),
    )?;
    let mut written = BTreeSet::new();
    for record in &exported {
        let proof = proof_of(record, &tree, &checkpoint)
            .map_err(|e| format!("{location}: {e}; {RUN_VERIFY}"))?;
        tar.add(&super::proof_member(record.seq), proof.to_json().as_bytes())?;
        super::files::add(&mut tar, store, &record.entry, &mut written)?;
    }
    let manifest = ManifestV2 {
        format: super::FORMAT_V2.to_owned(),
        source: location,
        origin: checkpoint.checkpoint.origin.clone(),
        tree_size: size,
        all: seq.is_none(),
        exported: exported.iter().map(|r| r.seq).collect(),
    };
    tar.add(MANIFEST, &crate::verdict::canonical_json(&manifest))?;
    tar.add(README, readme(&manifest, &exported).as_bytes())?;
    let members = tar.finish()?;
    Ok(Export {
        manifest: BundleManifest::V2(manifest),
        blobs: written.len(),
        members,
    })
}

/// Read every record through the end of the log: the tree of the first `size`, and the
/// records to export (`seq` and every revocation record, or all). An exported record the
/// checkpoint does not cover yet cannot be proven: an error.
fn read_exported(
    store: &dyn Store,
    seq: Option<u64>,
    size: u64,
) -> Result<(Vec<Exported>, MemoryHashes), String> {
    let location = store.location();
    let (end, _) = size_from(store, size)?;
    let mut tree = MemoryHashes::default();
    let mut exported = Vec::new();
    let mut uncovered = Vec::new();
    for n in 0..end.div_ceil(TILE_WIDTH) {
        let width = (end - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
        for (at, record) in read_bundle(store, n, width)?.into_iter().enumerate() {
            let this = n * TILE_WIDTH + at as u64 + 1;
            if this <= size {
                tree.push(&record)?;
            }
            let (_, entry) = crate::ledger::v2::read::parse(store, this, &record)?;
            if entry.seq != this {
                return Err(format!(
                    "{location}: record {this} names seq {}: the log is damaged; {RUN_VERIFY}",
                    entry.seq
                ));
            }
            if seq.is_none_or(|s| s == this) || entry.kind == Kind::Revocation {
                if this > size {
                    uncovered.push(this);
                } else {
                    exported.push(Exported {
                        seq: this,
                        record,
                        entry,
                    });
                }
            }
        }
    }
    if !uncovered.is_empty() {
        return Err(format!(
            "{location}: record(s) {} to export are not covered by its {CHECKPOINT} yet (it \
             covers records 1..{size}): they were appended without a key, or by a run that \
             stopped before updating the checkpoint, so no proof leads to them; the next \
             signed append covers them: export after it",
            super::seq_list(&uncovered)
        ));
    }
    if let Some(seq) = seq
        && !exported.iter().any(|r| r.seq == seq)
    {
        return Err(format!("{location}: record {seq}: no such entry"));
    }
    Ok((exported, tree))
}

/// The inclusion proof of `record` in `tree` against `checkpoint`, checked before use.
fn proof_of(
    record: &Exported,
    tree: &MemoryHashes,
    checkpoint: &SignedCheckpoint,
) -> Result<InclusionProof, String> {
    let index = record.seq - 1;
    let hashes = prove(index, checkpoint.checkpoint.size, tree)?;
    let proof = InclusionProof::new(index, &record.record, &hashes, checkpoint);
    proof.check()?;
    Ok(proof)
}

/// The auditor's instructions, with the exact commands for this bundle's files.
fn readme(manifest: &ManifestV2, exported: &[Exported]) -> String {
    let mut text = format!(
        "tollgate ledger bundle ({})\n\
         exported from {}: the checkpoint of {} covers {} records; records with their files \
         and inclusion proofs: {}\n\n\
         Check everything (the checkpoint's signature, every proof, blobs, and with --pubkey\n\
         every signature; add --ops-key for freezes, revocations and other ops records):\n\n  \
         tollgate audit verify --bundle THIS.tar --pubkey tollgate.pub\n\n\
         Or, after `tar -xf THIS.tar`, with the verdict public key you hold (it is\n\
         deliberately not in the bundle), check a verdict and its proof with no store (add\n\
         --ops-key OPS.pub when an ops key signed the checkpoint) and the signatures with\n\
         stock minisign:\n\n",
        manifest.format,
        manifest.source,
        manifest.origin,
        manifest.tree_size,
        if manifest.all {
            "all".to_owned()
        } else {
            super::seq_list(&manifest.exported)
        }
    );
    for Exported { seq, entry, .. } in exported {
        let dir = plain_dir(*seq);
        if entry.verdict.is_some() && entry.verdict_signature.is_some() {
            text.push_str(&format!(
                "  tollgate verify {dir}/verdict.json --pubkey tollgate.pub --environment {} \
                 --proof {}\n",
                entry.environment,
                super::proof_member(*seq)
            ));
            text.push_str(&format!(
                "  minisign -Vm {dir}/verdict.json -p tollgate.pub\n"
            ));
        }
        if entry.provenance_signature.is_some() {
            text.push_str(&format!(
                "  minisign -Vm {dir}/provenance.json -p tollgate.pub\n"
            ));
        }
    }
    text.push_str(&format!(
        "\nminisign prints each signature's trusted comment: for a verdict it binds the\n\
         environment, the decision and the verdict's SHA-256. {LEDGER_PREFIX}{CHECKPOINT} is the \
         log's\nsigned checkpoint (a C2SP signed note; `tollgate audit vkey --pubkey tollgate.pub\n\
         --origin {}` prints its verifier key for other tlog clients); each\n\
         entries/<seq>/proof.json holds the record (base64), its RFC 6962 audit path and that\n\
         checkpoint. The blobs are under {LEDGER_PREFIX}objects/.\n",
        manifest.origin
    ));
    text
}

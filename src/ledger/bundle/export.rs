//! Writing a bundle from a store.

use super::{LEDGER_PREFIX, MANIFEST, Manifest, README, plain_dir};
use crate::ledger::entry::{Entry, Kind, blob_key, entry_key};
use crate::ledger::head::{HEAD_KEY, Head};
use crate::ledger::replay::read_blob;
use crate::ledger::scan;
use crate::ledger::store::Store;
use std::collections::BTreeSet;
use std::io::Write;

/// What was written.
#[derive(Debug, Clone)]
pub struct Export {
    pub manifest: Manifest,
    pub blobs: usize,
    pub members: usize,
}

/// Write the bundle for entry `seq`, or for every entry when `seq` is `None`, to `out` (a
/// writer of tar bytes).
pub fn export(store: &dyn Store, seq: Option<u64>, out: impl Write) -> Result<Export, String> {
    if crate::ledger::format::detect(store)? == Some(crate::ledger::format::Format::V2) {
        return Err(format!(
            "{} is a format-2 log: `audit export` writes format-1 bundles (a chain and its \
             head); copy the store itself (checkpoint, tile/, objects/), which any C2SP \
             tlog-tiles client reads, or prove single entries with `tollgate audit prove`",
            store.location()
        ));
    }
    let seqs = scan::v1_seqs(store)?;
    // One entry comes with every revocation record (and its signature blob): they decide
    // whether the entry's signatures still count, and the bundle must say so on its own.
    let exported: Vec<u64> = match seq {
        Some(seq) => {
            let mut with = vec![seq];
            for &other in &seqs {
                if other != seq && scan::read_v1(store, other)?.1.kind == Kind::Revocation {
                    with.push(other);
                }
            }
            with.sort_unstable();
            with
        }
        None => seqs.clone(),
    };
    let mut builder = tar::Builder::new(out);
    builder.mode(tar::HeaderMode::Deterministic);
    let mut members = 0usize;
    let mut add = |builder: &mut tar::Builder<_>, name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        members += 1;
        builder
            .append_data(&mut header, name, bytes)
            .map_err(|e| format!("cannot write bundle member {name}: {e}"))
    };
    let mut entries = Vec::new();
    for &seq in &seqs {
        let key = entry_key(seq);
        let bytes = store
            .get(&key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{}/{key} vanished while exporting", store.location()))?;
        add(&mut builder, &format!("{LEDGER_PREFIX}{key}"), &bytes)?;
        if exported.contains(&seq) {
            let entry: Entry = serde_json::from_slice(&bytes).map_err(|e| {
                format!(
                    "{}/{key}: not a ledger entry ({e}); run `tollgate audit verify`",
                    store.location()
                )
            })?;
            entries.push(entry);
        }
    }
    let head = match store.get(HEAD_KEY).map_err(|e| e.to_string())? {
        Some(bytes) => {
            add(&mut builder, &format!("{LEDGER_PREFIX}{HEAD_KEY}"), &bytes)?;
            let head =
                Head::parse(&bytes).map_err(|e| format!("{}/{HEAD_KEY}: {e}", store.location()))?;
            add(&mut builder, "head.json", &head.body.signed_bytes())?;
            if let Some(signature) = &head.signature {
                add(&mut builder, "head.json.minisig", signature.as_bytes())?;
            }
            Some(head)
        }
        None => None,
    };
    let mut written = BTreeSet::new();
    for entry in &entries {
        let dir = plain_dir(entry.seq);
        for (name, blob) in super::plain_files(entry) {
            if let Some(blob) = blob {
                add(
                    &mut builder,
                    &format!("{dir}/{name}"),
                    &read_blob(store, blob)?,
                )?;
            }
        }
        let evidence = entry.evidence(store)?;
        let refs = entry.blobs().into_iter().map(|(_, b)| b.clone()).chain(
            Entry::stored_evidence(&evidence).map(|e| crate::ledger::entry::BlobRef {
                sha256: e.sha256.clone(),
                size: e.size,
            }),
        );
        for blob in refs {
            if written.insert(blob.sha256.clone()) {
                let bytes = read_blob(store, &blob)?;
                add(
                    &mut builder,
                    &format!("{LEDGER_PREFIX}{}", blob_key(&blob.sha256)),
                    &bytes,
                )?;
            }
        }
    }
    let manifest = Manifest {
        format: super::FORMAT.to_owned(),
        source: store.location(),
        entries: seqs.len() as u64,
        head_length: head.as_ref().map(|h| h.body.length),
        all: seq.is_none(),
        exported: exported.clone(),
    };
    add(
        &mut builder,
        MANIFEST,
        &crate::verdict::canonical_json(&manifest),
    )?;
    add(
        &mut builder,
        README,
        readme(&manifest, &entries, head.is_some()).as_bytes(),
    )?;
    builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(|e| format!("cannot finish the bundle: {e}"))?;
    Ok(Export {
        manifest,
        blobs: written.len(),
        members,
    })
}

/// The auditor's instructions, with the exact commands for this bundle's files.
fn readme(manifest: &Manifest, entries: &[Entry], has_head: bool) -> String {
    let mut text = format!(
        "tollgate ledger bundle ({})\n\
         exported from {}: {} entries in the chain; entries with their files: {}\n\n\
         Check everything (chain, blobs, head, and with --pubkey every signature):\n\n  \
         tollgate audit verify --bundle THIS.tar --pubkey tollgate.pub\n\n\
         Or check the signatures with stock minisign after `tar -xf THIS.tar`, using the\n\
         verdict public key you hold (it is deliberately not in the bundle):\n\n",
        manifest.format,
        manifest.source,
        manifest.entries,
        if manifest.all {
            "all".to_owned()
        } else {
            manifest
                .exported
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    if has_head {
        text.push_str("  minisign -Vm head.json -p tollgate.pub\n");
    }
    for entry in entries {
        let dir = plain_dir(entry.seq);
        if entry.verdict_signature.is_some() {
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
    text.push_str(
        "\nminisign prints each signature's trusted comment: for a verdict it binds the\n\
         environment, the decision and the verdict's SHA-256; for the head, the chain's length\n\
         and last entry hash. The ledger itself is under ledger/ (entries, objects, head.json).\n",
    );
    text
}

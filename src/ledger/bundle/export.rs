//! Writing a bundle from a store.

use super::writer::TarWriter;
use super::{BundleManifest, LEDGER_PREFIX, MANIFEST, Manifest, README, plain_dir};
use crate::ledger::entry::{Entry, Kind, entry_key};
use crate::ledger::head::{HEAD_KEY, Head};
use crate::ledger::scan;
use crate::ledger::store::Store;
use std::collections::BTreeSet;
use std::io::Write;

/// What was written.
#[derive(Debug, Clone)]
pub struct Export {
    pub manifest: BundleManifest,
    pub blobs: usize,
    pub members: usize,
}

/// Write the bundle for entry `seq`, or for every entry when `seq` is `None`, to `out` (a
/// writer of tar bytes). A format-2 log gets a bundle of proofs (`super::export_v2`).
pub fn export(store: &dyn Store, seq: Option<u64>, out: impl Write) -> Result<Export, String> {
    if crate::ledger::format::detect(store)? == Some(crate::ledger::format::Format::V2) {
        return super::export_v2::export(store, seq, out);
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
    let mut tar = TarWriter::new(out);
    let mut entries = Vec::new();
    for &seq in &seqs {
        let key = entry_key(seq);
        let bytes = store
            .get(&key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{}/{key} vanished while exporting", store.location()))?;
        tar.add(&format!("{LEDGER_PREFIX}{key}"), &bytes)?;
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
            tar.add(&format!("{LEDGER_PREFIX}{HEAD_KEY}"), &bytes)?;
            let head =
                Head::parse(&bytes).map_err(|e| format!("{}/{HEAD_KEY}: {e}", store.location()))?;
            tar.add("head.json", &head.body.signed_bytes())?;
            if let Some(signature) = &head.signature {
                tar.add("head.json.minisig", signature.as_bytes())?;
            }
            Some(head)
        }
        None => None,
    };
    let mut written = BTreeSet::new();
    for entry in &entries {
        super::files::add(&mut tar, store, entry, &mut written)?;
    }
    let manifest = Manifest {
        format: super::FORMAT.to_owned(),
        source: store.location(),
        entries: seqs.len() as u64,
        head_length: head.as_ref().map(|h| h.body.length),
        all: seq.is_none(),
        exported: exported.clone(),
    };
    tar.add(MANIFEST, &crate::verdict::canonical_json(&manifest))?;
    tar.add(
        README,
        readme(&manifest, &entries, head.is_some()).as_bytes(),
    )?;
    let members = tar.finish()?;
    Ok(Export {
        manifest: BundleManifest::V1(manifest),
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
            super::seq_list(&manifest.exported)
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

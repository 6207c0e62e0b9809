//! An exported entry's files, the same in both bundle formats: its plain-file copies
//! (`entries/<seq>/verdict.json`, …) and, once per bundle, every blob it refers to under
//! `ledger/objects/`; written by the exports, checked by the verifiers.

use super::writer::TarWriter;
use super::{LEDGER_PREFIX, plain_dir};
use crate::ledger::entry::{BlobRef, Entry, blob_key};
use crate::ledger::replay::read_blob;
use crate::ledger::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// Add `entry`'s plain copies, then each blob it refers to that `written` does not hold yet.
pub(super) fn add<W: Write>(
    tar: &mut TarWriter<W>,
    store: &dyn Store,
    entry: &Entry,
    written: &mut BTreeSet<String>,
) -> Result<(), String> {
    let dir = plain_dir(entry.seq);
    for (name, blob) in super::plain_files(entry) {
        if let Some(blob) = blob {
            tar.add(&format!("{dir}/{name}"), &read_blob(store, blob)?)?;
        }
    }
    let evidence = entry.evidence(store)?;
    let refs = entry.blobs().into_iter().map(|(_, b)| b.clone()).chain(
        Entry::stored_evidence(&evidence).map(|e| BlobRef {
            sha256: e.sha256.clone(),
            size: e.size,
        }),
    );
    for blob in refs {
        if written.insert(blob.sha256.clone()) {
            let bytes = read_blob(store, &blob)?;
            tar.add(
                &format!("{LEDGER_PREFIX}{}", blob_key(&blob.sha256)),
                &bytes,
            )?;
        }
    }
    Ok(())
}

/// What checking the exported entries' files found.
#[derive(Default)]
pub(super) struct Seen {
    /// Plain-copy members the bundle must hold.
    pub expected: BTreeSet<String>,
    /// Digests of the blobs the exported entries refer to.
    pub referenced: BTreeSet<String>,
    /// Plain copies checked.
    pub plain_files: u64,
}

impl Seen {
    /// Check `entry`'s plain copies in `rest` (the members outside `ledger/`) against the
    /// blobs it records (reported as `recorded_at`), and note the blobs it refers to.
    /// `store` reads a spilled evidence list (an unreadable one is a break of the entry's own
    /// checks already).
    pub fn entry(
        &mut self,
        store: &dyn Store,
        entry: &Entry,
        recorded_at: &str,
        rest: &BTreeMap<String, Vec<u8>>,
        problem: &mut impl FnMut(&str, String),
    ) {
        self.referenced
            .extend(entry.blobs().iter().map(|(_, b)| b.sha256.clone()));
        if let Ok(evidence) = entry.evidence(store) {
            self.referenced
                .extend(Entry::stored_evidence(&evidence).map(|e| e.sha256.clone()));
        }
        let dir = plain_dir(entry.seq);
        for (name, blob) in super::plain_files(entry) {
            let Some(blob) = blob else { continue };
            let member = format!("{dir}/{name}");
            self.plain_files += 1;
            if let Some(why) = mismatch(rest.get(&member), blob, recorded_at) {
                problem(&member, why);
            }
            self.expected.insert(member);
        }
    }

    /// Whether `key` (under `ledger/`) is the blob of an exported entry.
    pub fn is_referenced_blob(&self, key: &str) -> bool {
        crate::ledger::entry::sha_of_blob_key(key)
            .is_some_and(|sha| self.referenced.contains(&sha) && blob_key(&sha) == key)
    }
}

/// Why a plain copy does not match the blob `entry` records, if it does not.
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

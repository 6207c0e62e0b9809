//! Carrying blobs over: every object a format-1 entry references (verdict, provenance,
//! signatures, signed-record attachments, stored evidence) is copied into the format-2
//! store under the same content address, each digest once, re-hashed on the way.

use crate::digest::sha256_hex;
use crate::ledger::entry::{Entry, EntryId, blob_key};
use crate::ledger::store::Store;
use std::collections::HashSet;

/// Copies blobs from the format-1 store to the format-2 one.
pub struct BlobCopier<'a> {
    from: &'a dyn Store,
    to: &'a dyn Store,
    done: HashSet<String>,
}

impl<'a> BlobCopier<'a> {
    pub fn new(from: &'a dyn Store, to: &'a dyn Store) -> BlobCopier<'a> {
        BlobCopier {
            from,
            to,
            done: HashSet::new(),
        }
    }

    /// Distinct blobs copied so far.
    pub fn copied(&self) -> u64 {
        self.done.len() as u64
    }

    /// Copy every blob entry `id` references that is not copied yet.
    pub fn copy(&mut self, id: &EntryId, entry: &Entry) -> Result<(), String> {
        let evidence = entry.evidence(self.from)?;
        let named = entry.blobs().into_iter().map(|(role, b)| (role, &b.sha256));
        let evidence = Entry::stored_evidence(&evidence)
            .map(|e| (format!("evidence {} ({})", e.path, e.role), &e.sha256));
        for (role, sha256) in named.chain(evidence) {
            if self.done.contains(sha256.as_str()) {
                continue;
            }
            let key = blob_key(sha256);
            let from = self.from.location();
            let bytes = self
                .from
                .get(&key)
                .map_err(|e| format!("entry {}: {role}: {e}", id.seq))?
                .ok_or_else(|| {
                    format!(
                        "entry {}: {role}: {from}/{key} is missing (removed after the chain was \
                         verified?); run `tollgate audit verify --store {from}`",
                        id.seq
                    )
                })?;
            if sha256_hex(&bytes) != *sha256 {
                return Err(format!(
                    "entry {}: {role}: {from}/{key} does not hash to its name (changed after the \
                     chain was verified?); run `tollgate audit verify --store {from}`",
                    id.seq
                ));
            }
            // An object already there is kept: its name is its digest, and `audit verify`
            // re-hashes it.
            self.to.create(&key, &bytes).map_err(|e| e.to_string())?;
            self.done.insert(sha256.clone());
        }
        Ok(())
    }
}

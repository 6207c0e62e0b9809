//! Carrying blobs over: every object a format-1 entry references (verdict, provenance,
//! signatures, signed-record attachments, stored evidence) is copied into the format-2
//! store under the same content address, each digest once, re-hashed on the way; a
//! bundle's worth of entries at a time, in parallel.

use crate::digest::sha256_hex;
use crate::ledger::entry::{Entry, EntryId, blob_key};
use crate::ledger::store::Store;
use rayon::prelude::*;
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

    /// Copy every blob the entries reference that is not copied yet, in parallel (each
    /// create is durable on its own: fsyncs overlap).
    pub fn copy(&mut self, entries: &[(EntryId, Entry)]) -> Result<(), String> {
        let mut wanted: Vec<(u64, String, String)> = Vec::new();
        for (id, entry) in entries {
            let evidence = entry.evidence(self.from)?;
            let named = entry
                .blobs()
                .into_iter()
                .map(|(role, b)| (role, b.sha256.clone()));
            let evidence = Entry::stored_evidence(&evidence).map(|e| {
                (
                    format!("evidence {} ({})", e.path, e.role),
                    e.sha256.clone(),
                )
            });
            for (role, sha256) in named.chain(evidence) {
                if self.done.insert(sha256.clone()) {
                    wanted.push((id.seq, role, sha256));
                }
            }
        }
        wanted
            .par_iter()
            .try_for_each(|(seq, role, sha256)| self.copy_one(*seq, role, sha256))
    }

    fn copy_one(&self, seq: u64, role: &str, sha256: &str) -> Result<(), String> {
        let key = blob_key(sha256);
        let from = self.from.location();
        let bytes = self
            .from
            .get(&key)
            .map_err(|e| format!("entry {seq}: {role}: {e}"))?
            .ok_or_else(|| {
                format!(
                    "entry {seq}: {role}: {from}/{key} is missing (removed after the chain was \
                     verified?); run `tollgate audit verify --store {from}`"
                )
            })?;
        if sha256_hex(&bytes) != sha256 {
            return Err(format!(
                "entry {seq}: {role}: {from}/{key} does not hash to its name (changed after the \
                 chain was verified?); run `tollgate audit verify --store {from}`"
            ));
        }
        // An object already there is kept: its name is its digest, and `audit verify`
        // re-hashes it.
        self.to.create(&key, &bytes).map_err(|e| e.to_string())?;
        Ok(())
    }
}

//! Reading a format-1 ledger's entries in order (`entries/<seq>.json`, read in parallel
//! batches), and what a scan of either format returns. [`super::query::scan`] dispatches here
//! or to `v2::read`.

use super::entry::{Entry, EntryId, GENESIS, entry_key, seq_of_key};
use super::store::Store;
use crate::digest::sha256_hex;
use rayon::prelude::*;

/// Entries read per parallel batch.
const CHUNK: usize = 1024;

/// Whether a scan checks that every entry is in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Format 1: entries 1..n without gaps, each naming its seq and the previous entry's
    /// hash. Format 2: each record naming its own seq (index + 1).
    Check,
    /// Read what is there (listings of a ledger that `audit verify` may call damaged).
    Ignore,
}

/// What a scan read.
#[derive(Debug)]
pub struct Scanned<T> {
    /// Entries in the ledger (through the scan's limit).
    pub length: u64,
    /// The visitor's answers, in entry order.
    pub items: Vec<T>,
}

/// Sequence numbers of a format-1 ledger's stored entries, sorted.
pub fn v1_seqs(store: &dyn Store) -> Result<Vec<u64>, String> {
    Ok(store
        .list("entries/")
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|k| seq_of_key(k))
        .collect())
}

/// Read and parse format-1 entry `seq`.
pub fn read_v1(store: &dyn Store, seq: u64) -> Result<(EntryId, Entry), String> {
    let key = entry_key(seq);
    let bytes = store
        .get(&key)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}/{key}: no such entry", store.location()))?;
    let entry: Entry = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}/{key}: not a ledger entry ({e}); run `tollgate audit verify`",
            store.location()
        )
    })?;
    let id = EntryId {
        seq,
        sha256: sha256_hex(&bytes),
    };
    Ok((id, entry))
}

/// [`super::query::scan`] of a format-1 ledger.
pub fn v1<T, F>(
    store: &dyn Store,
    through: Option<u64>,
    links: Links,
    visit: &F,
) -> Result<Scanned<T>, String>
where
    T: Send,
    F: Fn(EntryId, Entry) -> Result<Option<T>, String> + Sync,
{
    let mut seqs = v1_seqs(store)?;
    if let Some(last) = through {
        seqs.retain(|s| *s <= last);
    }
    let broken = |seq: u64| {
        format!(
            "{}: the chain is broken at entry {seq}; run `tollgate audit verify`",
            store.location()
        )
    };
    let mut items = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut expected = 1;
    for chunk in seqs.chunks(CHUNK) {
        type Read<T> = (u64, Option<String>, String, Option<T>);
        let read: Vec<Result<Read<T>, String>> = chunk
            .par_iter()
            .map(|&seq| {
                let (id, entry) = read_v1(store, seq)?;
                let (own_seq, own_prev, sha256) =
                    (entry.seq, entry.prev.clone(), id.sha256.clone());
                Ok((own_seq, own_prev, sha256, visit(id, entry)?))
            })
            .collect();
        for (&seq, result) in chunk.iter().zip(read) {
            let (own_seq, own_prev, sha256, item) = result?;
            if links == Links::Check {
                if seq != expected || own_seq != seq || own_prev.as_ref() != Some(&prev) {
                    return Err(broken(seq));
                }
                prev = sha256;
                expected += 1;
            }
            items.extend(item);
        }
    }
    Ok(Scanned {
        length: seqs.len() as u64,
        items,
    })
}

//! The records half of a format-2 `audit verify`: bundles read in parallel, each record
//! checked like a format-1 entry (`crate::ledger::verify::entry`), its verdict and provenance
//! signatures verified in batches, its leaf hash handed on in order for the tree.

use super::layout::record_location;
use super::tiles::read_bundle;
use crate::keys::TrustedKey;
use crate::ledger::format::Format;
use crate::ledger::store::Store;
use crate::ledger::verify::entry::{Checked, EntryKeys, check_entry_bytes};
use crate::ledger::verify::minisig_batch::BatchVerifier;
use crate::ledger::verify::signatures::resolve_signatures;
use crate::ledger::verify::{CHUNK, Outcome, brk};
use crate::tlog::paths::TileId;
use crate::tlog::tree::MemoryHashes;
use crate::tlog::{Hash, TILE_WIDTH, leaf_hash};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Mutex;

/// Where the checked records go, in order.
pub enum Sink<'a> {
    /// Their leaf hashes, into the whole tree (a full verify), and the verdict each verdict
    /// record names, by index (for the verdict index's check).
    Tree(&'a mut MemoryHashes, &'a mut HashMap<u64, String>),
    /// Their bytes, for records through the given size (`--since`: the growth to the
    /// checkpoint is recomputed from them).
    Records(&'a mut Vec<Vec<u8>>, u64),
}

/// The keys: the verdict key ready for batches, the verdict key, the ops keys.
pub type Keys<'a> = (
    Option<&'a BatchVerifier>,
    Option<&'a TrustedKey>,
    &'a [TrustedKey],
);

/// Check records `range` (indexes) of the log. `Ok(false)` when a bundle could not be read
/// (a break names it): the tree cannot be recomputed past it.
pub fn check_records(
    store: &dyn Store,
    range: Range<u64>,
    (batch, verdict, ops): Keys<'_>,
    outcome: &mut Outcome,
    mut sink: Sink<'_>,
) -> Result<bool, String> {
    let keys = EntryKeys {
        batch,
        verdict,
        ops,
    };
    let checked_blobs = Mutex::new(HashSet::<[u8; 32]>::new());
    let per_chunk = (CHUNK as u64 / TILE_WIDTH).max(1);
    let bundles = range.start / TILE_WIDTH..range.end.div_ceil(TILE_WIDTH);
    let mut complete = true;
    let mut n = bundles.start;
    while n < bundles.end && complete {
        let chunk = n..(n + per_chunk).min(bundles.end);
        n = chunk.end;
        type Bundle = (u64, Result<Vec<Vec<u8>>, String>);
        let read: Vec<Bundle> = chunk
            .into_par_iter()
            .map(|n| {
                let width = (range.end - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
                (n, read_bundle(store, n, width))
            })
            .collect();
        let mut records: Vec<(u64, Vec<u8>)> = Vec::new();
        for (n, bundle) in read {
            match bundle {
                Ok(bundle) => records.extend(
                    bundle
                        .into_iter()
                        .enumerate()
                        .map(|(at, record)| (n * TILE_WIDTH + at as u64 + 1, record))
                        .filter(|(seq, _)| *seq > range.start),
                ),
                Err(e) => {
                    let id = TileId::entries(n, TILE_WIDTH as u32);
                    outcome.breaks.push(brk(&id.path(), n * TILE_WIDTH + 1, e));
                    complete = false;
                    break;
                }
            }
        }
        let (mut results, leaves): (Vec<Checked>, Vec<Hash>) = records
            .par_iter()
            .map(|(seq, bytes)| {
                let fresh = Checked::new(*seq, record_location(*seq));
                let result =
                    check_entry_bytes(store, fresh, bytes, Format::V2, &keys, &checked_blobs);
                (result, leaf_hash(bytes))
            })
            .unzip();
        if let Some(batch) = batch {
            resolve_signatures(batch, &mut results);
        }
        for ((result, leaf), (seq, bytes)) in results.into_iter().zip(leaves).zip(records) {
            match &mut sink {
                Sink::Tree(tree, verdicts) => {
                    tree.push_leaf(leaf)?;
                    if let Some(sha) = &result.verdict {
                        verdicts.insert(seq - 1, sha.clone());
                    }
                }
                Sink::Records(kept, through) => {
                    if seq <= *through {
                        kept.push(bytes);
                    }
                }
            }
            outcome.count(result);
        }
    }
    outcome.blobs += checked_blobs
        .into_inner()
        .map(|s| s.len() as u64)
        .unwrap_or(0);
    Ok(complete)
}

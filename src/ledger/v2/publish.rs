//! After a record's bundle is created: the hash tiles for every record the checkpoint does
//! not cover yet (tlog_tiles over the checkpoint's tree plus the new records), the
//! checkpoint for the new size (signed by the appender; compare-and-swapped; never replaced
//! by a smaller one, nor a signed one by an unsigned one), then garbage collection of the
//! partial tiles the new ones supersede.

use super::end::{Current, End, RUN_VERIFY, checkpoint};
use super::layout::{CHECKPOINT, bundle_of, partials_prefix};
use super::tiles::{StoreTiles, read_bundle};
use crate::ledger::store::{Created, Store, Swapped};
use crate::signing::Signer;
use crate::tlog::note::{Checkpoint, SignedCheckpoint};
use crate::tlog::paths::{Level, TileId, bundles_for, tiles_for};
use crate::tlog::{Hash, TILE_WIDTH, TileHashReader, tree};

/// How often a checkpoint swap that lost to another writer is retried.
const MAX_SWAPS: u32 = 1000;

/// Cover the log's records through `appended` (the ones just appended after `end`) with hash
/// tiles and a checkpoint, then collect garbage.
pub fn publish(
    store: &dyn Store,
    end: &End,
    appended: &[&[u8]],
    signer: Option<&Signer>,
) -> Result<(), String> {
    let covered = end.current.note.checkpoint.size;
    let records = uncovered(store, end, covered)?;
    let refs: Vec<&[u8]> = records
        .iter()
        .map(Vec::as_slice)
        .chain(appended.iter().copied())
        .collect();
    let tiles = StoreTiles::new(store);
    let existing = TileHashReader::new(covered, end.current.note.checkpoint.root, &tiles);
    let growth = tree::grow(covered, &existing, &refs)?;
    for (id, data) in &growth.tiles {
        create_tile(store, id, data)?;
    }
    swap_checkpoint(store, end.current.clone(), growth.size, growth.root, signer)?;
    collect_garbage(store, covered, growth.size)
}

/// The records after the checkpoint's `covered` ones, before the new one: the open bundle's
/// tail, and whole bundles before it when the checkpoint lags that far.
fn uncovered(store: &dyn Store, end: &End, covered: u64) -> Result<Vec<Vec<u8>>, String> {
    let (open, _) = bundle_of(end.size);
    let (first, skip) = bundle_of(covered);
    let mut records = Vec::new();
    for n in first..open {
        records.extend(read_bundle(store, n, TILE_WIDTH as u32)?);
    }
    records.extend(end.open_bundle.iter().cloned());
    // `records` starts at bundle `first`'s first record; the checkpoint covers `skip` of them.
    Ok(records.split_off(skip.min(records.len())))
}

/// Create a hash tile; one already there must hold the same bytes (tiles are a pure function
/// of the records), else the log is damaged.
fn create_tile(store: &dyn Store, id: &TileId, data: &[u8]) -> Result<(), String> {
    let key = id.path();
    if store.create(&key, data).map_err(|e| e.to_string())? == Created::New {
        return Ok(());
    }
    let stored = store.get(&key).map_err(|e| e.to_string())?;
    if stored.as_deref() == Some(data) {
        return Ok(());
    }
    Err(format!(
        "{}/{key} holds other hashes than the records give: the log is damaged; {RUN_VERIFY}",
        store.location()
    ))
}

/// Write the checkpoint for `size` and `root` over `current`, unless a checkpoint that
/// covers at least `size` is there, or this append is unsigned and the current checkpoint
/// is signed (it then lags; the next signed append covers the records).
fn swap_checkpoint(
    store: &dyn Store,
    mut current: Current,
    size: u64,
    root: Hash,
    signer: Option<&Signer>,
) -> Result<(), String> {
    for _ in 0..MAX_SWAPS {
        let old = &current.note;
        if old.checkpoint.size >= size || (signer.is_none() && !old.signatures.is_empty()) {
            return Ok(());
        }
        let next = Checkpoint::new(&old.checkpoint.origin, size, root)?;
        let note = match signer {
            Some(signer) => SignedCheckpoint::sign(next, signer),
            None => SignedCheckpoint::new(next, Vec::new()),
        };
        match store
            .replace_if(CHECKPOINT, &note.to_bytes(), Some(&current.version))
            .map_err(|e| e.to_string())?
        {
            Swapped::Done => return Ok(()),
            Swapped::Conflict => {
                current = checkpoint(store)?.ok_or_else(|| {
                    format!(
                        "{}/{CHECKPOINT} vanished while appending; {RUN_VERIFY}",
                        store.location()
                    )
                })?;
            }
        }
    }
    Err(format!(
        "{}/{CHECKPOINT}: gave up after {MAX_SWAPS} attempts to swap it (other appenders kept winning)",
        store.location()
    ))
}

/// Delete the partials that the growth from `covered` to `size` superseded: of each tile and
/// bundle that grew, every partial narrower than its width at `covered` (a reader of that
/// checkpoint may still want it), and all of them once the tile is full. Readers of a
/// deleted partial fall back to the full tile or a wider partial.
fn collect_garbage(store: &dyn Store, covered: u64, size: u64) -> Result<(), String> {
    for id in tiles_for(covered, size)
        .into_iter()
        .chain(bundles_for(covered, size))
    {
        let keep_from = if id.is_full() {
            u32::MAX
        } else {
            width_at(&id, covered)
        };
        for key in store
            .list(&partials_prefix(&id))
            .map_err(|e| e.to_string())?
        {
            let Ok(partial) = TileId::parse(&key) else {
                continue; // not a tile tollgate wrote; `audit verify` reports it
            };
            if partial.level == id.level && partial.n == id.n && partial.width < keep_from {
                store.delete(&key).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}

/// The width tile `id` (its level and index) had in the tree of `size` records (0: none).
fn width_at(id: &TileId, size: u64) -> u32 {
    let level = match id.level {
        Level::Hash(l) => u32::from(l),
        Level::Entries => 0,
    };
    let count = size.checked_shr(8 * level).unwrap_or(0);
    count
        .saturating_sub(id.n.saturating_mul(TILE_WIDTH))
        .min(TILE_WIDTH) as u32
}

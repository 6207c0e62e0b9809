//! The tree half of a format-2 `audit verify`: the log's size from the listed bundles (and
//! nothing stored beyond it), the checkpoint's root recomputed from the records, and every
//! stored hash tile and partial bundle equal to what the records give; with `--since`, the
//! growth from the pinned tree to the checkpoint recomputed from the new records.

use super::tiles::{StoreTiles, read_tile};
use super::verify::checkpoint_break;
use crate::ledger::store::Store;
use crate::ledger::verify::{Break, Outcome, brk};
use crate::tlog::note::{Checkpoint, SignedCheckpoint};
use crate::tlog::paths::{Level, TileId, tiles_for};
use crate::tlog::tree::{self, MemoryHashes};
use crate::tlog::{HashReader, TILE_WIDTH, TileHashReader, bundle, leaf_hash};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Where a tile's break sorts: at its first record.
fn order(id: &TileId) -> u64 {
    id.first_entry()
        .map_or(u64::MAX - 1, |i| i.saturating_add(1))
}

fn tile_break(id: &TileId, message: String) -> Break {
    brk(&id.path(), order(id), message)
}

/// The log's size from the keys under `tile/`: full bundles from 0 without a gap, then the
/// widest partial of the next. Keys that are not tiles, and bundles past the end, are breaks.
pub fn listed_size(listed: &[String], breaks: &mut Vec<Break>) -> u64 {
    let mut full = BTreeSet::new();
    let mut widest: BTreeMap<u64, u32> = BTreeMap::new();
    let mut bundles = Vec::new();
    for key in listed {
        match TileId::parse(key) {
            Ok(id) if id.level == Level::Entries => {
                if id.is_full() {
                    full.insert(id.n);
                } else {
                    let w = widest.entry(id.n).or_default();
                    *w = (*w).max(id.width);
                }
                bundles.push(id);
            }
            Ok(_) => {}
            Err(e) => breaks.push(brk(
                key,
                u64::MAX - 1,
                format!("not a tile of a C2SP tlog-tiles log: {e}"),
            )),
        }
    }
    let mut open = 0;
    while full.contains(&open) {
        open += 1;
    }
    for id in bundles.iter().filter(|id| id.n > open) {
        breaks.push(tile_break(
            id,
            format!(
                "beyond the log's end: entry bundle {open} is missing or partial, so this one \
                 holds no record of the log (a bundle was removed, or this one was added)"
            ),
        ));
    }
    open * TILE_WIDTH + u64::from(widest.get(&open).copied().unwrap_or(0))
}

/// Full verify: the checkpoint's root and every stored tile against `tree` (all records).
pub fn check_tree(
    store: &dyn Store,
    tree: &MemoryHashes,
    checkpoint: &Checkpoint,
    listed: &[String],
    outcome: &mut Outcome,
) {
    let covered = checkpoint.size.min(tree.size());
    if checkpoint.size <= tree.size() {
        match tree::root(covered, tree) {
            Ok(root) if root == checkpoint.root => {}
            Ok(root) => outcome.breaks.push(checkpoint_break(format!(
                "its root {} is not the root of records 1..{covered} ({root}): records were \
                 changed, or the checkpoint was forged",
                checkpoint.root
            ))),
            Err(e) => outcome.breaks.push(checkpoint_break(e)),
        }
    }
    // The checkpoint's tiles must be readable (a garbage-collected partial through the full
    // tile or a wider one) and hold the records' hashes.
    let required = tiles_for(0, covered);
    let compared: HashSet<String> = required.iter().map(TileId::path).collect();
    let mut breaks: Vec<Break> = required
        .par_iter()
        .filter_map(|id| compare(store, id, tree, read_tile(store, id)))
        .collect();
    // Every other stored hash tile and partial bundle too: readers of older checkpoints and
    // C2SP clients read them.
    breaks.extend(
        listed
            .par_iter()
            .filter(|key| !compared.contains(*key))
            .filter_map(|key| TileId::parse(key).ok())
            .filter_map(|id| match id.level {
                Level::Hash(_) => {
                    let stored = store
                        .get(&id.path())
                        .map_err(|e| e.to_string())
                        .and_then(|b| b.ok_or_else(|| "vanished while verifying".to_owned()));
                    compare(store, &id, tree, stored)
                }
                Level::Entries if !id.is_full() => partial_bundle(store, &id, tree),
                Level::Entries => None,
            })
            .collect::<Vec<Break>>(),
    );
    outcome.breaks.extend(breaks);
}

/// A hash tile as read (`stored`) against what `tree` gives for it.
fn compare(
    store: &dyn Store,
    id: &TileId,
    tree: &MemoryHashes,
    stored: Result<Vec<u8>, String>,
) -> Option<Break> {
    let expected = id.to_tile().and_then(|t| {
        t.read_data(tree)
            .map_err(|_| "beyond the log's end: no records give these hashes".to_owned())
    });
    match (stored, expected) {
        (Err(e), _) => Some(tile_break(id, e)),
        (Ok(_), Err(e)) => Some(tile_break(id, e)),
        (Ok(got), Ok(want)) if got == want => None,
        (Ok(_), Ok(_)) => Some(tile_break(
            id,
            format!(
                "holds other hashes than the records give ({} at {}): the tile or the records were changed",
                store.location(),
                id.path()
            ),
        )),
    }
}

/// A partial bundle other than the one records were read from: each record must be the
/// log's record at that index.
fn partial_bundle(store: &dyn Store, id: &TileId, tree: &MemoryHashes) -> Option<Break> {
    let bytes = match store.get(&id.path()) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return None, // garbage-collected meanwhile
        Err(e) => return Some(tile_break(id, e.to_string())),
    };
    let records = match bundle::decode(&bytes) {
        Ok(records) if records.len() == id.width as usize => records,
        Ok(records) => {
            return Some(tile_break(
                id,
                format!(
                    "holds {} records, its name says {}",
                    records.len(),
                    id.width
                ),
            ));
        }
        Err(e) => return Some(tile_break(id, e)),
    };
    let first = id.n * TILE_WIDTH;
    for (at, record) in records.iter().enumerate() {
        let index = first + at as u64;
        let stored = tree.read_hashes(&[tlog_tiles::stored_hash_index(0, index)]);
        if stored.ok().and_then(|h| h.first().copied()) != Some(leaf_hash(record)) {
            return Some(tile_break(
                id,
                format!(
                    "its record {} differs from the log's record {} (the bundle was changed)",
                    at + 1,
                    index + 1
                ),
            ));
        }
    }
    None
}

/// `--since`: grow the pinned tree by `records` (those after it, through the checkpoint)
/// with the stored tiles of the pinned tree, authenticated by its root; the result must be
/// the checkpoint's root, and the tiles the growth writes must be the stored ones.
pub fn check_growth(
    store: &dyn Store,
    pinned: &SignedCheckpoint,
    checkpoint: &Checkpoint,
    records: &[Vec<u8>],
    outcome: &mut Outcome,
) {
    let from = pinned.checkpoint.size;
    if from + records.len() as u64 != checkpoint.size {
        return; // the log is shorter than its checkpoint: already a break
    }
    let tiles = StoreTiles::new(store);
    let existing = TileHashReader::new(from, pinned.checkpoint.root, &tiles);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let growth = match tree::grow(from, &existing, &refs) {
        Ok(growth) => growth,
        Err(e) => {
            outcome.breaks.push(checkpoint_break(format!(
                "cannot recompute the tree from the pinned checkpoint's: {e}"
            )));
            return;
        }
    };
    if growth.root != checkpoint.root {
        outcome.breaks.push(checkpoint_break(format!(
            "its root {} is not the root of the pinned tree plus records {}..{} ({}): records \
             were changed, or the checkpoint was forged",
            checkpoint.root,
            from + 1,
            checkpoint.size,
            growth.root
        )));
    }
    let breaks: Vec<Break> = growth
        .tiles
        .par_iter()
        .filter_map(|(id, data)| match read_tile(store, id) {
            Ok(stored) if &stored == data => None,
            Ok(_) => Some(tile_break(
                id,
                "holds other hashes than the records give: the tile or the records were changed"
                    .to_owned(),
            )),
            Err(e) => Some(tile_break(id, e)),
        })
        .collect();
    outcome.breaks.extend(breaks);
}

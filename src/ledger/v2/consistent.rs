//! Whether a store's log extends a tree seen before: a consistency proof from the store's
//! hash tiles (authenticated against the newer checkpoint's root), checked against both
//! roots. What a witness and a reader that demands witnesses rely on.

use super::tiles::StoreTiles;
use crate::ledger::store::Store;
use crate::tlog::note::Checkpoint;
use crate::tlog::proof::{check_consistency, prove_consistency};
use crate::tlog::{Hash, TileHashReader};

/// Why the log does not (provably) extend the older tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inconsistent {
    /// The proof fails, or the log shrank, or the same size has another root: the log was
    /// rewritten or forked. The message shows both trees.
    Rewritten(String),
    /// The proof could not be made from the store (a missing or damaged tile).
    Unprovable(String),
}

impl std::fmt::Display for Inconsistent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Inconsistent::Rewritten(m) | Inconsistent::Unprovable(m) => f.write_str(m),
        }
    }
}

/// Check that `newer` (a checkpoint of the log in `store`) contains the tree of `old_size`
/// records with root `old_root`.
pub fn extends(
    store: &dyn Store,
    newer: &Checkpoint,
    old_size: u64,
    old_root: Hash,
) -> Result<(), Inconsistent> {
    let both = format!(
        "the log {} now has {} records with root {}; before, it had {old_size} with root {old_root}",
        newer.origin, newer.size, newer.root
    );
    if old_size > newer.size {
        return Err(Inconsistent::Rewritten(format!(
            "the log shrank: it was rewritten or rolled back ({both})"
        )));
    }
    if old_size == newer.size {
        return if old_root == newer.root {
            Ok(())
        } else {
            Err(Inconsistent::Rewritten(format!(
                "the log was rewritten or forked: the same size has another root ({both})"
            )))
        };
    }
    let tiles = StoreTiles::new(store);
    let reader = TileHashReader::new(newer.size, newer.root, &tiles);
    let proof = prove_consistency(old_size, newer.size, &reader).map_err(|e| {
        Inconsistent::Unprovable(format!(
            "cannot prove from the tiles in {} that the log extends what was seen before ({both}): {e}; the log was rewritten or forked, or its tiles are damaged",
            store.location()
        ))
    })?;
    check_consistency(&proof, old_size, old_root, newer.size, newer.root).map_err(|_| {
        Inconsistent::Rewritten(format!(
            "the log was rewritten or forked: its tree does not contain the tree seen before ({both})"
        ))
    })
}

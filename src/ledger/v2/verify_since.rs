//! `audit verify --since CHECKPOINT_FILE`: the log's checkpoint must extend the pinned one.
//! A consistency proof from the stored tiles (authenticated by the current root) shows that
//! the pinned tree is a prefix of the current one; a log whose first records differ from
//! the pinned tree cannot give one, and is reported as rewritten.

use super::tiles::StoreTiles;
use crate::ledger::store::Store;
use crate::tlog::TileHashReader;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::proof::{check_consistency, prove_consistency};

/// `Err` says how the log fails to extend `pinned`.
pub fn consistent(
    store: &dyn Store,
    current: &SignedCheckpoint,
    pinned: &SignedCheckpoint,
) -> Result<(), String> {
    let (old, new) = (&pinned.checkpoint, &current.checkpoint);
    if old.origin != new.origin {
        return Err(format!(
            "the pinned checkpoint is of the log {:?}, this one is {:?}: not the log that was pinned",
            old.origin, new.origin
        ));
    }
    if old.size > new.size {
        return Err(format!(
            "covers {} records, fewer than the {} of the pinned checkpoint: the log was \
             rewritten (records removed)",
            new.size, old.size
        ));
    }
    let tiles = StoreTiles::new(store);
    let reader = TileHashReader::new(new.size, new.root, &tiles);
    let proof = prove_consistency(old.size, new.size, &reader).map_err(|e| {
        format!(
            "the stored tiles do not prove it consistent with the pinned checkpoint of {} \
             records ({e}): the log was rewritten, or its tiles are damaged",
            old.size
        )
    })?;
    check_consistency(&proof, old.size, old.root, new.size, new.root).map_err(|e| {
        format!(
            "the log was rewritten: its first {} records differ from the pinned checkpoint's \
             (a fork: {e})",
            old.size
        )
    })
}

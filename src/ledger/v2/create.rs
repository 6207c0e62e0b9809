//! A new, empty format-2 log: the unsigned checkpoint of the empty tree (the note text and
//! the blank line, no signature lines), naming its origin. The first append signs a
//! checkpoint over it.

use super::layout::CHECKPOINT;
use crate::ledger::store::{Store, Swapped};
use crate::tlog::note::{Checkpoint, SignedCheckpoint};

/// The empty log's checkpoint note: `<origin>\n0\n<root of the empty tree>\n\n`.
pub fn empty_checkpoint(origin: &str) -> Result<SignedCheckpoint, String> {
    let checkpoint = Checkpoint::new(origin, 0, crate::tlog::empty_root())?;
    Ok(SignedCheckpoint::new(checkpoint, Vec::new()))
}

/// Create the empty log's checkpoint unless the store has one; `false` when another writer
/// created it first (compare-and-swap against "no object", as every checkpoint write is).
pub fn empty(store: &dyn Store, origin: &str) -> Result<bool, String> {
    let note = empty_checkpoint(origin)?;
    match store
        .replace_if(CHECKPOINT, &note.to_bytes(), None)
        .map_err(|e| e.to_string())?
    {
        Swapped::Done => Ok(true),
        Swapped::Conflict => Ok(false),
    }
}

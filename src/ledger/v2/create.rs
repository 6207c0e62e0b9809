//! A new, empty format-2 log: the unsigned checkpoint of the empty tree (the note text and
//! the blank line, no signature lines), naming its origin.
//! The first append signs a checkpoint over it.

use super::layout::CHECKPOINT;
use crate::ledger::store::{Created, Store};
use base64::Engine as _;
use sha2::Digest as _;

/// Create the empty log's checkpoint (`<origin>\n0\n<root of the empty tree>\n\n`).
pub fn empty(store: &dyn Store, origin: &str) -> Result<(), String> {
    let root = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b""));
    let text = format!("{origin}\n0\n{root}\n\n");
    match store
        .create(CHECKPOINT, text.as_bytes())
        .map_err(|e| e.to_string())?
    {
        Created::New => Ok(()),
        Created::AlreadyExists => Err(format!(
            "{}/{CHECKPOINT}: created by another process meanwhile; run `tollgate audit verify`",
            store.location()
        )),
    }
}

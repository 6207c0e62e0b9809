//! What a reader that demands witnesses (`[trust] witnesses` and `min_witnesses`, or
//! `audit verify --witness`) requires of a v2 log before reading it: a checkpoint that enough
//! of those witnesses cosigned, and the current checkpoint consistent with it. Records up to
//! that checkpoint's size are then the history the witnesses saw; a log rewritten by its key
//! holder (or shown differently to different readers) cannot pass.

use super::consistent::extends;
use super::cosigned;
use super::tiles::read_checkpoint;
use crate::ledger::format::Format;
use crate::ledger::store::Store;
use crate::witness::Witnesses;

/// The witnessed checkpoint a reader relies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// Its tree size and root (base64), and the current checkpoint's size.
    pub size: u64,
    pub root: String,
    pub current_size: u64,
    /// The demanded witnesses whose cosignature verifies on it.
    pub cosigners: Vec<String>,
}

/// `Ok(None)` when no witness is demanded or the log is empty (nothing is read); the
/// witnessed checkpoint when the demand holds; otherwise why not, saying what to do.
pub fn require(store: &dyn Store, witnesses: &Witnesses) -> Result<Option<Witnessed>, String> {
    if !witnesses.demanded() {
        return Ok(None);
    }
    let location = store.location();
    let names: Vec<&str> = witnesses.keys.iter().map(|k| k.name.as_str()).collect();
    match crate::ledger::format::detect(store)? {
        None => return Ok(None),
        Some(Format::V1) => {
            return Err(format!(
                "{} witness cosignature(s) are demanded, but the ledger at {location} is format v1, which has no checkpoints to cosign: migrate it (`tollgate audit migrate`)",
                witnesses.min
            ));
        }
        Some(Format::V2) => {}
    }
    let Some(current) = read_checkpoint(store)? else {
        return Ok(None);
    };
    if current.checkpoint.size == 0 {
        return Ok(None);
    }
    let Some((witnessed, cosigners)) = cosigned::newest(store, current.checkpoint.size, witnesses)?
    else {
        return Err(format!(
            "no checkpoint of the ledger at {location} carries {} valid cosignature(s) from the witnesses {} (the current checkpoint has {} records): have them run `tollgate audit witness --store {location} …`",
            witnesses.min,
            names.join(", "),
            current.checkpoint.size
        ));
    };
    extends(
        store,
        &current.checkpoint,
        witnessed.checkpoint.size,
        witnessed.checkpoint.root,
    )
    .map_err(|e| {
        format!(
            "the ledger at {location} is not the history its witnesses ({}) cosigned at size {}: {e}",
            cosigners.join(", "),
            witnessed.checkpoint.size
        )
    })?;
    Ok(Some(Witnessed {
        size: witnessed.checkpoint.size,
        root: witnessed.checkpoint.root.to_string(),
        current_size: current.checkpoint.size,
        cosigners,
    }))
}

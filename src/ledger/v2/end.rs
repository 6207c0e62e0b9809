//! Finding the end of a format-2 log: the checkpoint's size `c`, then the entry bundles from
//! the one holding record `c` onwards (full tiles probed, partials listed), because a crash
//! between a bundle's create and the checkpoint's swap leaves the checkpoint behind. The
//! records beyond it are acknowledged appends: readers list them and the next appender
//! adopts them into the tree.

use super::layout::{CHECKPOINT, bundle_of, partials_prefix, record_name};
use super::tiles::read_bundle;
use crate::ledger::entry::Entry;
use crate::ledger::store::{Store, Version};
use crate::ledger::tail::Tail;
use crate::tlog::TILE_WIDTH;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::paths::TileId;

/// Advice appended to every "the log is damaged" message.
pub const RUN_VERIFY: &str = "run `tollgate audit verify` on this store";

/// The checkpoint as read, with the version a compare-and-swap needs.
#[derive(Debug, Clone)]
pub struct Current {
    pub note: SignedCheckpoint,
    pub version: Version,
}

/// Read and parse the checkpoint (signatures unchecked); `None` when the store has none.
pub fn checkpoint(store: &dyn Store) -> Result<Option<Current>, String> {
    let Some((bytes, version)) = store.get_versioned(CHECKPOINT).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let note = SignedCheckpoint::parse(&bytes)
        .map_err(|e| format!("{}/{CHECKPOINT}: {e}; {RUN_VERIFY}", store.location()))?;
    Ok(Some(Current { note, version }))
}

/// The end of the log.
#[derive(Debug, Clone)]
pub struct End {
    pub current: Current,
    /// Records in the log: the checkpoint's size plus the records beyond it.
    pub size: u64,
    /// The records of the entry bundle the next record goes into (`size / 256`), in order
    /// (empty when `size` is a multiple of 256).
    pub open_bundle: Vec<Vec<u8>>,
}

/// Find the end of the log in `store`, which must have a checkpoint.
pub fn find(store: &dyn Store) -> Result<End, String> {
    let current = checkpoint(store)?.ok_or_else(|| {
        format!(
            "{}/{CHECKPOINT} is missing: not a format-2 log (or its checkpoint was removed; {RUN_VERIFY})",
            store.location()
        )
    })?;
    let covered = current.note.checkpoint.size;
    let (size, width) = size_from(store, covered)?;
    let open_bundle = if width == 0 {
        Vec::new()
    } else {
        read_bundle(store, size / TILE_WIDTH, width)?
    };
    Ok(End {
        current,
        size,
        open_bundle,
    })
}

/// The log's size, starting from a checkpoint that covers `covered` records, and the width
/// of the open (partial) bundle at that size.
pub fn size_from(store: &dyn Store, covered: u64) -> Result<(u64, u32), String> {
    let (mut n, _) = bundle_of(covered);
    let exists = |tile: &TileId| -> Result<bool, String> {
        Ok(store
            .get(&tile.path())
            .map_err(|e| e.to_string())?
            .is_some())
    };
    loop {
        let full = TileId::entries(n, TILE_WIDTH as u32);
        if exists(&full)? {
            n += 1;
            continue;
        }
        let width = widest_partial(store, &full)?;
        // An appender may have filled the bundle (and collected its partials) between the
        // probe and the listing: look at the full bundle again before calling it absent.
        if width == 0 && exists(&full)? {
            n += 1;
            continue;
        }
        let size = n * TILE_WIDTH + u64::from(width);
        if size < covered {
            return Err(format!(
                "{}/{CHECKPOINT} covers {covered} records, but the entry bundles hold only {size} \
                 (the widest of {} is {width}); {RUN_VERIFY}",
                store.location(),
                partials_prefix(&full),
            ));
        }
        return Ok((size, width));
    }
}

/// The widest partial of tile `full` that exists (0 when there is none).
pub fn widest_partial(store: &dyn Store, full: &TileId) -> Result<u32, String> {
    Ok(store
        .list(&partials_prefix(full))
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|key| TileId::parse(key).ok())
        .filter(|t| t.level == full.level && t.n == full.n)
        .map(|t| t.width)
        .max()
        .unwrap_or(0))
}

/// The last record (index `size - 1`) of a log whose open bundle is `open_bundle`.
pub fn last_record(store: &dyn Store, end: &End) -> Result<Option<Vec<u8>>, String> {
    if let Some(last) = end.open_bundle.last() {
        return Ok(Some(last.clone()));
    }
    if end.size == 0 {
        return Ok(None);
    }
    let (n, at) = bundle_of(end.size - 1);
    Ok(read_bundle(store, n, TILE_WIDTH as u32)?
        .into_iter()
        .nth(at))
}

/// The end as appenders, the clock and the freeze lookup read it ([`crate::ledger::tail`]).
pub fn tail(store: &dyn Store) -> Result<Tail, String> {
    let end = find(store)?;
    let mut tail = Tail {
        length: end.size,
        last: crate::ledger::entry::GENESIS.to_owned(),
        freezes: Default::default(),
        head: None,
        last_entry: None,
    };
    if let Some(record) = last_record(store, &end)? {
        let entry: Entry = serde_json::from_slice(&record).map_err(|e| {
            format!(
                "{}: {} is not a ledger entry: {e}; {RUN_VERIFY}",
                store.location(),
                record_name(end.size)
            )
        })?;
        tail.last = crate::digest::sha256_hex(&record);
        tail.last_entry = Some(crate::ledger::clock::Last {
            seq: end.size,
            time: entry.time,
        });
    }
    Ok(tail)
}

//! Reading a format-2 log's records: one by index (its bundle: the full tile, else the
//! widest partial), or all of them through a limit, a bundle at a time and bundles in
//! parallel. Reads list the records beyond a lagging checkpoint too (acknowledged appends);
//! they check structure, not the tree (that is `audit verify`'s job, and the verified state
//! of [`crate::ledger::freeze`]'s).

use super::end::{RUN_VERIFY, checkpoint, size_from, widest_partial};
use super::layout::{CHECKPOINT, bundle_of, record_name};
use super::tiles::read_bundle;
use crate::digest::sha256_hex;
use crate::ledger::entry::{Entry, EntryId};
use crate::ledger::scan::{Links, Scanned};
use crate::ledger::store::Store;
use crate::tlog::TILE_WIDTH;
use crate::tlog::paths::TileId;
use rayon::prelude::*;

/// The log's size: the checkpoint's, plus the records beyond it.
pub fn size(store: &dyn Store) -> Result<u64, String> {
    let current = checkpoint(store)?.ok_or_else(|| {
        format!(
            "{}/{CHECKPOINT} is missing: not a format-2 log; {RUN_VERIFY}",
            store.location()
        )
    })?;
    Ok(size_from(store, current.note.checkpoint.size)?.0)
}

/// Parse record `seq`'s bytes into its id and entry.
pub fn parse(store: &dyn Store, seq: u64, record: &[u8]) -> Result<(EntryId, Entry), String> {
    let entry: Entry = serde_json::from_slice(record).map_err(|e| {
        format!(
            "{}: {} is not a ledger entry ({e}); {RUN_VERIFY}",
            store.location(),
            record_name(seq)
        )
    })?;
    let id = EntryId {
        seq,
        sha256: sha256_hex(record),
    };
    Ok((id, entry))
}

/// Record `seq` (index `seq - 1`): from its full bundle, else the widest partial.
pub fn entry(store: &dyn Store, seq: u64) -> Result<(EntryId, Entry), String> {
    let no_such = || format!("{}: {}: no such entry", store.location(), record_name(seq));
    let index = seq.checked_sub(1).ok_or_else(no_such)?;
    let (n, at) = bundle_of(index);
    let full = TileId::entries(n, TILE_WIDTH as u32);
    let width = if store
        .get(&full.path())
        .map_err(|e| e.to_string())?
        .is_some()
    {
        TILE_WIDTH as u32
    } else {
        widest_partial(store, &full)?
    };
    if at >= width as usize {
        return Err(no_such());
    }
    let records = read_bundle(store, n, width)?;
    parse(store, seq, &records[at])
}

/// [`crate::ledger::query::scan`] of a format-2 log.
pub fn scan<T, F>(
    store: &dyn Store,
    through: Option<u64>,
    links: Links,
    visit: &F,
) -> Result<Scanned<T>, String>
where
    T: Send,
    F: Fn(EntryId, Entry) -> Result<Option<T>, String> + Sync,
{
    let size = size(store)?;
    let length = through.map_or(size, |last| last.min(size));
    let bundles = length.div_ceil(TILE_WIDTH);
    let read: Vec<Result<Vec<T>, String>> = (0..bundles)
        .into_par_iter()
        .map(|n| {
            let first = n * TILE_WIDTH;
            let width = (length - first).min(TILE_WIDTH) as u32;
            let mut items = Vec::new();
            for (at, record) in read_bundle(store, n, width)?.iter().enumerate() {
                let seq = first + at as u64 + 1;
                let (id, entry) = parse(store, seq, record)?;
                if links == Links::Check && entry.seq != seq {
                    return Err(format!(
                        "{}: {} names seq {}: the log is damaged; {RUN_VERIFY}",
                        store.location(),
                        record_name(seq),
                        entry.seq
                    ));
                }
                items.extend(visit(id, entry)?);
            }
            Ok(items)
        })
        .collect();
    let mut items = Vec::new();
    for bundle in read {
        items.extend(bundle?);
    }
    Ok(Scanned { length, items })
}

/// Records as `(seq, bytes)`, in order.
pub type Batch = Vec<(u64, Vec<u8>)>;

/// Records `range` (indexes) in order, handed to `each` a few bundles at a time (the bundles
/// of a batch are read in parallel).
pub fn in_batches(
    store: &dyn Store,
    range: std::ops::Range<u64>,
    mut each: impl FnMut(Batch) -> Result<(), String>,
) -> Result<(), String> {
    const BUNDLES: u64 = 8;
    let bundles = range.start / TILE_WIDTH..range.end.div_ceil(TILE_WIDTH);
    let mut n = bundles.start;
    while n < bundles.end {
        let batch = n..(n + BUNDLES).min(bundles.end);
        n = batch.end;
        let read: Vec<Result<Batch, String>> = batch
            .into_par_iter()
            .map(|n| {
                let first = n * TILE_WIDTH;
                let width = (range.end - first).min(TILE_WIDTH) as u32;
                Ok(read_bundle(store, n, width)?
                    .into_iter()
                    .enumerate()
                    .map(|(at, record)| (first + at as u64 + 1, record))
                    .filter(|(seq, _)| *seq > range.start)
                    .collect())
            })
            .collect();
        let mut records = Vec::new();
        for bundle in read {
            records.extend(bundle?);
        }
        each(records)?;
    }
    Ok(())
}

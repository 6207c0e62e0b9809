//! Appending many entries at once to a format-2 log, for filling or migrating a log: one end,
//! the entry bundles written at their final widths (full tiles and the last partial, as the
//! one-at-a-time appends leave them after garbage collection), one growth of the tree, one
//! checkpoint. Only for stores with a kernel append lock (local), where no other appender
//! can race it; a crash leaves a prefix of the batch, and the next append adopts it.

use super::append::record_bytes;
use super::end::{find, last_record};
use super::layout::bundle_of;
use super::publish::publish;
use crate::digest::sha256_hex;
use crate::ledger::append::Pending;
use crate::ledger::clock::{Last, order};
use crate::ledger::entry::{EntryId, blob_key};
use crate::ledger::store::{Created, Store};
use crate::signing::Signer;
use crate::tlog::TILE_WIDTH;
use crate::tlog::bundle;
use crate::tlog::paths::TileId;

/// Append `pendings` in order; their ids, once all are durable and covered.
pub fn append_batch(
    store: &dyn Store,
    pendings: Vec<Pending>,
    signer: Option<&Signer>,
) -> Result<Vec<EntryId>, String> {
    if !store.has_append_lock() {
        return Err(format!(
            "{}: batch appends need a store with an append lock (a local --store DIR); append \
             one entry at a time here",
            store.location()
        ));
    }
    let _lock = store.lock_for_append().map_err(|e| e.to_string())?;
    if super::end::checkpoint(store)?.is_none() {
        super::create::empty(store, &super::origin::default_origin()?)?;
    }
    let end = find(store)?;
    let mut last = match last_record(store, &end)? {
        Some(record) => {
            let entry = super::read::parse(store, end.size, &record)?.1;
            Some(Last {
                seq: end.size,
                time: entry.time,
            })
        }
        None => None,
    };
    let mut records = Vec::with_capacity(pendings.len());
    let mut ids = Vec::with_capacity(pendings.len());
    for mut pending in pendings {
        for blob in &pending.blobs {
            store
                .create(&blob_key(&sha256_hex(blob)), blob)
                .map_err(|e| e.to_string())?;
        }
        let seq = end.size + records.len() as u64 + 1;
        pending.entry.seq = seq;
        pending.entry.prev = None;
        pending.entry.time = order(&pending.entry.time, pending.time_source, last.as_ref())?;
        last = Some(Last {
            seq,
            time: pending.entry.time.clone(),
        });
        let record = record_bytes(store, &mut pending.entry)?;
        ids.push(EntryId {
            seq,
            sha256: sha256_hex(&record),
        });
        records.push(record);
    }
    write_bundles(store, end.size, &end.open_bundle, &records)?;
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    note_index(store, end.size, &refs);
    publish(store, &end, &refs, signer)
        .map_err(|e| format!("the batch is in the log, but the tiles or checkpoint were not updated (the next append adopts it): {e}"))?;
    Ok(ids)
}

/// Create the bundles holding `records` after the log's `size` records, whose open bundle
/// holds `open`: every bundle filled on the way, then the last partial.
fn write_bundles(
    store: &dyn Store,
    size: u64,
    open: &[Vec<u8>],
    records: &[Vec<u8>],
) -> Result<(), String> {
    let (mut n, _) = bundle_of(size);
    let mut current: Vec<&[u8]> = open.iter().map(Vec::as_slice).collect();
    let mut rest = records.iter().map(Vec::as_slice).peekable();
    while rest.peek().is_some() {
        while (current.len() as u64) < TILE_WIDTH {
            match rest.next() {
                Some(record) => current.push(record),
                None => break,
            }
        }
        create_bundle(store, n, &current)?;
        current.clear();
        n += 1;
    }
    Ok(())
}

/// Create entry bundle `n` holding `records`, once, at its final width (full, or the last
/// partial). A bundle already there means another process wrote to the log meanwhile.
pub fn create_bundle(store: &dyn Store, n: u64, records: &[&[u8]]) -> Result<(), String> {
    let id = TileId::entries(n, records.len() as u32);
    let bytes = bundle::encode(records).map_err(|e| format!("{id}: {e}"))?;
    match store
        .create(&id.path(), &bytes)
        .map_err(|e| e.to_string())?
    {
        Created::New => Ok(()),
        Created::AlreadyExists => Err(format!(
            "{}/{}: written by another process during the batch",
            store.location(),
            id.path()
        )),
    }
}

/// Note the verdicts among `records` (log indexes `first`, `first + 1`, ...) in the verdict
/// index, as one-at-a-time appends do, one update per index bucket; readers scan without
/// it, so a failure only warns.
fn note_index(store: &dyn Store, first: u64, records: &[&[u8]]) {
    if let Err(e) = super::index::note_records(store, first, records) {
        tracing::warn!(error = %e, "verdict index not written (readers fall back to a scan)");
    }
}

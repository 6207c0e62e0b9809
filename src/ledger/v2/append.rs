//! Appending one entry to a format-2 log (docs/design/ledger-v2.md, "Appending"): blobs,
//! then the end of the log, then the entry bundle holding the new record — created only if
//! absent, the linearisation point — then the hash tiles and checkpoint ([`super::publish`]).

use super::end::{find, last_record};
use super::layout::{bundle_of, record_name};
use super::publish::publish;
use crate::digest::sha256_hex;
use crate::ledger::append::Pending;
use crate::ledger::entry::{BlobRef, Entry, EntryId, blob_key};
use crate::ledger::store::{Created, Store};
use crate::signing::Signer;
use crate::tlog::bundle::{self, MAX_RECORD};
use crate::tlog::paths::TileId;

/// How often a lost race is retried (each loss means another appender made progress).
const MAX_ATTEMPTS: u32 = 1000;

/// Append `pending` as record `size + 1`; returns its id once the bundle holding it is
/// durable and the tiles and checkpoint cover it. A store without a kernel append lock must
/// have passed `tollgate audit check-store`.
pub fn append(
    store: &dyn Store,
    mut pending: Pending,
    signer: Option<&Signer>,
) -> Result<EntryId, String> {
    let _lock = store.lock_for_append().map_err(|e| e.to_string())?;
    if !store.has_append_lock() {
        crate::ledger::store_check::require_atomic(store)?;
    }
    for blob in &pending.blobs {
        // An existing object is kept: its name is its digest, and `audit verify` re-hashes it.
        store
            .create(&blob_key(&sha256_hex(blob)), blob)
            .map_err(|e| e.to_string())?;
    }
    if super::end::checkpoint(store)?.is_none() {
        // An empty store: the log starts here, with the default origin (`audit init` sets
        // another). A concurrent first appender may create it first, which is as good.
        super::create::empty(store, &super::origin::default_origin()?)?;
    }
    for attempt in 1..=MAX_ATTEMPTS {
        let end = find(store)?;
        let seq = end.size + 1;
        let last = match last_record(store, &end)? {
            Some(record) => Some(super::read::parse(store, end.size, &record)?.1),
            None => None,
        };
        pending.entry.seq = seq;
        pending.entry.prev = None;
        pending.entry.time = crate::ledger::clock::order(
            &pending.entry.time,
            pending.time_source,
            last.map(|e| crate::ledger::clock::Last {
                seq: end.size,
                time: e.time,
            })
            .as_ref(),
        )?;
        let record = record_bytes(store, &mut pending.entry)?;
        let (n, at) = bundle_of(end.size);
        let mut records: Vec<&[u8]> = end.open_bundle.iter().map(Vec::as_slice).collect();
        records.push(&record);
        let id = TileId::entries(n, at as u32 + 1);
        let bytes = bundle::encode(&records).map_err(|e| format!("{id}: {e}"))?;
        match store
            .create(&id.path(), &bytes)
            .map_err(|e| e.to_string())?
        {
            Created::AlreadyExists => {
                tracing::debug!(attempt, bundle = %id, "lost the race for the next record; retrying");
                continue;
            }
            Created::New if !store.has_append_lock() && stale(store, &id, &record)? => {
                // Created only because garbage collection had removed a bundle that others
                // had long since extended: take it back and try again at the real end.
                store.delete(&id.path()).map_err(|e| e.to_string())?;
                continue;
            }
            Created::New => {}
        }
        // The verdict index (`audit prove`, `verify --store`); readers scan without it.
        if let Err(e) = super::index::note_record(store, seq - 1, &record) {
            tracing::warn!(error = %e, "verdict index not written (readers fall back to a scan)");
        }
        let entry_id = EntryId {
            seq,
            sha256: sha256_hex(&record),
        };
        publish(store, &end, &[&record], signer).map_err(|e| {
            format!(
                "{} ({entry_id}) is in the log, but the tiles or checkpoint were not updated \
                 (the next append adopts it): {e}",
                record_name(seq)
            )
        })?;
        return Ok(entry_id);
    }
    Err(format!(
        "{}: gave up after {MAX_ATTEMPTS} attempts to append (other appenders kept winning)",
        store.location()
    ))
}

/// The entry's record: its canonical JSON; when that exceeds what a bundle holds, with its
/// evidence list moved to a blob (`evidence_list`). Still too large is an error. Also used by
/// `audit migrate`, which writes whole bundles at once.
pub fn record_bytes(store: &dyn Store, entry: &mut Entry) -> Result<Vec<u8>, String> {
    let bytes = entry.bytes();
    if bytes.len() <= MAX_RECORD {
        return Ok(bytes);
    }
    if entry.evidence_list.is_none() && !entry.evidence.is_empty() {
        let list = crate::verdict::canonical_json(&entry.evidence);
        store
            .create(&blob_key(&sha256_hex(&list)), &list)
            .map_err(|e| e.to_string())?;
        entry.evidence_list = Some(BlobRef::of(&list));
        entry.evidence.clear();
        return record_bytes(store, entry);
    }
    Err(format!(
        "the {} entry is {} bytes even without its evidence list; a format-2 record holds at \
         most {MAX_RECORD}",
        entry.kind.as_str(),
        bytes.len()
    ))
}

/// Whether bundle `id`, just created with `record` last, lies behind the log's real end:
/// the full bundle or a wider partial holds another record in its place (only possible
/// without an append lock, when garbage collection removed `id` after others had extended
/// the log past it). A wider bundle holding this very record extended ours: not stale.
fn stale(store: &dyn Store, id: &TileId, record: &[u8]) -> Result<bool, String> {
    if id.is_full() {
        return Ok(false);
    }
    let full = id.full();
    let wider = if store
        .get(&full.path())
        .map_err(|e| e.to_string())?
        .is_some()
    {
        full.width
    } else {
        super::end::widest_partial(store, id)?
    };
    if wider <= id.width {
        return Ok(false);
    }
    let records = super::tiles::read_bundle(store, id.n, wider)?;
    Ok(records.get(id.width as usize - 1).map(Vec::as_slice) != Some(record))
}

//! Moving a format-1 ledger (the hash chain) into a new format-2 log (`tollgate audit
//! migrate`). The caller verifies the chain first, with `audit verify`'s code; [`migrate`]
//! then logs every entry in chain order as the record it would have been in format 2
//! ([`records`]), copies every blob it references ([`blobs`]), and writes the log in one
//! batch under the target's append lock: each entry bundle created once at its final width
//! (`v2::batch::create_bundle`, one bundle at a time so that the ledger need not fit in
//! memory), then the verdict index, the hash tiles and one checkpoint signed by the
//! migrating key (`v2::publish`, as an append adopting records beyond its
//! checkpoint does). The format-1 store is only read.

mod blobs;
mod records;
mod target;

pub use target::prepare;

use super::clock::Last;
use super::entry::{Entry, EntryId, GENESIS};
use super::scan::{read_v1, v1_seqs};
use super::store::Store;
use super::v2::batch;
use super::v2::end::{End, find};
use crate::signing::Signer;
use crate::tlog::TILE_WIDTH;
use crate::tlog::note::SignedCheckpoint;
use rayon::prelude::*;

/// What a migration wrote.
#[derive(Debug)]
pub struct Migrated {
    /// Records logged (= format-1 entries).
    pub entries: u64,
    /// Distinct blobs copied.
    pub blobs: u64,
    /// Entries appended to the format-1 ledger after its verification: not migrated.
    pub appended: u64,
    /// The new log's checkpoint (`None` for an empty format-1 ledger: the log stays empty).
    pub checkpoint: Option<SignedCheckpoint>,
}

/// Log entries 1..=`verified` of the format-1 ledger `from` (the entries its verification
/// covered; any appended since are left out and counted) into `to`, an empty format-2 log
/// (see [`prepare`]), and sign its checkpoint with `signer`. The chain links are followed
/// again as the entries are read, so an entry changed since the verification is refused. A
/// failure part-way leaves `to` holding some records: delete it and migrate again.
pub fn migrate(
    from: &dyn Store,
    to: &dyn Store,
    signer: &Signer,
    verified: u64,
) -> Result<Migrated, String> {
    let changed = |what: String| {
        format!(
            "{}: {what}: the ledger changed after it was verified; stop its writers and run \
             `tollgate audit verify --store {}`",
            from.location(),
            from.location()
        )
    };
    let mut seqs = v1_seqs(from)?;
    let appended = seqs.iter().filter(|s| **s > verified).count() as u64;
    seqs.retain(|s| *s <= verified);
    if seqs.len() as u64 != verified || seqs.iter().enumerate().any(|(i, seq)| *seq != i as u64 + 1)
    {
        return Err(changed(format!(
            "entries 1..{verified} are no longer all there"
        )));
    }
    let _lock = to.lock_for_append().map_err(|e| e.to_string())?;
    crate::ledger::store_check::require_atomic(to)?;
    let end = find(to)?;
    if end.size != 0 {
        return Err(format!(
            "{}: {} records were appended while the migration started; give a new, empty store",
            to.location(),
            end.size
        ));
    }
    let mut copier = blobs::BlobCopier::new(from, to);
    let mut last: Option<Last> = None;
    let mut prev = GENESIS.to_owned();
    let mut last_bundle: Vec<Vec<u8>> = Vec::new();
    // The verdict index, written once at the end (one update per bucket); readers scan
    // without it.
    let mut verdicts: Vec<(String, u64)> = Vec::new();
    for (n, chunk) in seqs.chunks(TILE_WIDTH as usize).enumerate() {
        let read: Vec<(EntryId, Entry)> = chunk
            .par_iter()
            .map(|&seq| read_v1(from, seq))
            .collect::<Result<_, _>>()?;
        copier.copy(&read)?;
        let mut records = Vec::with_capacity(read.len());
        for (id, entry) in read {
            if entry.prev.as_deref() != Some(prev.as_str()) {
                return Err(changed(format!(
                    "entry {} no longer links to entry {}",
                    id.seq,
                    id.seq - 1
                )));
            }
            prev.clone_from(&id.sha256);
            records::check_time(&id, &entry, last.as_ref())?;
            last = Some(Last {
                seq: id.seq,
                time: entry.time.clone(),
            });
            let mut record = records::record_of(&id, entry);
            let bytes = super::v2::append::record_bytes(to, &mut record)
                .map_err(|e| format!("entry {} ({}): {e}", id.seq, id.sha256))?;
            records.push(bytes);
        }
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        batch::create_bundle(to, n as u64, &refs).map_err(|e| {
            format!(
                "{e}; delete {} and migrate again into a store nothing else writes",
                to.location()
            )
        })?;
        verdicts.extend(refs.iter().enumerate().filter_map(|(i, r)| {
            super::v2::index::verdict_of(r).map(|sha| (sha, n as u64 * TILE_WIDTH + i as u64))
        }));
        last_bundle = records;
    }
    if let Err(e) = super::v2::index::note_verdicts(to, &verdicts) {
        tracing::warn!(error = %e, "verdict index not written (readers fall back to a scan)");
    }
    let Some(last_record) = last_bundle.pop() else {
        return Ok(Migrated {
            entries: 0,
            blobs: 0,
            appended,
            checkpoint: None,
        });
    };
    let size = seqs.len() as u64;
    // The log as an appender of the last record sees it: every record but the last is in the
    // bundles, beyond the empty checkpoint; publishing the last covers them all.
    let before_last = End {
        current: end.current,
        size: size - 1,
        open_bundle: last_bundle,
    };
    super::v2::publish::publish(to, &before_last, &[&last_record], Some(signer))?;
    let checkpoint = super::v2::tiles::read_checkpoint(to)?
        .filter(|c| c.checkpoint.size == size)
        .ok_or_else(|| {
            format!(
                "{}: the checkpoint does not cover the {size} migrated records; run \
                 `tollgate audit verify --store {}`",
                to.location(),
                to.location()
            )
        })?;
    Ok(Migrated {
        entries: size,
        blobs: copier.copied(),
        appended,
        checkpoint: Some(checkpoint),
    })
}

#[cfg(test)]
mod tests;

//! The verdict index of a v2 log: `index/verdict/<sha256>` holds the index (decimal) of the
//! first record that names that verdict, so `audit prove` and `verify --store` find a
//! verdict's record without scanning the log. Written by the append path right after the
//! record's bundle is created; untrusted (a reader checks the record it points at, and falls
//! back to a scan when the index is missing or wrong, e.g. after a crash between the two).

use super::tiles::read_bundle;
use crate::ledger::store::Store;
use crate::tlog::TILE_WIDTH;
use rayon::prelude::*;

/// The key prefix of the verdict index.
pub const PREFIX: &str = "index/verdict/";

/// The index key of a verdict's SHA-256.
pub fn verdict_key(sha256: &str) -> String {
    format!("{PREFIX}{sha256}")
}

/// The verdict a record names: its `verdict.sha256` when it is a `verdict` record.
pub fn verdict_of(record: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(record).ok()?;
    if value.get("kind")?.as_str()? != "verdict" {
        return None;
    }
    let sha = value.get("verdict")?.get("sha256")?.as_str()?;
    crate::ledger::entry::is_sha256(sha).then(|| sha.to_owned())
}

/// Note that record `index` names verdict `sha256` (create-if-absent: the first record
/// naming it keeps the key). The append path calls this (or [`note_record`]) after the
/// record's bundle is created; a failure here loses nothing (readers fall back to a scan),
/// so the caller may log it and go on.
pub fn note_verdict(store: &dyn Store, sha256: &str, index: u64) -> Result<(), String> {
    store
        .create(&verdict_key(sha256), format!("{index}\n").as_bytes())
        .map(|_| ())
        .map_err(|e| format!("cannot write the verdict index: {e}"))
}

/// [`note_verdict`] for a record's bytes: does nothing unless it is a verdict record.
pub fn note_record(store: &dyn Store, index: u64, record: &[u8]) -> Result<(), String> {
    match verdict_of(record) {
        Some(sha) => note_verdict(store, &sha, index),
        None => Ok(()),
    }
}

/// How a verdict's record was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Index,
    /// The index had no (or a wrong) entry: every record up to the tree size was read.
    Scan,
}

/// A record found for a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub index: u64,
    pub record: Vec<u8>,
    pub via: Via,
}

/// The record at `index` of a log of `size` records (its bytes are authenticated only by
/// a proof against a checkpoint's root).
pub fn read_record(store: &dyn Store, index: u64, size: u64) -> Result<Vec<u8>, String> {
    if index >= size {
        return Err(format!(
            "there is no record {index} in the ledger at {}: its checkpoint covers {size} record(s) (0 to {})",
            store.location(),
            size.saturating_sub(1)
        ));
    }
    let n = index / TILE_WIDTH;
    let width = (size - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
    let records = read_bundle(store, n, width)?;
    let at = (index % TILE_WIDTH) as usize;
    records.into_iter().nth(at).ok_or_else(|| {
        format!(
            "{}: the entry bundle for record {index} is short",
            store.location()
        )
    })
}

/// The first record among the first `size` that names verdict `sha256`: through the index,
/// else by reading every bundle. `None` when no record names it.
pub fn find_verdict(store: &dyn Store, sha256: &str, size: u64) -> Result<Option<Found>, String> {
    let key = verdict_key(sha256);
    if let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? {
        let index = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.trim_end_matches('\n').parse::<u64>().ok());
        if let Some(index) = index
            && index < size
        {
            let record = read_record(store, index, size)?;
            if verdict_of(&record).as_deref() == Some(sha256) {
                return Ok(Some(Found {
                    index,
                    record,
                    via: Via::Index,
                }));
            }
        }
        tracing::warn!(
            key = %format!("{}/{key}", store.location()),
            "the verdict index does not point at a record naming this verdict (or past the checkpoint); scanning the log"
        );
    }
    scan(store, sha256, size)
}

/// Read every bundle of the first `size` records (in parallel) for the first record naming
/// `sha256`.
fn scan(store: &dyn Store, sha256: &str, size: u64) -> Result<Option<Found>, String> {
    let bundles = size.div_ceil(TILE_WIDTH);
    let hits = (0..bundles)
        .into_par_iter()
        .map(|n| {
            let width = (size - n * TILE_WIDTH).min(TILE_WIDTH) as u32;
            let records = read_bundle(store, n, width)?;
            Ok(records
                .into_iter()
                .enumerate()
                .find(|(_, r)| verdict_of(r).as_deref() == Some(sha256))
                .map(|(i, record)| Found {
                    index: n * TILE_WIDTH + i as u64,
                    record,
                    via: Via::Scan,
                }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(hits.into_iter().flatten().next())
}

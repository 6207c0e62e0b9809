//! The verdict index of a v2 log, so that `audit prove` and `verify --store` find a verdict's
//! record without scanning the log. Untrusted: a reader checks the record an entry points
//! at, and falls back to a scan when no entry leads to a record naming the verdict (after
//! a crash between a record and its index entry, say).
//!
//! Laid out like the log's own tiles, so that it costs a file per 256 verdicts, not one per
//! verdict: 256 buckets by the verdict digest's first byte, `index/verdict/<2 hex>/`, each
//! a sequence of chunks of up to 256 lines `<sha256> <record index>\n` in append order.
//! Chunk `n` is `<n>` when full and `<n>.p/<w>` while it holds `w` lines; a chunk only
//! grows, by creating the next wider key (create-if-absent) holding the lines of every
//! partial it supersedes, which are then deleted ([`chunks`]): a partial a racing appender
//! created beside another loses no line. A reader reads every chunk key of the verdict's
//! bucket (at a million verdicts, about 16). Logs written before this layout have
//! `index/verdict/<sha256>` (a record index), which is still read.

mod check;
mod chunks;

pub use check::check;

use super::tiles::read_bundle;
use crate::ledger::store::Store;
use crate::tlog::TILE_WIDTH;
use chunks::{append_to_bucket, parse_line, read_bucket};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The key prefix of the verdict index.
pub const PREFIX: &str = "index/verdict/";

/// The key of a verdict in the index written before the bucketed layout.
pub fn legacy_key(sha256: &str) -> String {
    format!("{PREFIX}{sha256}")
}

/// The bucket (key prefix) of a verdict digest.
fn bucket(sha256: &str) -> String {
    format!("{PREFIX}{}/", &sha256[..2])
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

/// Note that the records at the given indexes name the given verdicts (`(sha256, index)`,
/// in log order). The append paths call this after the records' bundles are created; a
/// failure here loses nothing (readers fall back to a scan), so the caller may log it and
/// go on.
pub fn note_verdicts(store: &dyn Store, verdicts: &[(String, u64)]) -> Result<(), String> {
    let mut by_bucket: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (sha, index) in verdicts {
        if !crate::ledger::entry::is_sha256(sha) {
            return Err(format!("not a SHA-256: {sha:?}"));
        }
        by_bucket
            .entry(bucket(sha))
            .or_default()
            .push(format!("{sha} {index}\n"));
    }
    // One bucket that cannot be written does not keep the others from being written.
    let failed: Vec<String> = by_bucket
        .into_iter()
        .filter_map(|(bucket, lines)| {
            append_to_bucket(store, &bucket, &lines)
                .err()
                .map(|e| format!("{bucket}: {e}"))
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "cannot write the verdict index: {}",
            failed.join("; ")
        ))
    }
}

/// [`note_records`] for one record.
pub fn note_record(store: &dyn Store, index: u64, record: &[u8]) -> Result<(), String> {
    note_records(store, index, &[record])
}

/// [`note_verdicts`] for records' bytes (the record at `first + i` is `records[i]`): only
/// verdict records are noted.
pub fn note_records(store: &dyn Store, first: u64, records: &[&[u8]]) -> Result<(), String> {
    let verdicts: Vec<(String, u64)> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| verdict_of(r).map(|sha| (sha, first + i as u64)))
        .collect();
    note_verdicts(store, &verdicts)
}

/// The record indexes the index gives for `sha256`, ascending (any number: untrusted).
fn candidates(store: &dyn Store, sha256: &str) -> Result<Vec<u64>, String> {
    let mut found = Vec::new();
    if let Some(bytes) = store.get(&legacy_key(sha256)).map_err(|e| e.to_string())?
        && let Some(index) = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.trim_end_matches('\n').parse::<u64>().ok())
    {
        found.push(index);
    }
    for line in read_bucket(store, &bucket(sha256))? {
        if let Some((sha, index)) = line.strip_suffix('\n').and_then(parse_line)
            && sha == sha256
        {
            found.push(index);
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
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
    if !crate::ledger::entry::is_sha256(sha256) {
        return Err(format!("not a SHA-256: {sha256:?}"));
    }
    let candidates = candidates(store, sha256)?;
    for &index in candidates.iter().filter(|i| **i < size) {
        let record = read_record(store, index, size)?;
        if verdict_of(&record).as_deref() == Some(sha256) {
            return Ok(Some(Found {
                index,
                record,
                via: Via::Index,
            }));
        }
    }
    if !candidates.is_empty() {
        tracing::warn!(
            bucket = %format!("{}/{}", store.location(), bucket(sha256)),
            "the verdict index does not point at a record naming this verdict (or only past the checkpoint); scanning the log"
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

#[cfg(test)]
mod tests;

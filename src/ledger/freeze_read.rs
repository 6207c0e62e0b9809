//! Reading an environment's freeze and unfreeze entries in order, with their signature
//! texts, for [`super::freeze`]: every entry through a given seq is read and checked to be in
//! its place (format 1: linked to the one before; format 2: naming its own index).

use super::entry::{Entry, GENESIS, Kind, blob_key, entry_key};
use super::store::Store;
use crate::digest::sha256_hex;
use rayon::prelude::*;
use serde::Deserialize;

/// Entries read per parallel batch.
const CHUNK: u64 = 1024;

/// Read entries `1..=last` (in parallel batches), check that each is in its place, and call
/// `change` in order for each freeze or unfreeze of `environment`, with its signature text
/// when the entry has one and the blob is intact.
pub(super) fn for_each_change(
    store: &dyn Store,
    environment: &str,
    last: u64,
    mut change: impl FnMut(&Entry, Option<String>) -> Result<(), String>,
) -> Result<(), String> {
    if crate::ledger::format::detect(store)? != Some(crate::ledger::format::Format::V2) {
        return for_each_change_v1(store, environment, last, change);
    }
    let changes = crate::ledger::query::scan(
        store,
        Some(last),
        crate::ledger::query::Links::Check,
        |_, entry| {
            let wanted = entry.environment == environment
                && matches!(entry.kind, Kind::Freeze | Kind::Unfreeze);
            Ok(wanted.then_some(entry))
        },
    )?;
    if changes.length < last {
        return Err(format!(
            "{}: the log holds {} records, fewer than the {last} read before; run `tollgate audit verify` on this store",
            store.location(),
            changes.length
        ));
    }
    for entry in changes.items {
        let signature = signature_text(store, &entry)?;
        change(&entry, signature)?;
    }
    Ok(())
}

/// [`for_each_change`] of a format-1 ledger: only this environment's freezes and unfreezes
/// are parsed whole; every other entry only as far as its link.
fn for_each_change_v1(
    store: &dyn Store,
    environment: &str,
    last: u64,
    mut change: impl FnMut(&Entry, Option<String>) -> Result<(), String>,
) -> Result<(), String> {
    let location = store.location();
    let damaged = |key: &str, what: String| {
        format!("{location}/{key}: {what}; run `tollgate audit verify` on this store")
    };
    let mut prev = GENESIS.to_owned();
    let mut start = 1;
    while start <= last {
        let end = last.min(start + CHUNK - 1);
        type Read = (String, Link, Option<Entry>);
        let read: Vec<Result<Read, String>> = (start..=end)
            .into_par_iter()
            .map(|seq| {
                let key = entry_key(seq);
                let bytes = store
                    .get(&key)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| damaged(&key, "missing".to_owned()))?;
                let not_entry =
                    |e: serde_json::Error| damaged(&key, format!("not a ledger entry: {e}"));
                let link: Link = serde_json::from_slice(&bytes).map_err(not_entry)?;
                // Only this environment's freezes and unfreezes are parsed whole.
                let entry = if link.environment == environment
                    && matches!(link.kind, Kind::Freeze | Kind::Unfreeze)
                {
                    Some(serde_json::from_slice::<Entry>(&bytes).map_err(not_entry)?)
                } else {
                    None
                };
                Ok((sha256_hex(&bytes), link, entry))
            })
            .collect();
        for (seq, result) in (start..=end).zip(read) {
            let (sha256, link, entry) = result?;
            if link.seq != seq || link.prev != prev {
                return Err(damaged(
                    &entry_key(seq),
                    format!(
                        "does not continue the chain (seq {}, prev {}; expected seq {seq}, prev {prev})",
                        link.seq, link.prev
                    ),
                ));
            }
            prev = sha256;
            if let Some(entry) = entry {
                let signature = signature_text(store, &entry)?;
                change(&entry, signature)?;
            }
        }
        start = end + 1;
    }
    Ok(())
}

/// The part of an entry the walk needs for every entry (the rest, e.g. a verdict's evidence
/// list, is skipped unparsed).
#[derive(Deserialize)]
struct Link {
    seq: u64,
    prev: String,
    kind: Kind,
    environment: String,
}

/// The entry's signature text; `None` when it has none. A signature blob that is missing or
/// does not hash to its name is an error (the store is damaged).
pub(super) fn signature_text(store: &dyn Store, entry: &Entry) -> Result<Option<String>, String> {
    let Some(blob) = entry.freeze.as_ref().and_then(|f| f.signature.as_ref()) else {
        return Ok(None);
    };
    let key = blob_key(&blob.sha256);
    let bytes = store.get(&key).map_err(|e| e.to_string())?.ok_or_else(|| {
        format!(
            "{}/{key}: the signature of entry {} is missing; run `tollgate audit verify` on this store",
            store.location(),
            entry.seq
        )
    })?;
    if sha256_hex(&bytes) != blob.sha256 {
        return Err(format!(
            "{}/{key} does not hash to its name; run `tollgate audit verify` on this store",
            store.location()
        ));
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

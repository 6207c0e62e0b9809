//! Reading the ledger for people: one summary record per entry (`audit log`) and finding one
//! entry by sequence number or digest prefix (`audit show`). Only entries are read, never
//! blobs, so listing stays cheap on large ledgers.

use super::entry::{Entry, EntryId, Kind, entry_key, seq_of_key};
use super::store::Store;
use crate::digest::sha256_hex;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One line of `audit log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub seq: u64,
    pub entry_sha256: String,
    pub time: String,
    pub kind: Kind,
    pub environment: String,
    pub decision: Option<String>,
    pub verdict_sha256: Option<String>,
    pub commit: Option<String>,
    /// The freeze or unfreeze reason.
    pub reason: Option<String>,
}

/// Filters of `audit log`.
#[derive(Debug, Default)]
pub struct Filter {
    pub environment: Option<String>,
    pub decision: Option<String>,
    pub since: Option<OffsetDateTime>,
}

impl Filter {
    fn keeps(&self, entry: &Entry) -> bool {
        self.environment
            .as_ref()
            .is_none_or(|e| *e == entry.environment)
            && self
                .decision
                .as_ref()
                .is_none_or(|d| entry.decision.as_ref() == Some(d))
            && self.since.is_none_or(|since| {
                crate::verdict::parse_rfc3339(&entry.time).is_none_or(|t| t >= since)
            })
    }
}

/// Every entry matching `filter`, in chain order. A damaged entry is an error naming it.
pub fn log(store: &dyn Store, filter: &Filter) -> Result<Vec<LogRecord>, String> {
    let seqs = entry_seqs(store)?;
    let records: Result<Vec<Option<LogRecord>>, String> = seqs
        .par_iter()
        .map(|&seq| {
            let (id, entry) = read_entry(store, seq)?;
            Ok(filter.keeps(&entry).then(|| record(id, entry)))
        })
        .collect();
    Ok(records?.into_iter().flatten().collect())
}

fn record(id: EntryId, entry: Entry) -> LogRecord {
    LogRecord {
        seq: id.seq,
        entry_sha256: id.sha256,
        time: entry.time,
        kind: entry.kind,
        environment: entry.environment,
        decision: entry.decision,
        verdict_sha256: entry.verdict.map(|v| v.sha256),
        commit: entry.commit,
        reason: entry.freeze.map(|f| f.reason),
    }
}

/// The verdict entries whose verdict blob has digest `verdict_sha256`, in chain order.
pub fn verdict_entries(store: &dyn Store, verdict_sha256: &str) -> Result<Vec<EntryId>, String> {
    let seqs = entry_seqs(store)?;
    let found: Result<Vec<Option<EntryId>>, String> = seqs
        .par_iter()
        .map(|&seq| {
            let (id, entry) = read_entry(store, seq)?;
            let holds = entry.kind == Kind::Verdict
                && entry
                    .verdict
                    .as_ref()
                    .is_some_and(|v| v.sha256.eq_ignore_ascii_case(verdict_sha256));
            Ok(holds.then_some(id))
        })
        .collect();
    Ok(found?.into_iter().flatten().collect())
}

/// Sequence numbers of the stored entries, sorted.
pub fn entry_seqs(store: &dyn Store) -> Result<Vec<u64>, String> {
    Ok(store
        .list("entries/")
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|k| seq_of_key(k))
        .collect())
}

/// Read and parse entry `seq`.
pub fn read_entry(store: &dyn Store, seq: u64) -> Result<(EntryId, Entry), String> {
    let key = entry_key(seq);
    let bytes = store
        .get(&key)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}/{key}: no such entry", store.location()))?;
    let entry: Entry = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}/{key}: not a ledger entry ({e}); run `tollgate audit verify`",
            store.location()
        )
    })?;
    let id = EntryId {
        seq,
        sha256: sha256_hex(&bytes),
    };
    Ok((id, entry))
}

/// Find the entry `id` names: a sequence number, `SEQ:SHA256` (as `evaluate` prints it), or
/// a unique prefix (8+ hex digits) of an entry's or a verdict's SHA-256.
pub fn find(store: &dyn Store, id: &str) -> Result<(EntryId, Entry), String> {
    let id = id.trim();
    if let Some((seq, sha)) = id.split_once(':') {
        let seq: u64 = seq.parse().map_err(|_| {
            format!("{id:?}: expected SEQ:SHA256, as `evaluate` prints the entry id")
        })?;
        let (found, entry) = read_entry(store, seq)?;
        if found.sha256 != sha {
            return Err(format!(
                "entry {seq} hashes to {}, not {sha}: the ledger differs from the one that printed this id; run `tollgate audit verify`",
                found.sha256
            ));
        }
        return Ok((found, entry));
    }
    if !id.is_empty() && id.len() <= 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        let seq: u64 = id
            .parse()
            .map_err(|_| format!("{id:?} is not a sequence number"))?;
        return read_entry(store, seq);
    }
    let prefix = id.to_ascii_lowercase();
    if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{id:?} is neither a sequence number nor a digest prefix of at least 8 hex digits"
        ));
    }
    let seqs = entry_seqs(store)?;
    let matches: Vec<(EntryId, Entry)> = seqs
        .par_iter()
        .filter_map(|&seq| read_entry(store, seq).ok())
        .filter(|(found, entry)| {
            found.sha256.starts_with(&prefix)
                || entry
                    .verdict
                    .as_ref()
                    .is_some_and(|v| v.sha256.starts_with(&prefix))
        })
        .collect();
    match matches.len() {
        0 => Err(format!("no entry or verdict digest starts with {prefix}")),
        1 => Ok(matches.into_iter().next().expect("one match")),
        n => Err(format!(
            "{n} entries match {prefix} (seq {}): give more digits",
            matches
                .iter()
                .map(|(f, _)| f.seq.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

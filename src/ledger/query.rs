//! Reading the ledger's entries, whatever its format: [`scan`] (every entry in order, read in
//! parallel batches), [`read_entry`] (one), and on top of them one summary record per entry
//! (`audit log`) and finding one entry by sequence number or digest prefix (`audit show`).
//! Only entries are read, never blobs, so listing stays cheap on large ledgers.

use super::entry::{Entry, EntryId, Kind};
use super::format::{Format, detect};
use super::store::Store;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use super::scan::{Links, Scanned};

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

/// Every entry of `store` through seq `through` (all when `None`), in order, each passed to
/// `visit` (in parallel) and the `Some` answers kept in order. With [`Links::Check`] an entry
/// out of its place (format 1: a broken chain link; format 2: a record naming another seq)
/// is an error; an unreadable entry always is.
pub fn scan<T, F>(
    store: &dyn Store,
    through: Option<u64>,
    links: Links,
    visit: F,
) -> Result<Scanned<T>, String>
where
    T: Send,
    F: Fn(EntryId, Entry) -> Result<Option<T>, String> + Sync,
{
    match detect(store)? {
        Some(Format::V2) => super::v2::read::scan(store, through, links, &visit),
        _ => super::scan::v1(store, through, links, &visit),
    }
}

/// Every entry matching `filter`, in chain order. A damaged entry is an error naming it.
pub fn log(store: &dyn Store, filter: &Filter) -> Result<Vec<LogRecord>, String> {
    Ok(scan(store, None, Links::Ignore, |id, entry| {
        Ok(filter.keeps(&entry).then(|| record(id, entry)))
    })?
    .items)
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
    Ok(scan(store, None, Links::Ignore, |id, entry| {
        let holds = entry.kind == Kind::Verdict
            && entry
                .verdict
                .as_ref()
                .is_some_and(|v| v.sha256.eq_ignore_ascii_case(verdict_sha256));
        Ok(holds.then_some(id))
    })?
    .items)
}

/// Read and parse entry `seq`.
pub fn read_entry(store: &dyn Store, seq: u64) -> Result<(EntryId, Entry), String> {
    match detect(store)? {
        Some(Format::V2) => super::v2::read::entry(store, seq),
        _ => super::scan::read_v1(store, seq),
    }
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
        match read_entry(store, seq) {
            Ok(found) => return Ok(found),
            // 8 to 12 decimal digits may also be a digest prefix (about 1 in 100 digests
            // starts with 10 decimal digits): no such entry means look for the prefix.
            Err(e) if id.len() < 8 => return Err(e),
            Err(_) => {}
        }
    }
    let prefix = id.to_ascii_lowercase();
    if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "{id:?} is neither a sequence number nor a digest prefix of at least 8 hex digits"
        ));
    }
    let matches = scan(store, None, Links::Ignore, |found, entry| {
        let hit = found.sha256.starts_with(&prefix)
            || entry
                .verdict
                .as_ref()
                .is_some_and(|v| v.sha256.starts_with(&prefix));
        Ok(hit.then_some((found, entry)))
    })?
    .items;
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

//! Reading a format-2 log's records.

use crate::ledger::entry::{Entry, EntryId};
use crate::ledger::scan::{Links, Scanned};
use crate::ledger::store::Store;

/// [`crate::ledger::query::scan`] of a format-2 log.
pub fn scan<T, F>(
    store: &dyn Store,
    _through: Option<u64>,
    _links: Links,
    _visit: &F,
) -> Result<Scanned<T>, String>
where
    T: Send,
    F: Fn(EntryId, Entry) -> Result<Option<T>, String> + Sync,
{
    Err(super::pending::unsupported(store, "read"))
}

/// Record `seq` (index `seq - 1`).
pub fn entry(store: &dyn Store, _seq: u64) -> Result<(EntryId, Entry), String> {
    Err(super::pending::unsupported(store, "read"))
}

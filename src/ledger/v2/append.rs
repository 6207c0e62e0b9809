//! Appending to a format-2 log.

use crate::ledger::append::Pending;
use crate::ledger::entry::EntryId;
use crate::ledger::store::Store;
use crate::signing::Signer;

/// Append `pending`; see docs/design/ledger-v2.md.
pub fn append(
    store: &dyn Store,
    _pending: Pending,
    _signer: Option<&Signer>,
) -> Result<EntryId, String> {
    Err(super::pending::unsupported(store, "append to"))
}

//! Until format 2's reads and appends land (ledger v2 stage 2), every use of a format-2 store
//! other than `audit init` fails closed with this error instead of reading it as format 1.

use crate::ledger::store::Store;

/// The error for an operation this build cannot do on a format-2 store.
pub fn unsupported(store: &dyn Store, what: &str) -> String {
    format!(
        "{}: a format-2 ledger (it has a checkpoint); this build cannot {what} it yet: use a \
         tollgate with format-2 support, or a format-1 store (`tollgate audit init --format v1`)",
        store.location()
    )
}

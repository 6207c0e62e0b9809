//! Finding the end of the ledger cheaply, in either format ([`read`]). Format 1: start from
//! the head's (length, last hash) and probe the entries after it, because a crash between an
//! entry's create and the head's replace leaves the head one (or a few) entries behind.
//! Format 2: `v2::end` (the checkpoint, then the records beyond it).

use super::entry::{Entry, GENESIS, Kind, entry_key};
use super::head::{HEAD_KEY, Head};
use super::store::Store;
use crate::digest::sha256_hex;
use std::collections::BTreeMap;

/// The end of the chain as an appender or a reader of freeze state needs it.
#[derive(Debug, Clone)]
pub struct Tail {
    /// Entries in the ledger.
    pub length: u64,
    /// SHA-256 of the last entry (GENESIS when empty).
    pub last: String,
    /// Format 1 only (empty in format 2).
    /// Per environment, the seq of its latest freeze or unfreeze entry: the head's index,
    /// kept up to date for readers that want a hint. Never trusted for the freeze state,
    /// which [`super::freeze`] derives from the entries themselves.
    pub freezes: BTreeMap<String, u64>,
    /// The stored head, if any (format 1; always `None` in format 2).
    pub head: Option<Head>,
    /// The last entry's sequence number and time (`None` when the chain is empty): the
    /// earliest time the next entry may carry (see [`super::clock`]).
    pub last_entry: Option<super::clock::Last>,
}

/// Advice appended to every "the ledger is damaged" message.
const RUN_VERIFY: &str = "run `tollgate audit verify` on this store to find the break";

/// The end of the ledger in `store`, whatever its format (an empty store is an empty ledger).
pub fn read(store: &dyn Store) -> Result<Tail, String> {
    match super::format::detect(store)? {
        Some(super::format::Format::V2) => super::v2::end::tail(store),
        _ => read_v1(store),
    }
}

/// Format 1: read the head and walk forward from it to the last entry.
pub fn read_v1(store: &dyn Store) -> Result<Tail, String> {
    let location = store.location();
    let head = match store.get(HEAD_KEY).map_err(|e| e.to_string())? {
        Some(bytes) => Some(
            Head::parse(&bytes).map_err(|e| format!("{location}/{HEAD_KEY}: {e}; {RUN_VERIFY}"))?,
        ),
        None => None,
    };
    let mut tail = Tail {
        length: 0,
        last: GENESIS.to_owned(),
        freezes: BTreeMap::new(),
        head: head.clone(),
        last_entry: None,
    };
    if let Some(head) = &head
        && head.body.length > 0
    {
        let key = entry_key(head.body.length);
        let bytes = store
            .get(&key)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "{location}/{HEAD_KEY} says the chain has {} entries, but {key} is missing; {RUN_VERIFY}",
                    head.body.length
                )
            })?;
        let actual = sha256_hex(&bytes);
        if actual != head.body.last {
            return Err(format!(
                "{location}/{key} hashes to {actual}, but {HEAD_KEY} says {}; {RUN_VERIFY}",
                head.body.last
            ));
        }
        let entry: Entry = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{location}/{key}: not a ledger entry: {e}; {RUN_VERIFY}"))?;
        tail.last_entry = Some(super::clock::Last {
            seq: entry.seq,
            time: entry.time,
        });
        tail.length = head.body.length;
        tail.last = actual;
        tail.freezes = head.body.freezes.clone();
    }
    probe(store, &mut tail)?;
    Ok(tail)
}

/// Follow entries after `tail` until the next one does not exist.
pub fn probe(store: &dyn Store, tail: &mut Tail) -> Result<(), String> {
    let location = store.location();
    loop {
        let key = entry_key(tail.length + 1);
        let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? else {
            return Ok(());
        };
        let entry: Entry = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{location}/{key}: not a ledger entry: {e}; {RUN_VERIFY}"))?;
        if entry.seq != tail.length + 1 || entry.prev.as_ref() != Some(&tail.last) {
            return Err(format!(
                "{location}/{key} does not continue the chain (seq {}, prev {}; expected seq {}, prev {}); {RUN_VERIFY}",
                entry.seq,
                entry.prev.as_deref().unwrap_or("none"),
                tail.length + 1,
                tail.last
            ));
        }
        if matches!(entry.kind, Kind::Freeze | Kind::Unfreeze) {
            tail.freezes.insert(entry.environment.clone(), entry.seq);
        }
        tail.length += 1;
        tail.last = sha256_hex(&bytes);
        tail.last_entry = Some(super::clock::Last {
            seq: entry.seq,
            time: entry.time,
        });
    }
}

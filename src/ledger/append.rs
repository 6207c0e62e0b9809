//! Appending one entry, in the store's format ([`append`] dispatches; an empty store gets
//! [`super::format::Format::for_new`]). Format 1: store its blobs, then create entry N+1 (the
//! linearisation point), retrying with the new end of the chain when another appender won,
//! then re-sign the head. Format 2: `v2::append`.

use super::entry::{Entry, EntryId, Kind, blob_key, entry_key};
use super::head::{HEAD_KEY, HEAD_SCHEMA, Head, HeadBody};
use super::store::{Created, Store};
use super::tail;
use crate::digest::sha256_hex;
use crate::signing::Signer;

/// How often a lost race is retried before giving up (each loss means another appender
/// made progress, so this bounds only pathological contention).
const MAX_ATTEMPTS: u32 = 1000;

/// What to append: the entry without its place in the chain, and the blobs it refers to.
pub struct Pending {
    /// `seq` and `prev` are filled in by [`append`].
    pub entry: Entry,
    pub blobs: Vec<Vec<u8>>,
    /// Where the entry's time came from: the ledger's clock is raised to the previous
    /// entry's time when it lags; a given time earlier than it is refused (see
    /// [`super::clock`]). A time bound into a signed statement is always `Given`.
    pub time_source: super::clock::Source,
}

/// Append `pending` to the chain; returns the new entry's id once it is durable. The head
/// is re-signed when a `signer` is given, or rewritten unsigned when the current head is
/// unsigned; an unsigned append never replaces a signed head (the head then lags, and the
/// next signed append covers the tail).
pub fn append(
    store: &dyn Store,
    pending: Pending,
    signer: Option<&Signer>,
) -> Result<EntryId, String> {
    match super::format::for_append(store)? {
        super::format::Format::V2 => super::v2::append::append(store, pending, signer),
        super::format::Format::V1 => append_v1(store, pending, signer),
    }
}

/// Format 1's append (see the module doc).
fn append_v1(
    store: &dyn Store,
    mut pending: Pending,
    signer: Option<&Signer>,
) -> Result<EntryId, String> {
    let _lock = store.lock_for_append().map_err(|e| e.to_string())?;
    for blob in &pending.blobs {
        // An existing object is kept: its name is its digest, and `audit verify` re-hashes it.
        store
            .create(&blob_key(&sha256_hex(blob)), blob)
            .map_err(|e| e.to_string())?;
    }
    let mut chain = tail::read_v1(store)?;
    if chain.head.is_none() {
        start_chain(store, &chain, signer)?;
    }
    for attempt in 1..=MAX_ATTEMPTS {
        pending.entry.seq = chain.length + 1;
        pending.entry.prev = Some(chain.last.clone());
        pending.entry.time = super::clock::order(
            &pending.entry.time,
            pending.time_source,
            chain.last_entry.as_ref(),
        )?;
        let bytes = pending.entry.bytes();
        let key = entry_key(pending.entry.seq);
        match store.create(&key, &bytes).map_err(|e| e.to_string())? {
            Created::New => {
                let id = EntryId {
                    seq: pending.entry.seq,
                    sha256: sha256_hex(&bytes),
                };
                let mut freezes = chain.freezes.clone();
                if matches!(pending.entry.kind, Kind::Freeze | Kind::Unfreeze) {
                    freezes.insert(pending.entry.environment.clone(), id.seq);
                }
                let head_unsigned = chain.head.as_ref().is_none_or(|h| h.signature.is_none());
                if signer.is_some() || head_unsigned {
                    let body = HeadBody {
                        schema: HEAD_SCHEMA.to_owned(),
                        length: id.seq,
                        last: id.sha256.clone(),
                        time: pending.entry.time.clone(),
                        key_id: signer.map(Signer::key_id),
                        freezes,
                    };
                    let head = Head::sign(body, signer)?;
                    store.replace(HEAD_KEY, &head.bytes()).map_err(|e| {
                        format!("entry {id} is in the ledger, but the head was not updated: {e}")
                    })?;
                }
                return Ok(id);
            }
            Created::AlreadyExists => {
                tracing::debug!(attempt, %key, "lost the race for the next entry; retrying");
                tail::probe(store, &mut chain)?;
            }
        }
    }
    Err(format!(
        "{}: gave up after {MAX_ATTEMPTS} attempts to append (other appenders kept winning)",
        store.location()
    ))
}

/// Before the first entry, write a head for the empty chain. From then on every crash
/// leaves a head behind (perhaps lagging), so a missing head always means one was removed,
/// and appending onto such a ledger is refused instead of silently re-rooting trust.
fn start_chain(
    store: &dyn Store,
    chain: &tail::Tail,
    signer: Option<&Signer>,
) -> Result<(), String> {
    if chain.length > 0 {
        return Err(format!(
            "{}/{HEAD_KEY} is missing, but the ledger holds {} entries: the head was removed; \
             run `tollgate audit verify` on this store and restore the head from a backup",
            store.location(),
            chain.length
        ));
    }
    let body = HeadBody::empty(signer);
    // Create, not replace: a concurrent first appender may have written it already.
    store
        .create(HEAD_KEY, &Head::sign(body, signer)?.bytes())
        .map_err(|e| e.to_string())?;
    Ok(())
}

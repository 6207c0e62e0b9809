//! Cosigned checkpoints: `checkpoints/<size>` holds a checkpoint some witness cosigned, with
//! every signature it has gathered (the log's and each witness's). Witnesses merge their
//! line into it, never dropping another's; readers pick the newest one that the witnesses
//! they trust cosigned.

use crate::ledger::store::{Store, Swapped};
use crate::tlog::note::{KeyKind, NoteKey, NoteSignature, SignedCheckpoint};
use crate::witness::Witnesses;

/// The key prefix of cosigned checkpoints.
pub const PREFIX: &str = "checkpoints/";

/// The key of the cosigned checkpoint of `size` records.
pub fn key(size: u64) -> String {
    format!("{PREFIX}{size}")
}

/// The sizes of the cosigned checkpoints in the store, largest first.
pub fn sizes(store: &dyn Store) -> Result<Vec<u64>, String> {
    let mut sizes: Vec<u64> = store
        .list(PREFIX)
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|k| k.strip_prefix(PREFIX)?.parse::<u64>().ok())
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    Ok(sizes)
}

/// The cosigned checkpoint of `size` records, parsed; `None` when there is none.
pub fn read(store: &dyn Store, size: u64) -> Result<Option<SignedCheckpoint>, String> {
    let key = key(size);
    let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let signed =
        SignedCheckpoint::parse(&bytes).map_err(|e| format!("{}/{key}: {e}", store.location()))?;
    if signed.checkpoint.size != size {
        return Err(format!(
            "{}/{key}: holds a checkpoint of size {}, not {size}",
            store.location(),
            signed.checkpoint.size
        ));
    }
    Ok(Some(signed))
}

/// The signature lines of `signed` that look like cosignatures (not the log's own: another
/// name, and a timestamp before the signature). Unverified.
pub fn cosignature_lines(signed: &SignedCheckpoint) -> Vec<&NoteSignature> {
    signed
        .signatures
        .iter()
        .filter(|s| s.name != signed.checkpoint.origin && s.signature.len() == 8 + 64)
        .collect()
}

/// The witnesses of `witnesses` whose cosignature on `signed` verifies, by name.
pub fn valid_cosigners(signed: &SignedCheckpoint, witnesses: &Witnesses) -> Vec<String> {
    witnesses
        .keys
        .iter()
        .filter(|w| {
            NoteKey::new(&w.name, w.ed25519, KeyKind::Cosigner)
                .map(|key| !signed.verified_by(std::slice::from_ref(&key)).is_empty())
                .unwrap_or(false)
        })
        .map(|w| w.name.clone())
        .collect()
}

/// The newest cosigned checkpoint of at most `max_size` records that satisfies `witnesses`
/// (at least `min` valid cosignatures from them) or, with no witness demanded, that carries
/// any cosignature line at all. With the names of the witnesses that verified.
pub fn newest(
    store: &dyn Store,
    max_size: u64,
    witnesses: &Witnesses,
) -> Result<Option<(SignedCheckpoint, Vec<String>)>, String> {
    for size in sizes(store)?.into_iter().filter(|&s| s <= max_size) {
        let Some(signed) = read(store, size)? else {
            continue;
        };
        if witnesses.demanded() {
            let names = valid_cosigners(&signed, witnesses);
            if names.len() >= witnesses.min {
                return Ok(Some((signed, names)));
            }
        } else if !cosignature_lines(&signed).is_empty() {
            let names = cosignature_lines(&signed)
                .iter()
                .map(|s| s.name.clone())
                .collect();
            return Ok(Some((signed, names)));
        }
    }
    Ok(None)
}

/// How often a lost compare-and-swap is retried (each loss is another witness's write).
const MAX_ATTEMPTS: u32 = 100;

/// Merge `cosignature` (and the log signatures of `current`) into `checkpoints/<size>`:
/// every line already there is kept, an older line of the same key is replaced. Written by
/// compare-and-swap on the version read, so witnesses cosigning at once never drop each
/// other's line (a lost race reads again and merges again). Refuses when the stored
/// checkpoint of that size is a different tree (a fork). Returns what was written.
pub fn merge(
    store: &dyn Store,
    current: &SignedCheckpoint,
    cosignature: NoteSignature,
) -> Result<SignedCheckpoint, MergeError> {
    let size = current.checkpoint.size;
    let key = key(size);
    let at = |e: String| format!("{}/{key}: {e}", store.location());
    for _ in 0..MAX_ATTEMPTS {
        let stored = store
            .get_versioned(&key)
            .map_err(|e| MergeError::Write(e.to_string()))?;
        let (mut merged, version) = match stored {
            Some((bytes, version)) => {
                let stored =
                    SignedCheckpoint::parse(&bytes).map_err(|e| MergeError::Damaged(at(e)))?;
                if stored.checkpoint != current.checkpoint {
                    return Err(MergeError::Fork(Box::new(stored)));
                }
                (stored, Some(version))
            }
            None => (
                SignedCheckpoint::new(current.checkpoint.clone(), Vec::new()),
                None,
            ),
        };
        for signature in &current.signatures {
            if !merged
                .signatures
                .iter()
                .any(|s| s.name == signature.name && s.id == signature.id)
            {
                merged.add_signature(signature.clone());
            }
        }
        merged.add_signature(cosignature.clone());
        match store
            .replace_if(&key, &merged.to_bytes(), version.as_ref())
            .map_err(|e| MergeError::Write(e.to_string()))?
        {
            Swapped::Done => return Ok(merged),
            Swapped::Conflict => continue,
        }
    }
    Err(MergeError::Write(at(format!(
        "gave up after {MAX_ATTEMPTS} attempts: other writers kept changing it"
    ))))
}

/// Why [`merge`] wrote nothing.
#[derive(Debug)]
pub enum MergeError {
    /// `checkpoints/<size>` holds another tree of the same size.
    Fork(Box<SignedCheckpoint>),
    /// `checkpoints/<size>` does not parse.
    Damaged(String),
    Write(String),
}

//! What this user's tollgate verified of a format-2 log before: the size and root of the
//! tree it checked and the freeze and unfreeze records in it, kept per log (by origin) in
//! the user's cache directory, never in the store (whoever can write the store cannot write
//! it). The freeze lookup of `evaluate` then reads only the records after that size, checks
//! that the current checkpoint extends the cached tree (a consistency proof) and that the
//! new records are the checkpoint's, and moves the cache forward. A log that does not extend
//! the cached tree (rewritten, or another log under the same origin) is an error naming the
//! cache file, never a silent rescan.

use super::end::{RUN_VERIFY, checkpoint, size_from};
use super::tiles::StoreTiles;
use crate::ledger::entry::{Entry, Kind};
use crate::ledger::store::Store;
use crate::tlog::{Hash, TileHashReader, leaf_hash, proof, tree};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Environment variable naming the cache directory (default: `$XDG_CACHE_HOME/tollgate`, else
/// `~/.cache/tollgate`).
pub const CACHE_ENV: &str = "TOLLGATE_CACHE_DIR";

const SCHEMA: &str = "https://tollgate.dev/schemas/ledger-verified/v1";

/// The cached state of one log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verified {
    schema: String,
    origin: String,
    /// Records verified into the tree (a checkpoint's size).
    size: u64,
    /// That tree's root, base64.
    root: String,
    /// Every freeze and unfreeze record among them, in order: `(seq, record text)`.
    freezes: Vec<(u64, String)>,
}

/// The cache file of the log `origin`, or `None` when there is no cache directory.
pub fn cache_file(origin: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os(CACHE_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("XDG_CACHE_HOME") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("tollgate"),
            _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache/tollgate"),
        },
    };
    Some(dir.join("ledger").join(format!(
        "{}.json",
        crate::digest::sha256_hex(origin.as_bytes())
    )))
}

/// Every freeze and unfreeze record of the log in `store`, in order: those through the
/// cached size from the cache, the rest read and (through the checkpoint) verified into its
/// tree. Records beyond the checkpoint are read too (acknowledged appends count; a freeze
/// there blocks, an unfreeze there counts only by its ops signature, like any other).
pub fn freeze_changes(store: &dyn Store) -> Result<Vec<Entry>, String> {
    freeze_changes_cached(store, cache_file)
}

/// [`freeze_changes`] with the cache file of an origin chosen by `cache` (tests).
pub fn freeze_changes_cached(
    store: &dyn Store,
    cache: impl Fn(&str) -> Option<PathBuf>,
) -> Result<Vec<Entry>, String> {
    let location = store.location();
    let read_checkpoint = || -> Result<crate::tlog::note::Checkpoint, String> {
        Ok(checkpoint(store)?
            .ok_or_else(|| format!("{location}: the checkpoint is missing; {RUN_VERIFY}"))?
            .note
            .checkpoint)
    };
    // The origin names the cache; the checkpoint this lookup works from is read again after
    // the cache: another process may have verified a newer checkpoint and moved the cache
    // past the first one read, and a checkpoint never shrinks, so the second read covers at
    // least what the cache does (unless the log was rewritten).
    let origin = read_checkpoint()?.origin;
    let file = cache(&origin);
    let cached = match &file {
        Some(file) => load(file, &origin)?,
        None => None,
    };
    let current = read_checkpoint()?;
    if current.origin != origin {
        return Err(format!(
            "{location}: the log's origin changed from {origin:?} to {:?} during the lookup: the \
             log was replaced; {RUN_VERIFY}",
            current.origin
        ));
    }
    let (size, _) = size_from(store, current.size)?;
    let (from, from_root, mut changes) =
        match cached {
            Some((verified, root)) => {
                extends(store, &current, &verified, root).map_err(|why| {
                format!(
                    "{location}: the log is not the one tollgate verified before ({}: {} records, \
                     root {}): {why}. Investigate (`tollgate audit verify --store {location}`); \
                     remove {} only to trust this log from scratch",
                    file.as_ref().map_or(String::new(), |f| f.display().to_string()),
                    verified.size,
                    verified.root,
                    file.as_ref().map_or(String::new(), |f| f.display().to_string()),
                )
            })?;
                (verified.size, root, verified.freezes)
            }
            None => (0, crate::tlog::empty_root(), Vec::new()),
        };
    let mut leaves: Vec<Hash> = Vec::new();
    super::read::in_batches(store, from..size, |records| {
        let read: Vec<(Hash, Option<(u64, String)>)> = records
            .into_par_iter()
            .map(|(seq, bytes)| {
                let leaf = leaf_hash(&bytes);
                let change = freeze_record(&location, seq, bytes)?;
                Ok((leaf, change))
            })
            .collect::<Result<_, String>>()?;
        for (leaf, change) in read {
            leaves.push(leaf);
            changes.extend(change);
        }
        Ok(())
    })?;
    let verified = (current.size - from) as usize;
    let tiles = StoreTiles::new(store);
    let existing = TileHashReader::new(from, from_root, &tiles);
    let growth = tree::grow_leaves(from, &existing, &leaves[..verified])?;
    if growth.root != current.root {
        return Err(format!(
            "{location}: records {}..{} do not make the checkpoint's tree (root {}, they give \
             {}): the log is damaged; {RUN_VERIFY}",
            from + 1,
            current.size,
            current.root,
            growth.root
        ));
    }
    if let Some(file) = &file
        && current.size > from
    {
        let state = Verified {
            schema: SCHEMA.to_owned(),
            origin: current.origin.clone(),
            size: current.size,
            root: current.root.to_string(),
            freezes: changes
                .iter()
                .filter(|(seq, _)| *seq <= current.size)
                .cloned()
                .collect(),
        };
        // A cache that cannot be written costs only time: the next lookup reads more.
        if let Err(e) = save(file, &state) {
            tracing::warn!(file = %file.display(), error = %e, "cannot write the verified-ledger cache");
        }
    }
    changes
        .into_iter()
        .map(|(seq, text)| parse(&location, seq, text.as_bytes()))
        .collect()
}

/// `(seq, text)` of a freeze or unfreeze record, `None` for any other record.
fn freeze_record(
    location: &str,
    seq: u64,
    bytes: Vec<u8>,
) -> Result<Option<(u64, String)>, String> {
    let entry = parse(location, seq, &bytes)?;
    if !matches!(entry.kind, Kind::Freeze | Kind::Unfreeze) {
        return Ok(None);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{location}: record {seq} is not UTF-8; {RUN_VERIFY}"))?;
    Ok(Some((seq, text)))
}

fn parse(location: &str, seq: u64, bytes: &[u8]) -> Result<Entry, String> {
    let entry: Entry = serde_json::from_slice(bytes).map_err(|e| {
        format!("{location}: record {seq} is not a ledger entry ({e}); {RUN_VERIFY}")
    })?;
    if entry.seq != seq {
        return Err(format!(
            "{location}: record {seq} names seq {}: the log is damaged; {RUN_VERIFY}",
            entry.seq
        ));
    }
    Ok(entry)
}

/// Whether the checkpoint `current` extends the cached tree: the consistency proof from the
/// stored tiles (authenticated by the current root).
fn extends(
    store: &dyn Store,
    current: &crate::tlog::note::Checkpoint,
    verified: &Verified,
    root: Hash,
) -> Result<(), String> {
    if verified.size > current.size {
        return Err(format!(
            "its checkpoint covers {} records, fewer than were verified: the log was rewritten",
            current.size
        ));
    }
    let tiles = StoreTiles::new(store);
    let reader = TileHashReader::new(current.size, current.root, &tiles);
    let consistency = proof::prove_consistency(verified.size, current.size, &reader)
        .map_err(|e| format!("its tiles do not prove the verified tree a prefix ({e})"))?;
    proof::check_consistency(
        &consistency,
        verified.size,
        root,
        current.size,
        current.root,
    )
}

/// The cached state for `origin`, with its root; `None` when there is no cache file. A file
/// that does not parse, or is another log's, is an error naming it.
fn load(file: &std::path::Path, origin: &str) -> Result<Option<(Verified, Hash)>, String> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let broken = |why: String| {
        format!(
            "{}: not a verified-ledger cache ({why}); remove it (the next lookup verifies the \
             whole log again)",
            file.display()
        )
    };
    let verified: Verified = serde_json::from_slice(&bytes).map_err(|e| broken(e.to_string()))?;
    if verified.schema != SCHEMA || verified.origin != origin {
        return Err(broken(format!(
            "schema {:?}, origin {:?}",
            verified.schema, verified.origin
        )));
    }
    let root = Hash::parse_hash(&verified.root).map_err(|e| broken(format!("root: {e}")))?;
    Ok(Some((verified, root)))
}

fn save(file: &std::path::Path, state: &Verified) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::output::write_atomic(file, &crate::verdict::canonical_json(state))
}

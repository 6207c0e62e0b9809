//! `audit verify` of a format-2 log: the checkpoint (parsed, signed by the verdict key or an
//! ops key), every record (the per-entry checks format 1 uses, `seq` = index + 1), the tree
//! recomputed from the records (root = the checkpoint's, every stored tile and bundle equal
//! to what the records give, nothing beyond the end), the verdict index against the records.
//! With a pinned checkpoint (`--since`),
//! a consistency proof stands in for the records before it, and only the rest is read.

use super::end::checkpoint;
use super::layout::{CHECKPOINT, TILE_PREFIX};
use super::verify_records::{Sink, check_records};
use super::verify_tree::{check_growth, check_tree, listed_size};
use crate::keys::TrustedKey;
use crate::ledger::store::Store;
use crate::ledger::verify::minisig_batch::BatchVerifier;
use crate::ledger::verify::{CheckpointState, Outcome, brk};
use crate::tlog::note::{KeyKind, NoteKey, SignedCheckpoint};
use crate::tlog::tree::MemoryHashes;

/// Verify the format-2 log in `store` (see the module doc); `since` is a checkpoint of this
/// log pinned earlier.
pub fn verify(
    store: &dyn Store,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
    since: Option<&SignedCheckpoint>,
) -> Result<Outcome, String> {
    let mut outcome = Outcome {
        signatures_checked: key.is_some(),
        ops_keys_checked: !ops_keys.is_empty(),
        ..Outcome::default()
    };
    let current = match checkpoint(store) {
        Ok(Some(current)) => current.note,
        Ok(None) => {
            outcome.breaks.push(checkpoint_break(
                "missing: not a format-2 log, or its checkpoint was removed".to_owned(),
            ));
            return Ok(outcome);
        }
        Err(e) => {
            outcome.breaks.push(checkpoint_break(e));
            return Ok(outcome);
        }
    };
    check_signatures(&current, key, ops_keys, &mut outcome);
    let covered = current.checkpoint.size;
    let listed = store.list(TILE_PREFIX).map_err(|e| e.to_string())?;
    let size = listed_size(&listed, &mut outcome.breaks);
    if covered > size {
        outcome.breaks.push(checkpoint_break(format!(
            "covers {covered} records, but the entry bundles hold only {size}: records after \
             {size} were removed (truncation)"
        )));
    } else if covered < size {
        outcome.uncovered = Some((covered + 1, size));
    }
    let verifier = key.map(BatchVerifier::new).transpose()?;
    match since {
        None => {
            let mut tree = MemoryHashes::default();
            let mut verdicts = std::collections::HashMap::new();
            let complete = check_records(
                store,
                0..size,
                (verifier.as_ref(), key, ops_keys),
                &mut outcome,
                Sink::Tree(&mut tree, &mut verdicts),
            )?;
            if complete {
                check_tree(store, &tree, &current.checkpoint, &listed, &mut outcome);
                for (key, message) in super::index::check(store, size, &verdicts)? {
                    outcome.breaks.push(brk(&key, u64::MAX - 1, message));
                }
            }
        }
        Some(pinned) => {
            if let Err(why) = super::verify_since::consistent(store, &current, pinned) {
                outcome.breaks.push(checkpoint_break(why));
                return Ok(finish(outcome));
            }
            let from = pinned.checkpoint.size;
            outcome.since = Some(from);
            let mut records = Vec::new();
            let complete = check_records(
                store,
                from..size,
                (verifier.as_ref(), key, ops_keys),
                &mut outcome,
                Sink::Records(&mut records, covered),
            )?;
            if complete {
                check_growth(store, pinned, &current.checkpoint, &records, &mut outcome);
            }
        }
    }
    Ok(finish(outcome))
}

fn finish(mut outcome: Outcome) -> Outcome {
    outcome.breaks.sort_by_key(|b| b.order);
    outcome
}

/// A break of the checkpoint (reported after every record's).
pub(super) fn checkpoint_break(message: String) -> crate::ledger::verify::Break {
    brk(CHECKPOINT, u64::MAX, message)
}

/// Record what the checkpoint is and, with a verdict key, that the verdict key or an ops key
/// signed it (an unsigned checkpoint is then a break, as format 1's unsigned head is).
pub(crate) fn check_signatures(
    note: &SignedCheckpoint,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
    outcome: &mut Outcome,
) {
    let origin = &note.checkpoint.origin;
    let mut state = CheckpointState {
        origin: origin.clone(),
        size: note.checkpoint.size,
        signed: !note.signatures.is_empty(),
        signed_by: Vec::new(),
    };
    if let Some(key) = key {
        let named: Result<Vec<(String, NoteKey)>, String> = std::iter::once(("verdict key", key))
            .chain(ops_keys.iter().map(|k| ("ops key", k)))
            .map(|(what, k)| {
                NoteKey::new(origin, k.ed25519, KeyKind::Log)
                    .map(|note_key| (format!("{what} {}", k.key_id), note_key))
            })
            .collect();
        let problem = match named {
            Err(e) => Some(format!("its origin cannot name a signing key: {e}")),
            Ok(_) if !state.signed => Some(
                "the checkpoint is not signed (every append so far ran without a key)".to_owned(),
            ),
            Ok(named) => {
                let note_keys: Vec<NoteKey> = named.iter().map(|(_, k)| k.clone()).collect();
                match note.verify(&note_keys) {
                    Ok(verified) => {
                        state.signed_by = named
                            .iter()
                            .filter(|(_, k)| verified.contains(&k))
                            .map(|(name, _)| name.clone())
                            .collect();
                        outcome.signatures_verified += 1;
                        None
                    }
                    Err(e) if ops_keys.is_empty() => Some(format!(
                        "signed by neither the given key nor any other it knows: {e} (if the \
                         last signed append was a freeze or unfreeze, pass its ops key with \
                         --ops-key)"
                    )),
                    Err(e) => Some(format!(
                        "signed by neither the given key nor any --ops-key: {e}"
                    )),
                }
            }
        };
        if let Some(problem) = problem {
            outcome.breaks.push(checkpoint_break(problem));
        }
    }
    outcome.checkpoint = Some(state);
}

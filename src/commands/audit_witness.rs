//! `tollgate audit witness`: an auditor's offline witness of a v2 ledger. Verifies the
//! checkpoint's log signature, proves it consistent with the tree this witness cosigned last
//! (its state file; the first use trusts what it sees and says so), adds a cosignature/v1 line
//! to `checkpoints/<size>` (keeping every other witness's), then updates the state file
//! atomically. A log that is not consistent is refused (exit 1): nothing is written and the
//! state is left as it was.

use super::audit::{open_existing, unreadable};
use super::{CommandError, CommandResult, Exit, print, print_stderr};
use crate::cli::AuditWitnessArgs;
use crate::keys::TrustedKey;
use crate::ledger::v2::consistent::{Inconsistent, extends};
use crate::ledger::v2::cosigned::{self, MergeError};
use crate::ledger::v2::tiles::read_checkpoint;
use crate::tlog::cosign::cosign;
use crate::tlog::note::{KeyKind, NoteKey};
use crate::witness::{Seen, State, keys::check_name};
use anyhow::anyhow;
use std::path::Path;

pub fn run(args: &AuditWitnessArgs) -> CommandResult {
    check_name(&args.name).map_err(|e| CommandError::config(anyhow!("--name: {e}")))?;
    let log_keys = log_keys(args)?;
    let pending = super::signing_key::prepare(&args.signing)?.ok_or_else(|| {
        CommandError::config(anyhow!(
            "--key is required: the witness's secret key signs its cosignatures"
        ))
    })?;
    let state = State::load(&args.state).map_err(|e| CommandError::config(anyhow!(e)))?;
    let signer = super::signing_key::load(Some(pending))?
        .ok_or_else(|| CommandError::config(anyhow!("--key: no key loaded")))?;
    let store = open_existing(&args.store)?;
    let location = store.location();
    let current = read_checkpoint(store.as_ref())
        .map_err(unreadable)?
        .ok_or_else(|| {
            CommandError::config(anyhow!(
                "the ledger at {location} has no checkpoint: only a format-v2 ledger can be witnessed (`tollgate audit migrate` a v1 ledger)"
            ))
        })?;
    let checkpoint = &current.checkpoint;

    // 1. The checkpoint is the log's: signed by one of the given log keys.
    let note_keys: Vec<NoteKey> = log_keys
        .iter()
        .filter_map(|k| NoteKey::new(&checkpoint.origin, k.ed25519, KeyKind::Log).ok())
        .collect();
    let signers: Vec<[u8; 32]> = current
        .verify(&note_keys)
        .map_err(|e| CommandError {
            exit: Exit::Failure,
            error: anyhow!("{location}/checkpoint: {e}; nothing cosigned"),
        })?
        .iter()
        .filter(|k| k.kind == KeyKind::Log)
        .map(|k| k.public)
        .collect();

    // 2. Consistent with what this witness cosigned before (or first use).
    let seen = state
        .as_ref()
        .and_then(|s| s.logs.get(&checkpoint.origin))
        .cloned();
    match &seen {
        Some(seen) => {
            let old_root = seen
                .root_bytes()
                .map_err(|e| CommandError::config(anyhow!("{}: {e}", args.state.display())))?;
            extends(
                store.as_ref(),
                checkpoint,
                seen.size,
                crate::tlog::Hash(old_root),
            )
            .map_err(|e| refused(&e, args, &location))?;
        }
        None => {
            if let Some(state) = &state {
                same_key_elsewhere(state, &signers, args, checkpoint)?;
            }
            print_stderr(&format!(
                "first use: {} holds no tree of the log {} yet, so this witness trusts the checkpoint as it sees it (size {}, root {}); from now on it cosigns only checkpoints consistent with it\n",
                args.state.display(),
                checkpoint.origin,
                checkpoint.size,
                checkpoint.root
            ))?;
        }
    }

    // 3. Cosign, merging into checkpoints/<size> (compare-and-swap: no other witness's line
    //    is lost).
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let cosignature = cosign(checkpoint, &args.name, &signer, timestamp);
    let merged = cosigned::merge(store.as_ref(), &current, cosignature);
    let key = cosigned::key(checkpoint.size);
    let merged = match merged {
        Ok(merged) => merged,
        Err(MergeError::Fork(stored)) => {
            return Err(CommandError {
                exit: Exit::Failure,
                error: anyhow!(
                    "the log {} was forked: {location}/{key} holds a cosigned tree of {} records with root {}, but the current checkpoint has root {} for the same size; nothing cosigned, {} left as it was",
                    checkpoint.origin,
                    checkpoint.size,
                    stored.checkpoint.root,
                    checkpoint.root,
                    args.state.display()
                ),
            });
        }
        Err(MergeError::Damaged(e)) => {
            return Err(CommandError::config(anyhow!(
                "{e}; nothing cosigned (move the damaged file aside to start it afresh)"
            )));
        }
        Err(MergeError::Write(e)) => {
            return Err(CommandError::config(anyhow!(
                "cannot write the cosigned checkpoint: {e}; the state file was not updated"
            )));
        }
    };

    // 4. Only now remember the tree.
    let mut state = state.unwrap_or_else(State::empty);
    let mut remembered = Seen::new(checkpoint.size, &checkpoint.root.0);
    for key in seen
        .iter()
        .flat_map(|s| s.log_keys.iter())
        .filter_map(|k| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(k)
                .ok()?
                .try_into()
                .ok()
        })
        .chain(signers.iter().copied())
        .collect::<Vec<[u8; 32]>>()
    {
        remembered.add_log_key(&key);
    }
    state.logs.insert(checkpoint.origin.clone(), remembered);
    state.save(&args.state).map_err(|e| {
        CommandError::config(anyhow!(
            "{e}; {location}/{key} holds the cosignature, but this witness will not remember the tree: rerun it"
        ))
    })?;
    let previously = match &seen {
        Some(seen) if seen.size == checkpoint.size => {
            " (no new records since it last cosigned)".to_owned()
        }
        Some(seen) => format!(", consistent with size {} it cosigned before", seen.size),
        None => " (first use)".to_owned(),
    };
    print(&format!(
        "cosigned {} at size {} (root {}) as {}{previously}; {location}/{key} carries {} cosignature(s)\n",
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root,
        args.name,
        cosigned::cosignature_lines(&merged).len()
    ))?;
    Ok(Exit::Success)
}

/// `--pubkey` and `--ops-key`: the keys whose signature makes a checkpoint the log's.
fn log_keys(args: &AuditWitnessArgs) -> Result<Vec<TrustedKey>, CommandError> {
    let mut keys = Vec::new();
    for (flag, value) in args
        .pubkey
        .iter()
        .map(|k| ("--pubkey", k))
        .chain(args.ops_keys.iter().map(|k| ("--ops-key", k)))
    {
        keys.push(
            TrustedKey::resolve(value, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("{flag} {value}: {e}")))?,
        );
    }
    if keys.is_empty() {
        return Err(CommandError::config(anyhow!(
            "give the log's keys (--pubkey with the verdict public key, --ops-key with the ops keys): a witness cosigns only a checkpoint the log's own key signed"
        )));
    }
    Ok(keys)
}

/// First use of an origin whose signing key already signs another log this witness
/// cosigned: refused (exit 1) unless `--new-log` says it is a second, genuine log.
fn same_key_elsewhere(
    state: &State,
    signers: &[[u8; 32]],
    args: &AuditWitnessArgs,
    checkpoint: &crate::tlog::note::Checkpoint,
) -> Result<(), CommandError> {
    let Some((other, seen)) = state.logs.iter().find(|(origin, seen)| {
        **origin != checkpoint.origin && signers.iter().any(|k| seen.signed_by(k))
    }) else {
        return Ok(());
    };
    if args.new_log {
        return Ok(());
    }
    Err(CommandError {
        exit: Exit::Failure,
        error: anyhow!(
            "REFUSED: the log {} (size {}, root {}) is new to this witness, but its key signs the log {other} it cosigned at size {} (root {}): a log rebuilt under a fresh origin looks exactly like this; this witness cosigns nothing and leaves {} as it was (if it is a genuinely separate ledger signed with the same key, rerun with --new-log)",
            checkpoint.origin,
            checkpoint.size,
            checkpoint.root,
            seen.size,
            seen.root,
            args.state.display()
        ),
    })
}

/// The refusal of an inconsistent log: exit 1, saying that nothing was written.
fn refused(why: &Inconsistent, args: &AuditWitnessArgs, location: &str) -> CommandError {
    CommandError {
        exit: Exit::Failure,
        error: anyhow!(
            "REFUSED: {why}; this witness cosigns nothing at {location} and leaves {} as it was",
            args.state.display()
        ),
    }
}

//! `tollgate audit migrate`: verify a format-1 ledger as `audit verify` does (refusing a
//! broken chain, naming the break), then log it into a new format-2 log
//! ([`crate::ledger::migrate`]) and say what was written.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::AuditMigrateArgs;
use crate::keys::TrustedKey;
use crate::ledger::format::{Format, detect};
use crate::ledger::migrate::{self, Migrated};
use crate::ledger::store::Store;
use crate::ledger::verify::verify;
use crate::ledger::{Mode, open};
use anyhow::anyhow;
use std::path::Path;

pub fn run(args: &AuditMigrateArgs) -> CommandResult {
    let pubkey = args
        .pubkey
        .as_deref()
        .map(|p| resolve("--pubkey", p))
        .transpose()?;
    let ops_keys = args
        .ops_keys
        .iter()
        .map(|p| resolve("--ops-key", p))
        .collect::<Result<Vec<_>, _>>()?;
    let pending = super::signing_key::prepare(&args.signing)?.ok_or_else(|| {
        CommandError::config(anyhow!(
            "--key is required: it signs the new log's checkpoint (use the verdict key)"
        ))
    })?;
    let from = open(&args.from, Path::new("."), Mode::Existing)
        .map_err(|e| CommandError::config(anyhow!("--from {}: {e}", args.from)))?;
    match detect(from.as_ref()).map_err(|e| CommandError::config(anyhow!("--from: {e}")))? {
        Some(Format::V1) => {}
        Some(Format::V2) => {
            return Err(CommandError::config(anyhow!(
                "--from {}: already a format-2 log; nothing to migrate",
                from.location()
            )));
        }
        None => {
            return Err(CommandError::config(anyhow!(
                "--from {}: holds no ledger (no head.json, no entries/)",
                from.location()
            )));
        }
    }
    // The target is opened (a local one created) only once the ledger verified.
    let verified = verified(from.as_ref(), pubkey.as_ref(), &ops_keys)?;
    let to = open(&args.to, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--to {}: {e}", args.to)))?;
    if to.location() == from.location() {
        return Err(CommandError::config(anyhow!(
            "--to names the same store as --from ({}): migrate into a new store",
            from.location()
        )));
    }
    let signer = super::signing_key::load(Some(pending))?
        .ok_or_else(|| CommandError::config(anyhow!("--key: no key was loaded")))?;
    let origin = migrate::prepare(to.as_ref(), args.origin.as_deref())
        .map_err(|e| CommandError::config(anyhow!(e)))?;
    let migrated = migrate::migrate(from.as_ref(), to.as_ref(), &signer, verified.entries)
        .map_err(|e| CommandError {
            exit: Exit::Failure,
            error: anyhow!("refusing to migrate: {e}"),
        })?;
    print(&report(
        from.as_ref(),
        to.as_ref(),
        &origin,
        &verified.text,
        &migrated,
        &signer.key_id(),
    ))?;
    // A log missing entries the format-1 ledger holds is not a finished migration.
    Ok(if migrated.appended > 0 {
        Exit::Failure
    } else {
        Exit::Success
    })
}

fn resolve(flag: &str, pubkey: &str) -> Result<TrustedKey, CommandError> {
    TrustedKey::resolve(pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("{flag} {pubkey}: {e}")))
}

/// What the verification of the format-1 ledger found: how many entries, and the report line.
struct Verified {
    entries: u64,
    text: String,
}

/// `audit verify`'s checks of the format-1 ledger: the chain, every blob, every signature
/// (with the keys given) and the revocations; the first break refuses the migration.
fn verified(
    from: &dyn Store,
    pubkey: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> Result<Verified, CommandError> {
    let failed = |error| CommandError {
        exit: Exit::Failure,
        error,
    };
    let outcome = verify(from, pubkey, ops_keys)
        .map_err(|e| failed(anyhow!("{}: cannot verify: {e}", from.location())))?;
    let location = from.location();
    if let Some(first) = outcome.breaks.first() {
        return Err(failed(anyhow!(
            "refusing to migrate a broken chain: {location}/{}: {} ({} break(s) in all; \
             `tollgate audit verify --store {location}` lists them)",
            first.key,
            first.message,
            outcome.breaks.len()
        )));
    }
    let revoked = crate::ledger::revocation::audit::report(from, ops_keys)
        .map_err(|e| CommandError::config(anyhow!(e)))?;
    if let Some(first) = revoked.refused.first() {
        return Err(failed(anyhow!(
            "refusing to migrate: {location}: {first} ({} such entr(ies); `tollgate audit \
             verify --store {location}` lists them)",
            revoked.refused.len()
        )));
    }
    let mut text = format!(
        "verified the format-1 ledger {location}: {} entries, {} distinct blobs re-hashed",
        outcome.entries, outcome.blobs
    );
    if outcome.signatures_checked {
        text.push_str(&format!(
            ", {} signatures verified",
            outcome.signatures_verified
        ));
    } else {
        text.push_str(
            "; signatures NOT checked: pass --pubkey with the verdict public key to check them",
        );
    }
    text.push('\n');
    Ok(Verified {
        entries: outcome.entries,
        text,
    })
}

fn report(
    from: &dyn Store,
    to: &dyn Store,
    origin: &str,
    verified: &str,
    migrated: &Migrated,
    key_id: &str,
) -> String {
    let mut text = verified.to_owned();
    match &migrated.checkpoint {
        Some(checkpoint) => {
            text.push_str(&format!(
                "logged {} entries into the format-2 log {} (origin {origin}): records 1..{}, \
                 each naming its format-1 seq and entry hash; {} distinct blobs copied\n",
                migrated.entries,
                to.location(),
                migrated.entries,
                migrated.blobs
            ));
            text.push_str(&format!(
                "checkpoint: size {}, root {}, signed by key {key_id}\n",
                checkpoint.checkpoint.size,
                crate::tlog::b64(&checkpoint.checkpoint.root.0)
            ));
        }
        None => text.push_str(&format!(
            "the format-1 ledger has no entries: {} is an empty format-2 log (origin {origin})\n",
            to.location()
        )),
    }
    if migrated.appended > 0 {
        text.push_str(&format!(
            "NOT migrated: {} entr(ies) appended to {} after it was verified; stop its writers, \
             delete {} and migrate again\n",
            migrated.appended,
            from.location(),
            to.location()
        ));
    }
    text.push_str(&format!(
        "{} is unchanged; point --store at {} from now on\n",
        from.location(),
        to.location()
    ));
    text
}

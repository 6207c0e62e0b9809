//! `tollgate freeze` and `tollgate unfreeze`: an ops-signed ledger entry that stops or
//! resumes promotion to one environment. Both need `--key`: an unsigned unfreeze would lift
//! nothing (only one signed by a key in the policy's `[trust] ops_keys` does), and an
//! unsigned freeze, which evaluate honours all the same, is a break for `audit verify`.

use super::audit::unreadable;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::FreezeArgs;
use crate::keys::TrustedKey;
use crate::ledger::entry::Kind;
use crate::ledger::record::OpsSignature;
use crate::ledger::{Mode, append, freeze, open, ops, record};
use anyhow::anyhow;
use std::path::Path;
use time::OffsetDateTime;

pub fn run(args: &FreezeArgs, kind: Kind) -> CommandResult {
    if args.reason.trim().is_empty() {
        return Err(CommandError::config(anyhow!(
            "--reason is empty: say why, it is shown in every blocked evaluate and kept in the ledger"
        )));
    }
    let Some(signer) = super::signing_key::signer(&args.signing)? else {
        return Err(CommandError::config(anyhow!(
            "tollgate {} needs --key OPSKEY: a freeze or unfreeze is an ops statement, and only one \
             signed by a key in the policy's [trust] ops_keys counts (an unsigned unfreeze lifts \
             nothing, so none is written)",
            kind.as_str()
        )));
    };
    let key = args.signing.key.as_deref().unwrap_or(Path::new("--key"));
    let own_key = TrustedKey::resolve(&signer.public_key_base64(), Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--key {}: {e}", key.display())))?;
    let store = open(&args.store.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let environment = args.environment.as_str();
    // As this key sees it: an unfreeze it signed lifts a freeze exactly when the policy
    // trusts it, which evaluate decides.
    let frozen = freeze::state(store.as_ref(), environment, std::slice::from_ref(&own_key))
        .map_err(unreadable)?;
    match (kind, &frozen) {
        (Kind::Unfreeze, None) => {
            return Err(CommandError::config(anyhow!(
                "{environment} is not frozen in {}: there is nothing to unfreeze",
                store.location()
            )));
        }
        (Kind::Freeze, Some(f)) => {
            // A second freeze is recorded (its reason may add to the first), but say so.
            tracing::warn!(since = %f.since, by = %f.frozen_by, reason = %f.reason, "{environment} is already frozen");
        }
        _ => {}
    }
    let time = super::ledger_time(store.as_ref(), OffsetDateTime::now_utc(), None)?;
    let by = who();
    let statement = record::freeze_statement(kind, environment, args.reason.trim(), &by, &time);
    let signature = OpsSignature {
        minisig: ops::sign(&statement, &signer).map_err(CommandError::config)?,
        public_key: signer.public_key_base64(),
    };
    let pending = record::freeze_entry(&statement, Some(signature));
    // The head is re-signed by the ops key (`audit verify` accepts a head signed by a given
    // --pubkey or --ops-key).
    let id = append::append(store.as_ref(), pending, Some(&signer)).map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!(
            "{}: the {} was not recorded: {e}",
            store.location(),
            kind.as_str()
        ),
    })?;
    let verb = if kind == Kind::Freeze {
        "frozen"
    } else {
        "unfrozen"
    };
    let counts = if kind == Kind::Unfreeze {
        format!(
            "; it lifts the freeze where the policy's [trust] ops_keys holds key {}",
            own_key.key_id
        )
    } else {
        String::new()
    };
    print(&format!(
        "{environment} {verb} by {by}: {} (ledger entry {id}, signed by key {}{counts})\n",
        args.reason.trim(),
        own_key.key_id
    ))?;
    Ok(Exit::Success)
}

/// Who is freezing: git's user.name <user.email> when configured, else $USER.
fn who() -> String {
    let git = git2::Config::open_default().ok().and_then(|config| {
        let name = config.get_string("user.name").ok()?;
        Some(match config.get_string("user.email") {
            Ok(email) => format!("{name} <{email}>"),
            Err(_) => name,
        })
    });
    git.or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

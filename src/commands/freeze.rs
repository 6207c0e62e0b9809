//! `tollgate freeze` and `tollgate unfreeze`: a signed (with --key) ledger entry that stops
//! or resumes promotion to one environment.

use super::audit::unreadable;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::FreezeArgs;
use crate::ledger::entry::Kind;
use crate::ledger::{Mode, append, open, record, tail};
use crate::verdict::rfc3339;
use anyhow::anyhow;
use std::path::Path;
use time::OffsetDateTime;

pub fn run(args: &FreezeArgs, kind: Kind) -> CommandResult {
    if args.reason.trim().is_empty() {
        return Err(CommandError::config(anyhow!(
            "--reason is empty: say why, it is shown in every blocked evaluate and kept in the ledger"
        )));
    }
    let signer = super::signing_key::signer(&args.signing)?;
    let store = open(&args.store.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let environment = args.environment.as_str();
    let chain = tail::read(store.as_ref()).map_err(unreadable)?;
    let frozen = tail::frozen(store.as_ref(), &chain, environment).map_err(unreadable)?;
    match (kind, &frozen) {
        (Kind::Unfreeze, None) => {
            return Err(CommandError::config(anyhow!(
                "{environment} is not frozen in {}: there is nothing to unfreeze",
                store.location()
            )));
        }
        (Kind::Freeze, Some(f)) => {
            // A second freeze is recorded (its reason may add to the first), but say so.
            tracing::warn!(since = %f.time, by = %f.by, reason = %f.reason, "{environment} is already frozen");
        }
        _ => {}
    }
    let time = rfc3339(OffsetDateTime::now_utc());
    let by = who();
    let statement = record::freeze_statement(kind, environment, args.reason.trim(), &by, &time);
    let signature = match &signer {
        Some(signer) => Some(
            signer
                .sign(
                    &crate::verdict::canonical_json(&statement),
                    &crate::ledger::verify::freeze_comment(&statement),
                )
                .map_err(CommandError::config)?,
        ),
        None => None,
    };
    let pending = record::freeze_entry(&statement, signature);
    let id =
        append::append(store.as_ref(), pending, signer.as_ref()).map_err(|e| CommandError {
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
    let signed = if signer.is_some() {
        "signed"
    } else {
        "unsigned: pass --key to sign"
    };
    print(&format!(
        "{environment} {verb} by {by}: {} (ledger entry {id}, {signed})\n",
        args.reason.trim()
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

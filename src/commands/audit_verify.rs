//! `tollgate audit verify`: the whole ledger checked; exit 1 naming the first break.

use super::audit::{json_text, open_existing};
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditVerifyArgs, ListFormat};
use crate::keys::TrustedKey;
use crate::ledger::verify::{Outcome, verify};
use anyhow::anyhow;
use std::path::Path;

/// Breaks listed after the first one (the rest are counted).
const SHOWN: usize = 10;

pub fn run(args: &AuditVerifyArgs) -> CommandResult {
    let key = match &args.pubkey {
        Some(pubkey) => Some(
            TrustedKey::resolve(pubkey, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--pubkey {pubkey}: {e}")))?,
        ),
        None => None,
    };
    let ops_keys = ops_keys(args)?;
    let witnesses = super::audit_verify_witnessed::witnesses(args)?;
    if let Some(bundle) = &args.bundle {
        return super::audit_verify_bundle::run(args, bundle, key.as_ref(), &ops_keys);
    }
    let store = open_existing(&args.store)?;
    let pinned = match &args.since {
        Some(path) => Some(pinned_checkpoint(store.as_ref(), path)?),
        None => None,
    };
    let verified = match &pinned {
        Some(pinned) => {
            crate::ledger::v2::verify::verify(store.as_ref(), key.as_ref(), &ops_keys, Some(pinned))
        }
        None => verify(store.as_ref(), key.as_ref(), &ops_keys),
    };
    let outcome = verified.map_err(|e| CommandError {
        exit: Exit::Failure,
        error: anyhow!("{}: cannot verify: {e}", store.location()),
    })?;
    let revoked = revocation_problems(store.as_ref(), &ops_keys)?;
    let mut text = match args.format {
        ListFormat::Json => json_text(&outcome)?,
        ListFormat::Text => render(&store.location(), &outcome),
    };
    if args.format == ListFormat::Text {
        for line in revoked.notes.iter().chain(&revoked.refused) {
            text.push_str(line);
            text.push('\n');
        }
    } else if !revoked.refused.is_empty() {
        super::print_stderr(&(revoked.refused.join("\n") + "\n"))?;
    }
    let witnessed = super::audit_verify_witnessed::check(store.as_ref(), &witnesses);
    match (&witnessed, args.format) {
        (Ok(line), ListFormat::Text) => text.push_str(line),
        (Err(problem), ListFormat::Text) => text.push_str(problem),
        (Err(problem), ListFormat::Json) => super::print_stderr(problem)?,
        (Ok(_), ListFormat::Json) => {}
    }
    print(&text)?;
    Ok(
        if outcome.ok() && revoked.refused.is_empty() && witnessed.is_ok() {
            Exit::Success
        } else {
            Exit::Failure
        },
    )
}

/// `--since FILE`: a checkpoint note, for a format-2 store only.
fn pinned_checkpoint(
    store: &dyn crate::ledger::store::Store,
    path: &Path,
) -> Result<crate::tlog::note::SignedCheckpoint, CommandError> {
    use crate::ledger::format::{Format, detect};
    let format = detect(store).map_err(|e| CommandError::config(anyhow!(e)))?;
    if format != Some(Format::V2) {
        return Err(CommandError::config(anyhow!(
            "--since: {} is not a format-2 log (it has no checkpoint to pin)",
            store.location()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CommandError::config(anyhow!("--since {}: {e}", path.display())))?;
    crate::tlog::note::SignedCheckpoint::parse(&bytes).map_err(|e| {
        CommandError::config(anyhow!(
            "--since {}: not a checkpoint (a copy of the store's `checkpoint`): {e}",
            path.display()
        ))
    })
}

/// The `--ops-key` keys.
fn ops_keys(args: &AuditVerifyArgs) -> Result<Vec<TrustedKey>, CommandError> {
    args.ops_keys
        .iter()
        .map(|pubkey| {
            TrustedKey::resolve(pubkey, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--ops-key {pubkey}: {e}")))
        })
        .collect()
}

pub(super) fn render(location: &str, o: &Outcome) -> String {
    let mut text = String::new();
    if let Some(first) = o.breaks.first() {
        text.push_str(&format!(
            "BROKEN: {location}/{}: {}\n",
            first.key, first.message
        ));
        for other in o.breaks.iter().skip(1).take(SHOWN) {
            text.push_str(&format!("  also: {}: {}\n", other.key, other.message));
        }
        if o.breaks.len() > SHOWN + 1 {
            text.push_str(&format!("  and {} more\n", o.breaks.len() - SHOWN - 1));
        }
    }
    text.push_str(&format!(
        "{} entries, {} distinct blobs re-hashed",
        o.entries, o.blobs
    ));
    if o.signatures_checked {
        text.push_str(&format!(", {} signatures verified", o.signatures_verified));
    }
    text.push('\n');
    if !o.signatures_checked {
        text.push_str(
            "signatures NOT checked: pass --pubkey with the verdict public key to check them\n",
        );
    }
    if o.ops_signatures_verified > 0 {
        text.push_str(&format!(
            "{} ops signature(s) verified (freeze, unfreeze, deploy, rollback, ...){}\n",
            o.ops_signatures_verified,
            if o.ops_keys_checked {
                ", each by an --ops-key"
            } else {
                " (signers NOT checked: pass --ops-key with the policy's ops keys)"
            }
        ));
    }
    if o.ops_signatures_unchecked > 0 {
        text.push_str(&format!(
            "{} freeze/unfreeze signature(s) NOT checked: the entries do not record their public key; pass --ops-key\n",
            o.ops_signatures_unchecked
        ));
    }
    if o.unsigned_verdicts > 0 {
        text.push_str(&format!(
            "{} verdict(s) were recorded unsigned (evaluate ran without --key)\n",
            o.unsigned_verdicts
        ));
    }
    match (o.head_length, o.uncovered) {
        (Some(0), Some((first, last))) => text.push_str(&format!(
            "the head predates every entry: entries {first}..{last} are not covered by it \
             (appended unsigned, or the run stopped before updating it)\n"
        )),
        (Some(length), Some((first, last))) => text.push_str(&format!(
            "head covers entries 1..{length}; entries {first}..{last} are not covered by the head \
             (appended unsigned, or the run stopped before updating it): the next signed append covers them\n"
        )),
        (Some(length), None) => text.push_str(&format!("head covers all {length} entries\n")),
        (None, _) => {}
    }
    if let Some(checkpoint) = &o.checkpoint {
        text.push_str(&checkpoint_lines(checkpoint, o));
    }
    text.push_str(match (o.ok(), &o.checkpoint) {
        (true, None) => "OK: the chain is intact\n",
        (true, Some(_)) => "OK: the log is intact\n",
        (false, _) => "FAILED: the ledger is not intact\n",
    });
    text
}

/// A format-2 log's checkpoint lines: what it covers, who signed it, what `--since` skipped.
fn checkpoint_lines(c: &crate::ledger::verify::CheckpointState, o: &Outcome) -> String {
    let mut text = match o.uncovered {
        Some((first, last)) => format!(
            "checkpoint ({}) covers records 1..{}; records {first}..{last} are not covered by it \
             (appended unsigned, or the run stopped before updating it): the next signed append \
             covers them\n",
            c.origin, c.size
        ),
        None => format!("checkpoint ({}) covers all {} records\n", c.origin, c.size),
    };
    if !c.signed {
        text.push_str("the checkpoint is UNSIGNED (every append so far ran without a key)\n");
    } else if !c.signed_by.is_empty() {
        text.push_str(&format!(
            "the checkpoint is signed by the {}\n",
            c.signed_by.join(" and the ")
        ));
    }
    if let Some(pinned) = o.since {
        text.push_str(&format!(
            "consistent with the pinned checkpoint of {pinned} records: those are proven \
             unchanged, only the records after them were read\n"
        ));
    }
    text
}

fn revocation_problems(
    store: &dyn crate::ledger::store::Store,
    ops_keys: &[TrustedKey],
) -> Result<crate::ledger::revocation::audit::RevocationReport, CommandError> {
    crate::ledger::revocation::audit::report(store, ops_keys)
        .map_err(|e| CommandError::config(anyhow!(e)))
}

//! `tollgate audit log`, and what every audit command shares: opening an existing ledger.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditLogArgs, ListFormat, StoreArgs};
use crate::ledger::query::{self, Filter, LogRecord};
use crate::ledger::store::Store;
use crate::ledger::{Mode, open};
use anyhow::anyhow;
use std::path::Path;
use time::OffsetDateTime;

/// Open the `--store` ledger for reading; a missing ledger is a usage error naming it.
pub(super) fn open_existing(args: &StoreArgs) -> Result<Box<dyn Store>, CommandError> {
    open(&args.store, Path::new("."), Mode::Existing)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store)))
}

/// Pretty JSON with a trailing newline, for `--format json`.
pub(super) fn json_text<T: serde::Serialize>(value: &T) -> Result<String, CommandError> {
    let mut json = serde_json::to_string_pretty(value)
        .map_err(|e| CommandError::config(anyhow!("cannot render JSON: {e}")))?;
    json.push('\n');
    Ok(json)
}

/// A read failure after the ledger was opened: the ledger is damaged or unreadable.
pub(super) fn unreadable(error: String) -> CommandError {
    CommandError {
        exit: Exit::Failure,
        error: anyhow!(error),
    }
}

pub fn log(args: &AuditLogArgs) -> CommandResult {
    let store = open_existing(&args.store)?;
    let filter = Filter {
        environment: args.environment.clone(),
        decision: args.decision.clone(),
        since: args.since.as_deref().map(since).transpose()?,
    };
    let records = query::log(store.as_ref(), &filter).map_err(unreadable)?;
    let text = match args.format {
        ListFormat::Json => json_text(&records)?,
        ListFormat::Text => records.iter().map(line).collect(),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// `--since`: an RFC 3339 time, or a duration before now.
fn since(text: &str) -> Result<OffsetDateTime, CommandError> {
    if let Some(at) = crate::verdict::parse_rfc3339(text) {
        return Ok(at);
    }
    let ago = humantime::parse_duration(text).map_err(|e| {
        CommandError::config(anyhow!(
            "--since {text:?}: neither an RFC 3339 time (2026-11-21T12:00:00Z) nor a duration ago (\"7d\", \"2h\"): {e}"
        ))
    })?;
    Ok(OffsetDateTime::now_utc() - ago)
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

fn line(r: &LogRecord) -> String {
    let what = match (&r.verdict_sha256, &r.reason) {
        (Some(verdict), _) => format!(
            "verdict {} commit {}",
            short(verdict),
            r.commit.as_deref().map_or("none", short)
        ),
        (None, Some(reason)) => format!("reason: {reason}"),
        (None, None) => String::new(),
    };
    format!(
        "{:>6}  {}  {:<8} {:<8} {:<8} {what}\n",
        r.seq,
        r.time,
        r.environment,
        r.kind.as_str(),
        r.decision.as_deref().unwrap_or("-"),
    )
}

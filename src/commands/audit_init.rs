//! `tollgate audit init`: create an empty ledger of a chosen format (and, for format v2, its
//! origin), so the format and origin are fixed before the first append.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditInitArgs, LedgerFormat};
use crate::ledger::create::init;
use crate::ledger::format::Format;
use crate::ledger::{Mode, open};
use anyhow::anyhow;
use std::path::Path;

pub fn run(args: &AuditInitArgs) -> CommandResult {
    let format = match args.format {
        Some(LedgerFormat::V1) => Format::V1,
        Some(LedgerFormat::V2) => Format::V2,
        None => Format::for_new().map_err(|e| CommandError::config(anyhow!(e)))?,
    };
    let store = open(&args.store.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let created = init(store.as_ref(), format, args.origin.as_deref())
        .map_err(|e| CommandError::config(anyhow!(e)))?;
    let text = match &created.origin {
        Some(origin) => format!(
            "created an empty format-v2 ledger (C2SP tlog-tiles) in {}\norigin: {origin}\n",
            store.location()
        ),
        None => format!(
            "created an empty format-v1 ledger (hash chain) in {}\n",
            store.location()
        ),
    };
    print(&text)?;
    Ok(Exit::Success)
}

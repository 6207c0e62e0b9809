//! `tollgate audit check-store --store S`: probe whether the store's server applies
//! conditional writes atomically, record the result in the store, and say what it did.

use super::audit::{json_text, open_existing};
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditCheckStoreArgs, ListFormat};
use crate::ledger::store_check::{self, CheckReport, RESULT_KEY};
use anyhow::anyhow;

pub fn run(args: &AuditCheckStoreArgs) -> CommandResult {
    let store = open_existing(&args.store)?;
    let cannot_run = |e: String| CommandError::config(anyhow!("--store {}: {e}", args.store.store));
    let report =
        store_check::probe(store.as_ref(), usize::from(args.writers)).map_err(cannot_run)?;
    store_check::record(store.as_ref(), &report).map_err(cannot_run)?;
    let text = match args.format {
        ListFormat::Json => json_text(&report)?,
        ListFormat::Text => text(&report, store.has_append_lock()),
    };
    print(&text)?;
    Ok(if report.passed {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn text(report: &CheckReport, locked: bool) -> String {
    let mut out = format!(
        "check-store {}: {} ({} writers, {} rounds per race)\n",
        report.store,
        if report.passed { "PASS" } else { "FAIL" },
        report.writers,
        report.rounds
    );
    for line in &report.details {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str(&format!("recorded in {}/{RESULT_KEY}\n", report.store));
    let verdict = match (report.passed, locked) {
        (_, true) => "appends to this store hold its kernel lock as well".to_owned(),
        (true, false) => {
            "conditional writes held under every race: appends may use this store".to_owned()
        }
        (false, false) => store_check::refusal(report),
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}

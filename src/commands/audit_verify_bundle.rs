//! `tollgate audit verify --bundle FILE.tar`: an exported bundle checked with the same
//! verifier as a live ledger, plus the bundle's own promises (manifest, plain copies).

use super::audit::json_text;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditVerifyArgs, ListFormat};
use crate::keys::TrustedKey;
use crate::ledger::bundle::{self, BundleOutcome};
use anyhow::anyhow;
use std::path::Path;

pub fn run(
    args: &AuditVerifyArgs,
    path: &Path,
    key: Option<&TrustedKey>,
    ops_keys: &[TrustedKey],
) -> CommandResult {
    if !path.is_file() {
        return Err(CommandError::config(anyhow!(
            "--bundle {}: no such file; pass the tar that `tollgate audit export` wrote",
            path.display()
        )));
    }
    let outcome = bundle::verify(path, key, ops_keys).map_err(|e| CommandError {
        exit: Exit::Failure,
        error: anyhow!(e),
    })?;
    let text = match args.format {
        ListFormat::Json => json_text(&outcome)?,
        ListFormat::Text => render(path, &outcome),
    };
    print(&text)?;
    Ok(if outcome.ok() {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn render(path: &Path, o: &BundleOutcome) -> String {
    let ledger = super::audit_verify::render(
        &format!(
            "{}:{}",
            path.display(),
            bundle::LEDGER_PREFIX.trim_end_matches('/')
        ),
        &o.ledger,
    );
    // The chain's breaks come first (they are the most basic), then the bundle's own.
    let is_break =
        |l: &&str| l.starts_with("BROKEN:") || l.starts_with("  also:") || l.starts_with("  and ");
    let breaks: Vec<&str> = ledger.lines().take_while(is_break).collect();
    let mut text: String = breaks.iter().map(|l| format!("{l}\n")).collect();
    for p in &o.problems {
        let lead = if text.is_empty() {
            "BROKEN:"
        } else {
            "  also:"
        };
        text.push_str(&format!(
            "{lead} {}:{}: {}\n",
            path.display(),
            p.member,
            p.message
        ));
    }
    for line in ledger.lines().skip(breaks.len()) {
        text.push_str(line);
        text.push('\n');
    }
    for line in o.revocations.notes.iter().chain(&o.revocations.refused) {
        text.push_str(line);
        text.push('\n');
    }
    let exported = if o.manifest.all {
        "all entries".to_owned()
    } else {
        format!(
            "entries {}",
            o.manifest
                .exported
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    text.push_str(&format!(
        "bundle: {exported} exported with their files; {} plain copies match the chain; {} blob references of entries outside the export are absent, as expected\n",
        o.plain_files, o.blobs_not_exported
    ));
    text.push_str(if o.ok() {
        "OK: the bundle is intact\n"
    } else {
        "FAILED: the bundle is not intact\n"
    });
    text
}

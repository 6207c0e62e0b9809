//! `tollgate audit verify --bundle FILE.tar`: an exported bundle checked with the same
//! verifier as a live ledger, plus the bundle's own promises (manifest, plain copies).

use super::audit::json_text;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditVerifyArgs, ListFormat};
use crate::keys::TrustedKey;
use crate::ledger::bundle::{self, BundleManifest, BundleOutcome, ManifestV2};
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
    if let BundleManifest::V2(manifest) = &o.manifest {
        return render_v2(path, manifest, o);
    }
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
    let exported = if o.manifest.all() {
        "all entries".to_owned()
    } else {
        format!("entries {}", list(o.manifest.exported()))
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

/// A bundle of a format-2 log: every break and problem names its member (the checkpoint, a
/// proof, a plain copy, a blob), then the records' summary as `audit verify` prints a log's,
/// the revocations, and what the proofs showed.
fn render_v2(path: &Path, manifest: &ManifestV2, o: &BundleOutcome) -> String {
    let places = o
        .ledger
        .breaks
        .iter()
        .map(|b| (&b.key, &b.message))
        .chain(o.problems.iter().map(|p| (&p.member, &p.message)));
    let mut text = String::new();
    for (i, (member, message)) in places.enumerate() {
        let lead = if i == 0 { "BROKEN:" } else { "  also:" };
        text.push_str(&format!("{lead} {}:{member}: {message}\n", path.display()));
    }
    // The summary lines of `audit verify` (counts, signatures, the checkpoint), without its
    // breaks and verdict, which are the bundle's to give.
    let mut ledger = o.ledger.clone();
    ledger.breaks.clear();
    let summary = super::audit_verify::render(&path.display().to_string(), &ledger);
    for line in summary
        .lines()
        .filter(|l| !l.starts_with("OK:") && !l.starts_with("FAILED:"))
    {
        text.push_str(line);
        text.push('\n');
    }
    for line in o.revocations.notes.iter().chain(&o.revocations.refused) {
        text.push_str(line);
        text.push('\n');
    }
    let exported = if manifest.all {
        "all records".to_owned()
    } else {
        format!("records {}", list(&manifest.exported))
    };
    text.push_str(&format!(
        "bundle: {exported} exported with their files; {} inclusion proofs lead to the checkpoint's root; {} plain copies match the records\n",
        o.proofs.unwrap_or(0),
        o.plain_files
    ));
    text.push_str(if o.ok() {
        "OK: the bundle is intact\n"
    } else {
        "FAILED: the bundle is not intact\n"
    });
    text
}

fn list(seqs: &[u64]) -> String {
    seqs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

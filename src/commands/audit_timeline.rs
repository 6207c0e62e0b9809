//! `tollgate audit timeline` (one release's path through the ledger) and `tollgate audit
//! last-good` (the last release promoted, deployed and not rolled back in an environment).

use super::audit::{json_text, open_existing, unreadable};
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditLastGoodArgs, AuditTimelineArgs, ListFormat};
use crate::keys::TrustedKey;
use crate::ledger::entry::is_sha256;
use crate::ledger::history::History;
use crate::ledger::rollout::{digest_set, is_valid_stage};
use crate::ledger::timeline::{self, LastGood, Step};
use crate::verdict::Verdict;
use anyhow::anyhow;
use std::path::Path;

pub fn timeline(args: &AuditTimelineArgs) -> CommandResult {
    let digests = release_digests(&args.release)?;
    let store = open_existing(&args.store)?;
    let mut history = History::default();
    history
        .add(store.as_ref(), None, false)
        .map_err(unreadable)?;
    let steps = timeline::timeline(&history, &digests);
    let text = match args.format {
        ListFormat::Json => json_text(&steps)?,
        ListFormat::Text if steps.is_empty() => format!(
            "no entry of {} concerns {}\n",
            store.location(),
            args.release
        ),
        ListFormat::Text => steps.iter().map(line).collect(),
    };
    print(&text)?;
    Ok(if steps.is_empty() {
        Exit::Failure
    } else {
        Exit::Success
    })
}

/// The digest set `SUBJECT_DIGEST|VERDICT` names.
fn release_digests(release: &str) -> Result<Vec<String>, CommandError> {
    let lower = release.trim().to_ascii_lowercase();
    if is_sha256(&lower) {
        return Ok(vec![lower]);
    }
    let path = Path::new(release);
    if !path.is_file() {
        return Err(CommandError::config(anyhow!(
            "{release:?} is neither an artifact's SHA-256 (64 hex digits) nor a verdict file"
        )));
    }
    let bytes = crate::bounded::read_capped(path, crate::bounded::caps::SUMS.with_bytes(64 << 20))
        .map_err(|e| CommandError::config(anyhow!(e.describe(path))))?;
    let verdict: Verdict = serde_json::from_slice(&bytes)
        .map_err(|e| CommandError::config(anyhow!("{release}: not a tollgate verdict: {e}")))?;
    if verdict.subjects.is_empty() {
        return Err(CommandError::config(anyhow!(
            "{release}: the verdict names no subject"
        )));
    }
    Ok(digest_set(&verdict.subjects))
}

fn line(step: &Step) -> String {
    let mut text = format!(
        "{:>5}  {}  {:<8} {:<8} {:<9}",
        step.seq,
        step.time,
        step.environment,
        step.kind,
        step.stage.as_deref().unwrap_or("-")
    );
    if let Some(outcome) = &step.outcome {
        text.push_str(&format!(" {outcome}"));
    }
    if let Some(verdict) = &step.verdict_sha256 {
        text.push_str(&format!(" verdict {}", &verdict[..verdict.len().min(16)]));
    }
    if let Some(commit) = &step.commit {
        text.push_str(&format!(" commit {}", &commit[..commit.len().min(12)]));
    }
    if let Some(signer) = &step.signer {
        text.push_str(&format!(" key {signer}"));
    }
    if let Some(note) = step.note.as_deref().filter(|n| !n.is_empty()) {
        text.push_str(&format!(": {note}"));
    }
    text.push('\n');
    text
}

pub fn last_good(args: &AuditLastGoodArgs) -> CommandResult {
    if let Some(stage) = &args.stage
        && !is_valid_stage(stage)
    {
        return Err(CommandError::config(anyhow!(
            "--stage {stage:?} is not a lower-case kebab-case name"
        )));
    }
    let ops_keys = args
        .ops_keys
        .iter()
        .map(|k| {
            TrustedKey::resolve(k, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--ops-key {k}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let store = open_existing(&args.store)?;
    let mut history = History::default();
    history
        .add(store.as_ref(), None, false)
        .map_err(unreadable)?;
    let found = timeline::last_good(
        &history,
        &args.environment,
        args.stage.as_deref(),
        &ops_keys,
    );
    let text = match (&found, args.format) {
        (Some(good), ListFormat::Json) => json_text(good)?,
        (None, ListFormat::Json) => "null\n".to_owned(),
        (Some(good), ListFormat::Text) => render(good, ops_keys.is_empty()),
        (None, ListFormat::Text) => format!(
            "no release in {}{} was promoted, deployed by a signed deploy{} and not rolled back since\n",
            args.environment,
            args.stage
                .as_deref()
                .map(|s| format!("/{s}"))
                .unwrap_or_default(),
            if ops_keys.is_empty() {
                ""
            } else {
                " of an --ops-key"
            }
        ),
    };
    print(&text)?;
    Ok(if found.is_some() {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn render(good: &LastGood, unchecked: bool) -> String {
    let mut text = format!(
        "last good in {}/{}: verdict {} (entry {}), commit {}\ndeployed at {} (entry {}), signed by key {}{}\nsubjects:\n",
        good.environment,
        good.stage,
        good.verdict_sha256,
        good.verdict_seq,
        good.commit.as_deref().unwrap_or("unknown"),
        good.deployed_at,
        good.deploy_seq,
        good.signer,
        if unchecked {
            " (signer NOT checked: pass --ops-key with the policy's ops keys)"
        } else {
            ", an --ops-key"
        }
    );
    for subject in &good.subjects {
        text.push_str(&format!("  {}  {}\n", subject.sha256, subject.name));
    }
    text
}

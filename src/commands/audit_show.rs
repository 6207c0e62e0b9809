//! `tollgate audit show ID|DIGEST`: one entry with its verdict, provenance and evidence.

use super::audit::{json_text, open_existing, unreadable};
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditShowArgs, ListFormat};
use crate::ledger::entry::{BlobRef, Entry, EntryId, EvidenceRecord, blob_key};
use crate::ledger::query;
use crate::ledger::store::Store;
use crate::verdict::Verdict;
use anyhow::anyhow;
use serde::Serialize;

#[derive(Serialize)]
struct Shown<'a> {
    id: &'a EntryId,
    entry: &'a Entry,
    /// The evidence list read from its blob, when the entry spilled it (`evidence_list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a [EvidenceRecord]>,
    verdict: Option<serde_json::Value>,
    provenance: Option<serde_json::Value>,
}

pub fn run(args: &AuditShowArgs) -> CommandResult {
    let store = open_existing(&args.store)?;
    let (id, entry) = query::find(store.as_ref(), &args.id).map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!(e),
    })?;
    let verdict = blob_json(store.as_ref(), entry.verdict.as_ref())?;
    let provenance = blob_json(store.as_ref(), entry.provenance.as_ref())?;
    let evidence = entry.evidence(store.as_ref()).map_err(unreadable)?;
    let text = match args.format {
        ListFormat::Json => {
            let shown = Shown {
                id: &id,
                entry: &entry,
                evidence: entry.evidence_list.is_some().then_some(&evidence[..]),
                verdict,
                provenance,
            };
            json_text(&shown)?
        }
        ListFormat::Text => render(&id, &entry, &evidence, verdict, provenance),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// A stored JSON blob, checked against its digest (a damaged blob is an error, not a guess).
fn blob_json(
    store: &dyn Store,
    blob: Option<&BlobRef>,
) -> Result<Option<serde_json::Value>, CommandError> {
    let Some(blob) = blob else {
        return Ok(None);
    };
    let key = blob_key(&blob.sha256);
    let bytes = store
        .get(&key)
        .map_err(|e| unreadable(e.to_string()))?
        .ok_or_else(|| {
            unreadable(format!(
                "{}/{key} is missing; run `tollgate audit verify`",
                store.location()
            ))
        })?;
    if crate::digest::sha256_hex(&bytes) != blob.sha256 {
        return Err(unreadable(format!(
            "{}/{key} does not hash to its name; run `tollgate audit verify`",
            store.location()
        )));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| unreadable(format!("{}/{key}: not JSON: {e}", store.location())))
}

fn render(
    id: &EntryId,
    entry: &Entry,
    evidence: &[EvidenceRecord],
    verdict: Option<serde_json::Value>,
    provenance: Option<serde_json::Value>,
) -> String {
    let mut text = format!(
        "entry {} (sha256 {})\n{} {} for {} at {}\n",
        id.seq,
        id.sha256,
        entry.kind.as_str(),
        entry.decision.as_deref().unwrap_or(""),
        entry.environment,
        entry.time
    );
    if let Some(freeze) = &entry.freeze {
        text.push_str(&format!(
            "by {}: {}{}\n",
            freeze.by,
            freeze.reason,
            if freeze.signature.is_some() {
                " (signed)"
            } else {
                " (unsigned)"
            }
        ));
    }
    if let Some(value) = verdict {
        let signed = if entry.verdict_signature.is_some() {
            "signed"
        } else {
            "UNSIGNED"
        };
        text.push_str(&format!(
            "verdict sha256 {} ({signed})\n",
            entry.verdict.as_ref().map_or("", |v| v.sha256.as_str())
        ));
        match serde_json::from_value::<Verdict>(value) {
            Ok(verdict) => text.push_str(&crate::render::text(&verdict)),
            Err(e) => text.push_str(&format!(
                "(the stored verdict does not parse as this version's verdict: {e})\n"
            )),
        }
    }
    if let Some(value) = provenance {
        text.push_str(&format!(
            "provenance sha256 {}\n",
            entry.provenance.as_ref().map_or("", |v| v.sha256.as_str())
        ));
        for subject in value["subject"].as_array().into_iter().flatten() {
            text.push_str(&format!(
                "  subject {} sha256 {}\n",
                subject["name"].as_str().unwrap_or("?"),
                subject["digest"]["sha256"].as_str().unwrap_or("?")
            ));
        }
    }
    if !evidence.is_empty() {
        text.push_str("evidence:\n");
        for e in evidence {
            text.push_str(&format!(
                "  {}  {:>9}  {:<18} {} ({}){}\n",
                e.sha256,
                e.size,
                e.role,
                e.path,
                serde_json::to_value(e.base)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                match (&e.note, e.stored) {
                    (Some(note), _) => format!(": {note}"),
                    (None, true) => String::new(),
                    (None, false) => ": not stored".to_owned(),
                }
            ));
        }
    }
    text
}

//! `tollgate audit prove`: an inclusion proof (JSON) for the record of a verdict in a v2
//! ledger, against its current checkpoint or (`--witnessed`) the newest cosigned one, for
//! `tollgate verify --proof` to check offline.

use super::audit::{open_existing, unreadable};
use super::{CommandError, CommandResult, Exit, print, print_stderr};
use crate::cli::AuditProveArgs;
use crate::ledger::v2::index::Via;
use crate::ledger::v2::prove::{Against, Which, inclusion};
use anyhow::anyhow;

pub fn run(args: &AuditProveArgs) -> CommandResult {
    let sha = args.verdict.as_deref().map(verdict_sha256).transpose()?;
    let which = match (args.index, &sha) {
        (Some(index), Some(sha)) => Which::Both(index, sha),
        (Some(index), None) => Which::Index(index),
        (None, Some(sha)) => Which::Verdict(sha),
        (None, None) => {
            return Err(CommandError::config(anyhow!(
                "give the verdict to prove (VERDICT_FILE) or a record --index"
            )));
        }
    };
    let store = open_existing(&args.store)?;
    let against = if args.witnessed {
        Against::AnyCosigned
    } else {
        Against::Current
    };
    let proved = inclusion(store.as_ref(), which, against).map_err(unreadable)?;
    if proved.via == Some(Via::Scan) {
        print_stderr(&format!(
            "note: {} has no (valid) verdict index entry for this verdict; every record was read to find it\n",
            store.location()
        ))?;
    }
    let json = proved.proof.to_json();
    match &args.out {
        Some(path) => {
            crate::output::write_atomic(path, json.as_bytes()).map_err(|e| {
                CommandError::config(anyhow!("--out {}: cannot write: {e}", path.display()))
            })?;
            print_stderr(&format!(
                "proof of record {} against the checkpoint of {} at size {} written to {}\n",
                proved.proof.index,
                proved.checkpoint.checkpoint.origin,
                proved.proof.tree_size,
                path.display()
            ))?;
        }
        None => print(&json)?,
    }
    Ok(Exit::Success)
}

/// The SHA-256 of the verdict a file holds: `verdict.json` itself, or the verdict a VSA
/// (`verdict.intoto.jsonl`) binds (unverified: the proof is checked against it later).
fn verdict_sha256(path: &std::path::Path) -> Result<String, CommandError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CommandError::config(anyhow!("cannot read {}: {e}", path.display())))?;
    if let Some(envelope) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| crate::dsse::Envelope::parse_jsonl(t).ok())
    {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::STANDARD
            .decode(&envelope.payload)
            .map_err(|e| {
                CommandError::config(anyhow!(
                    "{}: the envelope's payload is not base64: {e}",
                    path.display()
                ))
            })?;
        let claims = crate::vsa::claims(&payload)
            .map_err(|e| CommandError::config(anyhow!("{}: {e}", path.display())))?;
        return Ok(claims.verdict_sha256);
    }
    Ok(crate::digest::sha256_hex(&bytes))
}

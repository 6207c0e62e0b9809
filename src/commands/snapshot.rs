//! `tollgate snapshot record`: the operators' side of the snapshot log.

use super::{CommandError, CommandResult, Exit, print};
use crate::cli::SnapshotRecordArgs;
use crate::snapshots::{SnapshotEntry, SnapshotKind, append, off_node_problem, signed_bytes};
use anyhow::anyhow;

pub fn record(args: &SnapshotRecordArgs) -> CommandResult {
    let created = super::clock(Some(&args.created_at)).map_err(|_| {
        CommandError::config(anyhow!(
            "--created-at {:?} is not an RFC 3339 time (e.g. 2026-11-21T12:00:00Z)",
            args.created_at
        ))
    })?;
    let mut entry = SnapshotEntry {
        kind: if args.kind == "full" {
            SnapshotKind::Full
        } else {
            SnapshotKind::State
        },
        height: Some(args.height),
        tip: Some(args.tip.to_ascii_lowercase()),
        created_at: Some(crate::verdict::rfc3339(created)),
        location: Some(args.location.clone()),
        sha256: Some(args.sha256.to_ascii_lowercase()),
        size: Some(args.size),
        signature: None,
    };
    // Validate exactly as the gate will read it, before anything touches the log.
    entry
        .clone()
        .validate(0)
        .map_err(|e| CommandError::config(anyhow!(e)))?;
    // Refused here rather than recorded and blocked later: the runbook keeps snapshots off
    // the node, and a log line cannot be taken back.
    if let Some(problem) = off_node_problem(&args.location) {
        return Err(CommandError::config(anyhow!(
            "--location {:?} is not off the node: {problem}; copy the snapshot to off-node storage (s3://, https://, sftp://...) and record that location",
            args.location
        )));
    }
    if let Some(signer) = super::signing_key::signer(&args.signing)? {
        let comment = format!(
            "tollgate-snapshot kind:{} height:{}",
            args.kind, args.height
        );
        entry.signature = Some(
            signer
                .sign(&signed_bytes(&entry), &comment)
                .map_err(CommandError::config)?,
        );
    }
    append(&args.log, &entry).map_err(CommandError::config)?;
    print(&format!(
        "recorded {} snapshot at height {} ({}) in {}{}\n",
        args.kind,
        args.height,
        args.location,
        args.log.display(),
        if entry.signature.is_some() {
            ", signed"
        } else {
            ""
        }
    ))?;
    Ok(Exit::Success)
}

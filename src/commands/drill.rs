//! `tollgate drill record` and `tollgate drill list`: the operators' side of the drill log.

use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::{DrillListArgs, DrillRecordArgs, OutputFormat};
use crate::drills::{DrillEntry, DrillResult, append, read, signed_bytes};
use crate::verdict::rfc3339;
use anyhow::anyhow;

pub fn record(args: &DrillRecordArgs) -> CommandResult {
    let finished = clock(args.at.as_deref())?;
    let rto = humantime::parse_duration(&args.rto).map_err(|e| {
        CommandError::config(anyhow!("--rto {:?}: {e} (write e.g. \"1h 20m\")", args.rto))
    })?;
    let started = match &args.started_at {
        Some(text) => clock(Some(text))?,
        None => finished - rto,
    };
    let operator = match &args.operator {
        Some(name) => name.clone(),
        None => super::account::name().ok_or_else(|| {
            CommandError::config(anyhow!(
                "cannot tell who ran the drill: $USER is not set and the account name of uid {} is not in /etc/passwd; pass --operator NAME",
                rustix::process::getuid().as_raw()
            ))
        })?,
    };
    let mut entry = DrillEntry {
        kind: args.kind.clone(),
        started_at: rfc3339(started),
        finished_at: rfc3339(finished),
        result: if args.result == "pass" {
            DrillResult::Pass
        } else {
            DrillResult::Fail
        },
        rto: humantime::format_duration(rto).to_string(),
        height: args.height,
        tip: args.tip.clone(),
        restored_height: args.restored_height,
        operator,
        notes: args.notes.clone().unwrap_or_default(),
        signature: None,
    };
    // Validate exactly as the gate will read it, before anything touches the log.
    let valid = entry
        .clone()
        .validate(0)
        .map_err(|e| CommandError::config(anyhow!(e)))?;
    if let Some(signer) = super::signing_key::signer(&args.signing)? {
        let comment = format!(
            "tollgate-drill kind:{} finished:{}",
            entry.kind, entry.finished_at
        );
        entry.signature = Some(
            signer
                .sign(&signed_bytes(&entry), &comment)
                .map_err(CommandError::config)?,
        );
    }
    append(&args.log, &entry).map_err(CommandError::config)?;
    print(&format!(
        "recorded {} drill ({}, RTO {}) by {} in {}{}\n",
        entry.kind,
        args.result,
        humantime::format_duration(valid.rto),
        entry.operator,
        args.log.display(),
        if entry.signature.is_some() {
            ", signed"
        } else {
            ""
        }
    ))?;
    Ok(Exit::Success)
}

pub fn list(args: &DrillListArgs) -> CommandResult {
    let (entries, _) = read(&args.log).map_err(CommandError::config)?;
    let text = match args.format {
        OutputFormat::Json => {
            let all: Vec<&DrillEntry> = entries.iter().map(|e| &e.entry).collect();
            serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"
        }
        OutputFormat::Text => {
            let mut text = String::new();
            for e in &entries {
                let d = &e.entry;
                let result = if d.result == DrillResult::Pass {
                    "pass"
                } else {
                    "FAIL"
                };
                let signed = if d.signature.is_some() { " signed" } else { "" };
                text.push_str(&format!(
                    "{:<4} {:<20} {:<4} rto {:<10} {} by {}{signed}\n",
                    e.line, d.kind, result, d.rto, d.finished_at, d.operator
                ));
            }
            if entries.is_empty() {
                text.push_str("no drills recorded\n");
            }
            text
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}

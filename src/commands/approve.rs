//! `tollgate approve`: a signed approval (or rejection) of one proposal. The statement is
//! canonical JSON with no time in it, so a reviewer may sign it anywhere with stock
//! `minisign -S`: `--statement-out FILE` writes the exact bytes, and `--signature
//! FILE.minisig --pubkey PUB` records the signature made elsewhere.

use super::{CommandError, CommandResult, Exit, clock, print, print_stderr};
use crate::approvals::statement::is_valid_role;
use crate::approvals::{ApprovalStatement, Choice};
use crate::bounded::{caps, read_capped};
use crate::cli::ApproveArgs;
use crate::keys::TrustedKey;
use crate::ledger::entry::Kind;
use crate::ledger::signed::{Signed, append_signed, signed_bytes};
use crate::ledger::{Mode, open};
use anyhow::anyhow;
use base64::Engine as _;
use std::path::Path;

pub fn run(args: &ApproveArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    if !is_valid_role(&args.role) {
        return Err(CommandError::config(anyhow!(
            "--role {:?}: a role is a lower-case name as the policy's [gates.approvals] spells it (e.g. security, maintainers)",
            args.role
        )));
    }
    let reason = args
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if args.reject && reason.is_none() {
        return Err(CommandError::config(anyhow!(
            "--reject needs a non-empty --reason: the proposer has to know what to fix"
        )));
    }
    let choice = if args.reject {
        Choice::Reject
    } else {
        Choice::Approve
    };
    let store = open(&args.store.store, Path::new("."), Mode::Existing)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let proposal = crate::approvals::read::proposal(store.as_ref(), &args.proposal)
        .map_err(|e| CommandError::config(anyhow!("{}: {e}", store.location())))?;
    let id = proposal.id.to_string();
    let statement = ApprovalStatement::new(&id, &proposal.statement, &args.role, choice, reason);
    let bytes = signed_bytes(&statement);

    if let Some(out) = &args.statement_out {
        crate::output::write_atomic(out, &bytes)
            .map_err(|e| CommandError::config(anyhow!("--statement-out {}: {e}", out.display())))?;
        print_stderr(&format!(
            "wrote the statement to {out} ({} of proposal {}); sign it with\n  minisign -S -s KEY -m {out}\nthen record it with\n  tollgate approve {id} --role {} {}--signature {out}.minisig --pubkey PUB\n",
            choice.as_str(),
            proposal.id.seq,
            args.role,
            if args.reject {
                "--reject --reason ... "
            } else {
                ""
            },
            out = out.display(),
        ))?;
        return Ok(Exit::Success);
    }

    let (minisig, public_key) = match (&args.signature, &args.pubkey) {
        (Some(path), Some(pubkey)) => {
            let text = read_capped(path, caps::SIGNATURE)
                .map_err(|e| CommandError::config(anyhow!("--signature: {}", e.describe(path))))?;
            let text = String::from_utf8(text).map_err(|_| {
                CommandError::config(anyhow!("--signature {} is not text", path.display()))
            })?;
            let key = TrustedKey::resolve(pubkey, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--pubkey {pubkey}: {e}")))?;
            (text, inline(&key))
        }
        _ => {
            let Some(signer) = super::signing_key::signer(&args.signing)? else {
                return Err(CommandError::config(anyhow!(
                    "give --key KEY, or --statement-out FILE (then --signature FILE.minisig --pubkey PUB)"
                )));
            };
            let comment = format!(
                "tollgate-approval proposal:{} role:{} decision:{}",
                proposal.id.seq,
                args.role,
                choice.as_str()
            );
            let text = signer
                .sign(&bytes, &comment)
                .map_err(CommandError::config)?;
            (text, signer.public_key_base64())
        }
    };
    let time = super::ledger_time(store.as_ref(), now, args.now.as_deref())?;
    let record = Signed {
        kind: Kind::Approval,
        environment: &proposal.statement.environment,
        time: &time,
        time_source: crate::ledger::clock::Source::signed(args.now.as_deref()),
        statement: &statement,
        minisig: &minisig,
        public_key: &public_key,
        attachments: Vec::new(),
    };
    let entry = append_signed(store.as_ref(), record, None).map_err(|e| {
        let hint = if args.signature.is_some() {
            " (the signature must be over the statement --statement-out wrote for the same \
             PROPOSAL, --role, --reject and --reason)"
        } else {
            ""
        };
        CommandError {
            exit: Exit::Usage,
            error: anyhow!(
                "{}: the {} was not recorded: {e}{hint}",
                store.location(),
                choice.as_str()
            ),
        }
    })?;
    let signer =
        crate::ledger::ops::signer_of(&minisig).map_err(|e| CommandError::config(anyhow!(e)))?;
    if signer == proposal.key_id {
        tracing::warn!(
            "key {signer} also signed proposal {}: the approvals gate does not count a proposer's own approval",
            proposal.id.seq
        );
    }
    print_stderr(&format!(
        "recorded {} of proposal {} as {} at {time}, signed by key {signer}; ledger entry {} in {}\n",
        choice.as_str(),
        proposal.id.seq,
        args.role,
        entry.seq,
        store.location()
    ))?;
    print(&format!("{entry}\n"))?;
    Ok(Exit::Success)
}

/// A public key as the inline "RW..." line a signed record stores.
fn inline(key: &TrustedKey) -> String {
    let mut bytes = Vec::with_capacity(42);
    bytes.extend_from_slice(b"Ed");
    bytes.extend_from_slice(key.key_id.as_bytes());
    bytes.extend_from_slice(&key.ed25519);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

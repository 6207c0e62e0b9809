//! `tollgate propose`: a signed proposal entry binding the release's subjects (every artifact
//! its sums file lists), the change's category and summary, and the rollback plan and change
//! log (stored in the ledger). Prints the proposal id: the entry id `SEQ:SHA256`.

use super::{CommandError, CommandResult, Exit, clock, print, print_stderr};
use crate::approvals::statement::{CHANGE_LOG, PROPOSAL_SCHEMA, ROLLBACK_PLAN};
use crate::approvals::{Category, FileRef, ProposalStatement};
use crate::bounded::{caps, read_capped};
use crate::cli::ProposeArgs;
use crate::ledger::entry::Kind;
use crate::ledger::signed::{Signed, append_signed, signed_bytes};
use crate::ledger::{Mode, open};
use anyhow::anyhow;
use std::path::Path;

pub fn run(args: &ProposeArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    let category: Category = args
        .category
        .parse()
        .map_err(|e| CommandError::config(anyhow!("--category: {e}")))?;
    let summary = args.summary.trim();
    if summary.is_empty() {
        return Err(CommandError::config(anyhow!(
            "--summary is empty: say what the change is; approvers sign over it"
        )));
    }
    let (plan_ref, plan) = document("--rollback-plan", &args.rollback_plan)?;
    let change_log = args
        .change_log
        .as_deref()
        .map(|path| document("--change-log", path))
        .transpose()?;
    let subjects = crate::approvals::subjects::from_sums(&args.release, &args.sums)
        .map_err(|e| CommandError::config(anyhow!("--release: {e}")))?;
    let Some(signer) = super::signing_key::signer(&args.signing)? else {
        return Err(CommandError::config(anyhow!(
            "tollgate propose needs --key KEY: a proposal is a signed statement, and its key is \
             the proposer's (it may not approve its own change)"
        )));
    };
    let statement = ProposalStatement {
        schema: PROPOSAL_SCHEMA.to_owned(),
        environment: args.environment.clone(),
        category,
        summary: summary.to_owned(),
        subjects,
        rollback_plan: plan_ref,
        change_log: change_log.as_ref().map(|(r, _)| r.clone()),
    };
    let comment = format!(
        "tollgate-proposal environment:{} category:{category}",
        args.environment
    );
    let minisig = signer
        .sign(&signed_bytes(&statement), &comment)
        .map_err(CommandError::config)?;
    let mut attachments = vec![(ROLLBACK_PLAN.to_owned(), plan)];
    if let Some((_, bytes)) = change_log {
        attachments.push((CHANGE_LOG.to_owned(), bytes));
    }
    let store = open(&args.store.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let time = super::ledger_time(store.as_ref(), now, args.now.as_deref())?;
    let public_key = signer.public_key_base64();
    let record = Signed {
        kind: Kind::Proposal,
        environment: &args.environment,
        time: &time,
        time_source: crate::ledger::clock::Source::signed(args.now.as_deref()),
        statement: &statement,
        minisig: &minisig,
        public_key: &public_key,
        attachments,
    };
    // The head is left to the next evaluate's verdict key: a proposer's key is not one that
    // `audit verify` is told about.
    let id = append_signed(store.as_ref(), record, None).map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!("{}: the proposal was not recorded: {e}", store.location()),
    })?;
    print_stderr(&format!(
        "proposed {category} change for {} ({} subjects) at {time}, signed by key {}; ledger entry {} in {}\n",
        args.environment,
        statement.subjects.len(),
        signer.key_id(),
        id.seq,
        store.location()
    ))?;
    print(&format!("{id}\n"))?;
    Ok(Exit::Success)
}

/// A document to attach: its reference and bytes; an empty or unreadable one is refused.
fn document(flag: &str, path: &Path) -> Result<(FileRef, Vec<u8>), CommandError> {
    let bytes = read_capped(path, caps::CHANGE_DOCUMENT)
        .map_err(|e| CommandError::config(anyhow!("{flag}: {}", e.describe(path))))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CommandError::config(anyhow!(
            "{flag} {} is empty: write the document first",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((FileRef::of(&name, &bytes), bytes))
}

//! `evaluate`'s side of the ledger: open the store, block a frozen environment, append the
//! entry while the outputs wait under temporary names, then publish them (a failed append is
//! exit 2 and leaves no verdict in `--out`).

use super::{CommandError, Exit};
use crate::cli::EvaluateArgs;
use crate::engine::{Evaluation, FreezeState as Decided};
use crate::ledger::append::append;
use crate::ledger::evidence::{Bases, collect};
use crate::ledger::freeze::FreezeState;
use crate::ledger::record::{self, Evaluated};
use crate::ledger::store::Store;
use crate::ledger::{DEFAULT_STORE, EntryId, Mode, open};
use crate::output::write_atomic;
use crate::policy::Policy;
use crate::signing::Signer;
use crate::verdict::{Verdict, rfc3339};
use anyhow::anyhow;
use std::path::Path;
use time::OffsetDateTime;

/// Name of the file beside verdict.json that says which ledger entry holds it (stdout of
/// `--format json` stays the verdict itself, byte for byte).
pub const ENTRY_FILE: &str = "ledger-entry.json";

/// `--store`, or `ledger` under `--out` for a `[demo]` policy, or `.tollgate/ledger` under `--repo`; created when absent.
pub fn open_store(args: &EvaluateArgs, policy: &Policy) -> Result<Box<dyn Store>, CommandError> {
    let (value, base) = match &args.store {
        Some(value) => (value.as_str(), Path::new(".")),
        // The demo keeps its ledger with its outputs, so it never touches a real one.
        None if policy.demo.is_some() => ("ledger", args.out.as_path()),
        None => (DEFAULT_STORE, args.repo.as_path()),
    };
    open(value, base, Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {value}: {e}")))
}

/// The environment's freeze state, from the chain's entries judged with the policy's ops keys.
/// When the policy demands witnesses, only a ledger consistent with a checkpoint they
/// cosigned is read (else the state is unknown, which blocks).
pub fn freeze_state(store: &dyn Store, policy: &Policy) -> Result<Option<FreezeState>, String> {
    crate::ledger::v2::witnessed::require(store, &policy.trust.witnesses)?;
    crate::ledger::freeze::state(store, policy.environment.as_str(), &policy.trust.ops_keys)
}

/// Decide with the environment's freeze state (frozen or unreadable blocks), and add the
/// `freeze` report that records it in the verdict.
pub fn apply_freeze(
    evaluation: &mut Evaluation,
    state: Result<Option<FreezeState>, String>,
    environment: &str,
) {
    let report = record::freeze_report(&state, environment);
    let frozen = state
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .map(|f| record::freeze_input(f, environment));
    let unknown = report.as_ref().and_then(|r| r.error.clone());
    let freeze = match (&frozen, &unknown) {
        (Some(frozen), _) => Decided::Frozen(frozen),
        (None, Some(why)) => Decided::Unknown(why),
        (None, None) => Decided::Open,
    };
    evaluation.decide_with_freeze(freeze, report);
}

/// The files `evaluate` wrote, for the entry.
pub struct Written<'a> {
    pub verdict: &'a Verdict,
    pub verdict_bytes: &'a [u8],
    pub provenance_bytes: &'a [u8],
    /// The verdict's and the provenance's `.minisig` texts, when signed.
    pub signatures: (Option<String>, Option<String>),
}

/// Append the evaluation's entry (the outputs are still staged).
pub fn record(
    args: &EvaluateArgs,
    policy: &Policy,
    store: &dyn Store,
    written: Written<'_>,
    signer: Option<&Signer>,
) -> Result<EntryId, CommandError> {
    let evidence = collect(
        written.verdict,
        policy,
        &Bases {
            release: &args.release,
            repo: &args.repo,
            policy_dir: &policy.dir,
        },
    );
    let pending = record::verdict_entry(Evaluated {
        verdict: written.verdict,
        verdict_bytes: written.verdict_bytes,
        verdict_signature: written.signatures.0.as_deref(),
        provenance_bytes: written.provenance_bytes,
        provenance_signature: written.signatures.1.as_deref(),
        evidence,
        time: rfc3339(OffsetDateTime::now_utc()),
    });
    let failed = |e: String| CommandError {
        exit: Exit::Usage,
        error: anyhow!(
            "the ledger at {} could not record this evaluation, so no verdict is written to {}: {e}",
            store.location(),
            args.out.display()
        ),
    };
    let id = append(store, pending, signer).map_err(failed)?;
    tracing::info!(entry = %id, store = %store.location(), "ledger entry appended");
    Ok(id)
}

/// Once the ledger holds entry `id`: rename the staged outputs into `--out` and write
/// `OUT/ledger-entry.json`.
pub fn publish(
    args: &EvaluateArgs,
    store: &dyn Store,
    id: &EntryId,
    staged: super::evaluate_outputs::Staged,
) -> Result<(), CommandError> {
    staged.commit().map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!(
            "ledger entry {id} records the verdict, but it cannot be written to {}: {e:#}",
            args.out.display()
        ),
    })?;
    let file = serde_json::json!({
        "id": id.to_string(),
        "seq": id.seq,
        "sha256": id.sha256,
        "store": store.location(),
    });
    let path = args.out.join(ENTRY_FILE);
    write_atomic(&path, &crate::verdict::canonical_json(&file)).map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!(
            "ledger entry {id} is recorded, but {} cannot be written: {e}",
            path.display()
        ),
    })?;
    Ok(())
}

/// The text report's line naming the entry.
pub fn report_line(id: &EntryId, store: &dyn Store) -> String {
    format!(
        "ledger: entry {} (sha256 {}) in {}",
        id.seq,
        id.sha256,
        store.location()
    )
}

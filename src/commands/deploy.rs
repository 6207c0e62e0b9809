//! `tollgate deploy record` and `tollgate rollback record`: ops-signed ledger entries saying
//! that a promoted release went to a stage, or that an environment went back to an earlier
//! release. Both need `--key`: only a record signed by a key in the policy's `[trust]
//! ops_keys` counts for the promotion gate, `audit timeline` and `audit last-good`. The
//! entry's time is the ledger's clock (`--now` only moves the verdict's expiry check).
//! Neither is written when the ledger's revocations (judged against `--ops-key`) revoke
//! the signing key, or the key of the verdict deployed or rolled back to (`trust.key-revoked`).

use super::audit::unreadable;
use super::{CommandError, CommandResult, Exit, clock, deploy_trust, print};
use crate::cli::{DeployRecordArgs, RollbackRecordArgs, SigningArgs, StoreArgs};
use crate::digest::DigestCache;
use crate::keys::{KeyId, TrustedKey};
use crate::ledger::entry::{Entry, Kind};
use crate::ledger::replay::read_blob;
use crate::ledger::rollout::{DeployStatement, RollbackStatement, is_valid_stage};
use crate::ledger::signed::{Signed, append_signed};
use crate::ledger::store::Store;
use crate::ledger::{Mode, open, ops, query};
use crate::signing::Signer;
use crate::verdict::Verdict;
use crate::verify::{Expectations, verify};
use anyhow::anyhow;
use std::path::Path;
use time::OffsetDateTime;

pub fn record(args: &DeployRecordArgs) -> CommandResult {
    if !is_valid_stage(&args.stage) {
        return Err(CommandError::config(anyhow!(
            "--stage {:?} is not a lower-case kebab-case name (e.g. canary, wave-10, all)",
            args.stage
        )));
    }
    let now = clock(args.now.as_deref())?;
    let key = TrustedKey::resolve(&args.pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--pubkey {}: {e}", args.pubkey)))?;
    let digests = DigestCache::new();
    let expect = Expectations {
        environment: None,
        policy_sha256: None,
        commit: None,
        artifacts: &[],
        now,
        digests: &digests,
    };
    let verified = verify(&args.verdict, &key, &expect).map_err(|invalid| CommandError {
        exit: Exit::Failure,
        error: anyhow!(
            "{} cannot be recorded as deployed: {}",
            args.verdict.display(),
            invalid.problems.join("; ")
        ),
    })?;
    let Some(verdict) = verified.verdict else {
        return Err(CommandError::config(anyhow!(
            "{} is a verification summary (VSA); deploy record needs verdict.json, which names the stage, subjects and commit",
            args.verdict.display()
        )));
    };
    if let Some(stage) = &verdict.stage
        && *stage != args.stage
    {
        return Err(CommandError::config(anyhow!(
            "--stage {}: the verdict was evaluated for stage {stage}; deploy it there",
            args.stage
        )));
    }
    let signer = ops_signer(&args.signing, "deploy")?;
    let store = open_store(&args.store)?;
    let revocations = deploy_trust::revocations(store.as_ref(), &args.ops_keys)?;
    let logged = verdict_logged_at(store.as_ref(), &verified.sha256)?;
    deploy_trust::check(
        &revocations,
        &key.key_id,
        logged.as_deref(),
        &format!(
            "{} is signed by a revoked verdict key{}",
            args.verdict.display(),
            match &logged {
                Some(t) => format!(
                    " (the ledger recorded it at {t}, not before the revocation took effect)"
                ),
                None => " (the ledger does not show it recorded before the revocation took effect)"
                    .to_owned(),
            }
        ),
    )?;
    deploy_trust::check(
        &revocations,
        &deploy_trust::signer_id(&signer)?,
        None,
        "the deploy's signing key (--key) is revoked",
    )?;
    let time = super::ledger_time(store.as_ref(), OffsetDateTime::now_utc(), None)?;
    let environment = verdict.environment.as_str();
    let statement = DeployStatement {
        action: "deploy".to_owned(),
        verdict_sha256: verified.sha256.clone(),
        environment: environment.to_owned(),
        stage: args.stage.clone(),
        target: args.target.clone().filter(|t| !t.trim().is_empty()),
        subjects: verdict.subjects.clone(),
        commit: verdict.commit.as_ref().map(|c| c.sha.clone()),
        time: time.clone(),
    };
    let minisig = ops::sign(&statement, &signer).map_err(CommandError::config)?;
    let public_key = signer.public_key_base64();
    let id = append_signed(
        store.as_ref(),
        Signed {
            kind: Kind::Deploy,
            environment,
            time: &time,
            time_source: crate::ledger::clock::Source::Signed,
            statement: &statement,
            minisig: &minisig,
            public_key: &public_key,
            attachments: Vec::new(),
        },
        Some(&signer),
    )
    .map_err(|e| not_recorded(store.as_ref(), "deploy", e))?;
    print(&format!(
        "{environment}/{}: deployed verdict {} ({} artifact(s){}) at {time} (ledger entry {id}, signed by key {}; it counts where the policy's [trust] ops_keys holds that key)\n",
        args.stage,
        verified.sha256,
        verdict.subjects.len(),
        statement
            .commit
            .as_deref()
            .map(|c| format!(", commit {c}"))
            .unwrap_or_default(),
        signer.key_id()
    ))?;
    Ok(Exit::Success)
}

pub fn rollback(args: &RollbackRecordArgs) -> CommandResult {
    if args.reason.trim().is_empty() {
        return Err(CommandError::config(anyhow!(
            "--reason is empty: say why, it is kept in the ledger and shown in the release's timeline"
        )));
    }
    clock(args.now.as_deref())?;
    let signer = ops_signer(&args.signing, "rollback")?;
    let store = open(&args.store.store, Path::new("."), Mode::Existing)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let revocations = deploy_trust::revocations(store.as_ref(), &args.ops_keys)?;
    deploy_trust::check(
        &revocations,
        &deploy_trust::signer_id(&signer)?,
        None,
        "the rollback's signing key (--key) is revoked",
    )?;
    let (verdict_sha256, verdict, signed) = target(store.as_ref(), &args.to)?;
    if let Some((key_id, time)) = &signed {
        deploy_trust::check(
            &revocations,
            key_id,
            Some(time),
            &format!(
                "--to {}: the verdict rolled back to (recorded at {time}) is signed by a revoked key; roll back to a release whose verdict still verifies",
                args.to
            ),
        )?;
    }
    if verdict.environment.as_str() != args.environment {
        return Err(CommandError::config(anyhow!(
            "--to {}: that release's verdict is for {}, not {}; a rollback goes back to a release of the same environment",
            args.to,
            verdict.environment,
            args.environment
        )));
    }
    let time = super::ledger_time(store.as_ref(), OffsetDateTime::now_utc(), None)?;
    let statement = RollbackStatement {
        action: "rollback".to_owned(),
        environment: args.environment.clone(),
        to_verdict_sha256: verdict_sha256.clone(),
        to_subjects: verdict.subjects.clone(),
        to_commit: verdict.commit.as_ref().map(|c| c.sha.clone()),
        reason: args.reason.trim().to_owned(),
        time: time.clone(),
    };
    let minisig = ops::sign(&statement, &signer).map_err(CommandError::config)?;
    let public_key = signer.public_key_base64();
    let id = append_signed(
        store.as_ref(),
        Signed {
            kind: Kind::Rollback,
            environment: &args.environment,
            time: &time,
            time_source: crate::ledger::clock::Source::Signed,
            statement: &statement,
            minisig: &minisig,
            public_key: &public_key,
            attachments: Vec::new(),
        },
        Some(&signer),
    )
    .map_err(|e| not_recorded(store.as_ref(), "rollback", e))?;
    print(&format!(
        "{}: rolled back to verdict {verdict_sha256} at {time}: {} (ledger entry {id}, signed by key {})\n",
        args.environment,
        statement.reason,
        signer.key_id()
    ))?;
    Ok(Exit::Success)
}

/// A verdict signature's key id and the ledger time of the verdict's entry.
type SignedAt = (KeyId, String);

/// The verdict `--to` names (a verdict entry, a deploy entry's verdict, or a digest), and
/// the key id of its signature with the verdict entry's ledger time, when it is signed.
fn target(
    store: &dyn Store,
    to: &str,
) -> Result<(String, Verdict, Option<SignedAt>), CommandError> {
    let (_, entry) =
        query::find(store, to).map_err(|e| CommandError::config(anyhow!("--to {to}: {e}")))?;
    let entry = match entry.kind {
        Kind::Verdict => entry,
        Kind::Deploy => {
            let deployed: DeployStatement = crate::ledger::signed::statement(&entry)
                .map_err(|e| CommandError::config(anyhow!("--to {to}: {e}")))?;
            let ids =
                query::verdict_entries(store, &deployed.verdict_sha256).map_err(unreadable)?;
            let first = ids.first().ok_or_else(|| {
                CommandError::config(anyhow!(
                    "--to {to}: the deploy names verdict {}, which this ledger does not hold",
                    deployed.verdict_sha256
                ))
            })?;
            query::read_entry(store, first.seq).map_err(unreadable)?.1
        }
        other => {
            return Err(CommandError::config(anyhow!(
                "--to {to}: that is a {} entry; name a verdict (its digest or entry) or a deploy entry",
                other.as_str()
            )));
        }
    };
    let (sha256, verdict) =
        verdict_of(store, &entry).map_err(|e| CommandError::config(anyhow!("--to {to}: {e}")))?;
    let signed = match &entry.verdict_signature {
        Some(blob) => {
            let text = read_blob(store, blob)
                .map_err(|e| CommandError::config(anyhow!("--to {to}: {e}")))?;
            KeyId::of_signature(&String::from_utf8_lossy(&text))
                .map(|(_, key)| (key, entry.time.clone()))
        }
        None => None,
    };
    Ok((sha256, verdict, signed))
}

/// The ledger time of the first entry holding the verdict with this digest, if any.
fn verdict_logged_at(store: &dyn Store, sha256: &str) -> Result<Option<String>, CommandError> {
    let Some(first) = query::verdict_entries(store, sha256)
        .map_err(unreadable)?
        .first()
        .cloned()
    else {
        return Ok(None);
    };
    Ok(Some(
        query::read_entry(store, first.seq)
            .map_err(unreadable)?
            .1
            .time,
    ))
}

/// A verdict entry's verdict, read from its blob (re-hashed).
fn verdict_of(store: &dyn Store, entry: &Entry) -> Result<(String, Verdict), String> {
    let blob = entry
        .verdict
        .as_ref()
        .ok_or_else(|| format!("entry {} holds no verdict", entry.seq))?;
    let bytes = read_blob(store, blob)?;
    let verdict = serde_json::from_slice(&bytes)
        .map_err(|e| format!("entry {}: its verdict does not parse: {e}", entry.seq))?;
    Ok((blob.sha256.clone(), verdict))
}

fn ops_signer(signing: &SigningArgs, what: &str) -> Result<Signer, CommandError> {
    super::signing_key::signer(signing)?.ok_or_else(|| {
        CommandError::config(anyhow!(
            "tollgate {what} record needs --key OPSKEY: only a {what} signed by a key in the \
             policy's [trust] ops_keys counts, so an unsigned one is never written"
        ))
    })
}

fn open_store(args: &StoreArgs) -> Result<Box<dyn Store>, CommandError> {
    open(&args.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store)))
}

fn not_recorded(store: &dyn Store, what: &str, e: String) -> CommandError {
    CommandError {
        exit: Exit::Usage,
        error: anyhow!("{}: the {what} was not recorded: {e}", store.location()),
    }
}

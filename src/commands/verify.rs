//! `tollgate verify`: is this verdict signed by this key, current, for this environment,
//! made with this policy, about this commit and these artifacts, and recorded in this ledger?
//! What a deploy job needs bound; `--environment` is required.

use super::verify_ledger::{Checked, Logged};
use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::{OutputFormat, VerifyArgs};
use crate::github::{Annotation, Level};
use crate::keys::TrustedKey;
use crate::ledger::store::Store;
use crate::ledger::{EntryId, Mode, open};
use crate::term::Role;
use crate::verify::{Expectations, Form, Invalid, Verified, is_full_commit, verify};
use anyhow::anyhow;
use serde_json::json;
use std::path::Path;

pub fn run(args: &VerifyArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    let key = TrustedKey::resolve(&args.pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--pubkey {}: {e}", args.pubkey)))?;
    let environment = args
        .environment
        .as_deref()
        .ok_or_else(|| {
            CommandError::config(anyhow!(
                "--environment is required: name the environment this job deploys to \
                 (regtest, testnet or mainnet); a verdict for testnet must never deploy to mainnet"
            ))
        })?
        .parse()
        .map_err(|e: String| CommandError::config(anyhow!(e)))?;
    let policy_sha256 = match &args.policy_sha256 {
        Some(hex) if crate::ledger::entry::is_sha256(&hex.to_ascii_lowercase()) => {
            Some(hex.to_ascii_lowercase())
        }
        Some(hex) => {
            return Err(CommandError::config(anyhow!(
                "--policy-sha256 {hex:?}: expected the policy file's SHA-256, 64 hex digits (`sha256sum gates/ENV.toml`)"
            )));
        }
        None => None,
    };
    if let Some(commit) = &args.commit
        && !is_full_commit(commit)
    {
        return Err(CommandError::config(anyhow!(
            "--commit {commit:?}: expected the full commit SHA (40 hex digits, or 64 for SHA-256 repositories), not a prefix another commit could share"
        )));
    }
    let store = match &args.store {
        Some(value) => Some(
            open(value, Path::new("."), Mode::Existing)
                .map_err(|e| CommandError::config(anyhow!("--store {value}: {e}")))?,
        ),
        None => None,
    };
    let (digests, progress) = super::progress::hashing();
    let expect = Expectations {
        environment: Some(environment),
        policy_sha256: policy_sha256.as_deref(),
        commit: args.commit.as_deref(),
        artifacts: &args.artifact,
        now,
        digests: &digests,
    };
    let witnesses = super::verify_ledger::witnesses(args)?;
    let ops_keys = ops_keys(args)?;
    let result = verify(&args.verdict, &key, &expect);
    drop(progress);
    if let Some(store) = store.as_deref() {
        revocations_need_ops_keys(store, &ops_keys)?;
    }
    let log_keys: Vec<&TrustedKey> = std::iter::once(&key).chain(&ops_keys).collect();
    let (result, logged) =
        match super::verify_ledger::by_proof(result, args, store.as_deref(), &log_keys, &witnesses)
        {
            Checked::Done(result, logged) => (result, logged),
            Checked::V1(ok) => match store.as_deref().map(|store| recorded(store, &ok)) {
                Some(Ok(id)) => (Ok(ok), Some(Logged::Entry(id))),
                Some(Err(problem)) => (
                    Err(Invalid {
                        problems: vec![problem],
                    }),
                    None,
                ),
                None => (Ok(ok), None),
            },
        };
    let result = match result {
        Ok(ok) => match revoked(
            args,
            store.as_deref(),
            &ops_keys,
            &key,
            &ok,
            logged.as_ref().and_then(Logged::time),
        )? {
            Some(problem) => Err(Invalid {
                problems: vec![problem],
            }),
            None => Ok(ok),
        },
        bad => bad,
    };
    let location = store.as_ref().map(|s| s.location());
    let ledger_text = logged
        .as_ref()
        .map(|l| l.text(location.as_deref()))
        .unwrap_or_default();
    let (ledger_entry, proof) = Logged::json(logged.as_ref());
    let palette = crate::term::Palette::for_stdout();
    let (text, exit) = match (&result, args.format) {
        (Ok(ok), OutputFormat::Json) => (
            with_proof(proof.clone(), json!({"valid": true, "verdict": args.verdict, "sha256": ok.sha256, "environment": ok.claims.environment,
                   "decision": ok.claims.decision, "expires_at": ok.claims.expires_at, "subjects": ok.claims.subjects.len(),
                   "form": match ok.form { Form::Verdict => "verdict", Form::Vsa => "vsa" },
                   "key_id": key.key_id.to_string(), "ledger_entry": ledger_entry}))
            .to_string() + "\n",
            Exit::Success,
        ),
        (Err(bad), OutputFormat::Json) => (
            json!({"valid": false, "verdict": args.verdict, "problems": bad.problems}).to_string() + "\n",
            Exit::Failure,
        ),
        (Ok(ok), OutputFormat::Text) => (
            format!(
                "{} {} promotes to {} ({}signed by key {}, {}sha256 {}, {} subject(s), expires {}{ledger_text})\n",
                palette.paint(Role::Good, "valid:"),
                args.verdict.display(),
                ok.claims.environment,
                if ok.form == Form::Vsa { "SLSA VSA in a DSSE envelope, " } else { "" },
                key.key_id,
                if ok.form == Form::Vsa { "verdict " } else { "" },
                ok.sha256,
                ok.claims.subjects.len(),
                ok.claims.expires_at
            ),
            Exit::Success,
        ),
        (Err(bad), OutputFormat::Text) => {
            let mut text = format!(
                "{} {}\n",
                palette.paint(Role::Bad, "INVALID:"),
                args.verdict.display()
            );
            for problem in &bad.problems {
                text.push_str(&format!("  - {problem}\n"));
            }
            (text, Exit::Failure)
        }
    };
    print(&text)?;
    if let (Err(bad), Some(_)) = (&result, crate::github::Runner::detect()) {
        // The deploy job's log shows why it stopped, as an annotation on the run.
        let annotation = Annotation::new(
            Level::Error,
            format!(
                "{} is not valid:\n- {}",
                args.verdict.display(),
                bad.problems.join("\n- ")
            ),
        )
        .title("tollgate verify: INVALID");
        super::annotate(&[annotation])?;
    }
    Ok(exit)
}

/// The `--ops-key` keys (also trusted to have signed a proof's checkpoint).
fn ops_keys(args: &VerifyArgs) -> Result<Vec<TrustedKey>, CommandError> {
    args.ops_keys
        .iter()
        .map(|k| {
            TrustedKey::resolve(k, Path::new("."))
                .map_err(|e| CommandError::config(anyhow!("--ops-key {k}: {e}")))
        })
        .collect()
}

/// The JSON output with `proof` added when the ledger check was a proof.
fn with_proof(proof: serde_json::Value, mut output: serde_json::Value) -> serde_json::Value {
    if !proof.is_null()
        && let Some(map) = output.as_object_mut()
    {
        map.insert("proof".to_owned(), proof);
    }
    output
}

/// Check that `store` is an intact ledger (chain, blobs, head, ops signatures) and that it
/// records the verdict; returns the newest entry holding it, or the problem.
fn recorded(store: &dyn Store, verified: &Verified) -> Result<EntryId, String> {
    let location = store.location();
    let outcome = crate::ledger::verify::verify(store, None, &[])
        .map_err(|e| format!("cannot verify the ledger at {location}: {e}"))?;
    if let Some(first) = outcome.breaks.first() {
        return Err(format!(
            "the ledger at {location} is not intact ({}: {}); run `tollgate audit verify --store {location}`",
            first.key, first.message
        ));
    }
    let found = crate::ledger::query::verdict_entries(store, &verified.sha256)
        .map_err(|e| format!("cannot read the ledger at {location}: {e}"))?;
    found.into_iter().last().ok_or_else(|| {
        format!(
            "the verdict (sha256 {}) is not recorded in the ledger at {location}: a signed verdict outside the ledger is not accepted",
            verified.sha256
        )
    })
}

/// A ledger holding key revocations is read only with the ops keys that can judge them
/// (exit 2 without `--ops-key`), before anything else is checked against it.
fn revocations_need_ops_keys(
    store: &dyn Store,
    ops_keys: &[TrustedKey],
) -> Result<(), CommandError> {
    let stored =
        crate::ledger::revocation::stored(store).map_err(|e| CommandError::config(anyhow!(e)))?;
    if ops_keys.is_empty() && !stored.is_empty() {
        return Err(CommandError::config(anyhow!(
            "the ledger at {} holds key revocations: pass --ops-key (the policy's [trust] ops_keys) so that they can be checked",
            store.location()
        )));
    }
    Ok(())
}

/// Whether the verdict key is revoked for this verdict, per the ledger (`--store`) or a
/// signed revocation list (`--revocations`): a problem naming the revocation, or `None`.
/// The verdict's time of use is the ledger time of its first entry; a verdict the ledger
/// does not hold is treated as used now.
fn revoked(
    args: &VerifyArgs,
    store: Option<&dyn Store>,
    ops_keys: &[TrustedKey],
    key: &TrustedKey,
    verified: &Verified,
    logged_time: Option<&str>,
) -> Result<Option<String>, CommandError> {
    use crate::ledger::revocation::{self, Revocations};
    if store.is_none() && args.revocations.is_none() {
        return Ok(None);
    }
    let text = |e: String| CommandError::config(anyhow!(e));
    let mut all = Revocations::none();
    let mut used: Option<String> = None;
    if let Some(store) = store {
        all = Revocations::from_store(store, ops_keys).map_err(text)?;
        if let Some(first) = crate::ledger::query::verdict_entries(store, &verified.sha256)
            .map_err(text)?
            .first()
        {
            used = Some(
                crate::ledger::query::read_entry(store, first.seq)
                    .map_err(text)?
                    .1
                    .time,
            );
        }
    }
    if used.is_none() {
        used = logged_time.map(str::to_owned);
    }
    if let Some(path) = &args.revocations {
        if ops_keys.is_empty() {
            return Err(CommandError::config(anyhow!(
                "--revocations needs --ops-key: only a list and revocations signed by an ops key count"
            )));
        }
        let list = revocation::read_list(path, ops_keys)
            .map_err(|e| CommandError::config(anyhow!("--revocations {}: {e}", path.display())))?;
        if used.is_none() {
            used = list.logged_time(&verified.sha256).map(str::to_owned);
        }
        all.revocations.extend(list.revocations);
    }
    Ok(all.check(&key.key_id, used.as_deref()).err().map(|r| {
        let when = match &used {
            Some(t) => format!(
                "the ledger recorded this verdict at {t}, not before the revocation took effect"
            ),
            None => {
                "the ledger does not show this verdict recorded before the revocation took effect"
                    .to_owned()
            }
        };
        format!("trust.key-revoked: {r}; {when}")
    }))
}

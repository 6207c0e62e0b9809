//! `tollgate verify`: is this verdict signed by this key, current, for this environment,
//! made with this policy, about this commit and these artifacts, and recorded in this ledger?
//! What a deploy job needs bound; `--environment` is required.

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
    let result = verify(&args.verdict, &key, &expect);
    drop(progress);
    let (result, entry) = match (result, &store) {
        (Ok(ok), Some(store)) => match recorded(store.as_ref(), &ok) {
            Ok(id) => (Ok(ok), Some(id)),
            Err(problem) => (
                Err(Invalid {
                    problems: vec![problem],
                }),
                None,
            ),
        },
        (result, _) => (result, None),
    };
    let ledger_text = match (&entry, &store) {
        (Some(id), Some(store)) => format!(", recorded in {} as entry {id}", store.location()),
        _ => String::new(),
    };
    let palette = crate::term::Palette::for_stdout();
    let (text, exit) = match (&result, args.format) {
        (Ok(ok), OutputFormat::Json) => (
            json!({"valid": true, "verdict": args.verdict, "sha256": ok.sha256, "environment": ok.claims.environment,
                   "decision": ok.claims.decision, "expires_at": ok.claims.expires_at, "subjects": ok.claims.subjects.len(),
                   "form": match ok.form { Form::Verdict => "verdict", Form::Vsa => "vsa" },
                   "key_id": key.key_id.to_string(), "ledger_entry": entry.as_ref().map(ToString::to_string)})
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

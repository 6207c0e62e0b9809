//! `tollgate evaluate`: gates → verdict (+ signature) → provenance (+ signature), then report.

use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::{EvaluateArgs, ReportFormat};
use crate::digest::sha256_hex;
use crate::engine::{self, Decision, Inputs};
use crate::policy::Policy;
use crate::provenance::{self, ConfigFile, ProvenanceInputs};
use crate::verdict::{Verdict, rfc3339};
use anyhow::{Context, anyhow};
use std::path::Path;
use time::OffsetDateTime;

pub fn run(args: &EvaluateArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    let started = OffsetDateTime::now_utc();
    let policy = crate::policy::load(&args.policy).map_err(CommandError::config)?;
    crate::policy::check_waiver_horizon(&policy, now).map_err(CommandError::config)?;
    if let Some(wanted) = &args.environment
        && wanted != policy.environment.as_str()
    {
        return Err(CommandError::config(anyhow!(
            "--environment {wanted}: {} is a policy for {}; a policy never promotes to another environment",
            args.policy.display(),
            policy.environment
        )));
    }
    if !args.release.is_dir() {
        return Err(CommandError::config(anyhow!(
            "--release {}: not a directory; point it at the folder holding the artifacts and SHA256SUMS",
            args.release.display()
        )));
    }
    // Check the key and read its password now, so a bad flag fails fast; the key itself is
    // read only after every gate has finished and every child is reaped (below).
    let mut pending_key = super::signing_key::prepare(&args.signing)?;
    if let (None, Some(demo)) = (&pending_key, &policy.demo) {
        tracing::warn!(
            key = %demo.verdict_key.display(),
            "signing with the policy's [demo] verdict key: it is committed to the repository, so this verdict proves nothing outside the demo"
        );
        pending_key = Some(crate::signing::PendingKey::demo(&demo.verdict_key));
    }
    if pending_key.is_none() {
        tracing::warn!(
            "no --key given: the verdict and provenance are written unsigned and cannot be verified"
        );
    }
    let commit = crate::repo::commit(&args.repo).map_err(|e| CommandError::config(anyhow!(e)))?;
    let store = super::evaluate_ledger::open_store(args, &policy)?;
    // Read before the gates run: a freeze recorded after this point applies to the next run.
    let freeze = super::evaluate_ledger::freeze_state(store.as_ref(), &policy);

    std::fs::create_dir_all(&args.out).map_err(|e| {
        CommandError::config(anyhow!(
            "cannot create output directory {}: {e}",
            args.out.display()
        ))
    })?;
    let gates = crate::gates::from_policy(&policy);
    let inputs = Inputs {
        policy: &policy,
        release: &args.release,
        repo: &args.repo,
        out: &args.out,
        now,
        store: Some(store.as_ref()),
    };
    let (digests, progress) = super::progress::hashing();
    // Asking the toolchain for its versions takes two process runs: do it while gates run.
    let (toolchain, mut evaluation) = std::thread::scope(|scope| {
        let toolchain = scope.spawn(|| crate::repo::toolchain(&args.repo));
        let evaluation = engine::evaluate_with(&inputs, &gates, &digests);
        (toolchain.join(), evaluation)
    });
    drop(progress);
    let toolchain = toolchain.unwrap_or_else(|_| crate::repo::Toolchain::unavailable("panicked"));
    // Every gate has returned and the engine waited for each; no child may run now.
    let signer = super::signing_key::load(pending_key)?;
    if let Some(signer) = &signer {
        refuse_revoked(store.as_ref(), &policy, signer, now)?;
    }
    super::evaluate_ledger::apply_freeze(&mut evaluation, freeze, policy.environment.as_str());
    let verdict = Verdict::new(&evaluation, &policy, commit, now);
    let verdict_bytes = verdict.canonical_bytes();
    let verdict_sha = sha256_hex(&verdict_bytes);

    let host = crate::repo::host();
    let config_files = config_files(&policy).map_err(CommandError::config)?;
    let ci = provenance::ci_from_env();
    let (repo, release) = (absolute(&args.repo), absolute(&args.release));
    let (started_on, finished_on) = (rfc3339(started), rfc3339(OffsetDateTime::now_utc()));
    let rebuild_toolchain = provenance::rebuild_toolchain(&verdict);
    let provenance_bytes = provenance::statement(&ProvenanceInputs {
        verdict: &verdict,
        verdict_sha256: &verdict_sha,
        policy: &policy,
        config_files: &config_files,
        repo: &repo,
        release: &release,
        toolchain: &toolchain,
        host: &host,
        ci: &ci,
        started_on: &started_on,
        finished_on: &finished_on,
        rebuild_toolchain: rebuild_toolchain.as_ref(),
    });

    let resource_uri = match &args.resource_uri {
        Some(uri) => uri.clone(),
        None => crate::vsa::file_uri(&release),
    };
    let vsa_bytes = crate::vsa::statement(&crate::vsa::VsaInputs {
        verdict: &verdict,
        verdict_sha256: &verdict_sha,
        resource_uri: &resource_uri,
    });

    // Staged under temporary names; renamed into --out only once the ledger holds the entry.
    let statements = super::evaluate_outputs::Statements {
        provenance: &provenance_bytes,
        vsa: &vsa_bytes,
    };
    let staged = super::evaluate_outputs::stage(
        &args.out,
        &verdict,
        &verdict_bytes,
        &verdict_sha,
        &statements,
        signer.as_ref(),
    )
    .map_err(|error| CommandError {
        exit: Exit::Usage,
        error,
    })?;
    let written = super::evaluate_ledger::Written {
        verdict: &verdict,
        verdict_bytes: &verdict_bytes,
        provenance_bytes: &provenance_bytes,
        signatures: staged.signatures.clone(),
    };
    let entry =
        super::evaluate_ledger::record(args, &policy, store.as_ref(), written, signer.as_ref())?;
    super::evaluate_ledger::publish(args, store.as_ref(), &entry, staged)?;

    let report = match args.format {
        ReportFormat::Text => {
            let signed = if signer.is_some() {
                "signed"
            } else {
                "UNSIGNED: pass --key to sign"
            };
            let palette = crate::term::Palette::for_stdout();
            let (body, decision) = crate::render::text_parts(&verdict, palette);
            let check = signer
                .as_ref()
                .map(|s| check_commands(&args.out, &s.public_key_base64(), &policy))
                .unwrap_or_default();
            format!(
                "{body}written: {} (sha256 {verdict_sha}, {signed}), {}, {}\n{}\n{check}{decision}",
                args.out.join("verdict.json").display(),
                args.out.join(super::evaluate_outputs::VSA).display(),
                args.out.join("provenance.json").display(),
                super::evaluate_ledger::report_line(&entry, store.as_ref()),
            )
        }
        ReportFormat::Json => String::from_utf8_lossy(&verdict_bytes).into_owned(),
        ReportFormat::Markdown => crate::render::markdown(&verdict),
        ReportFormat::Sarif => sarif(args, &policy, &verdict),
    };
    if let Some(path) = &args.sarif {
        crate::output::write_atomic(path, sarif(args, &policy, &verdict).as_bytes()).map_err(
            |e| CommandError {
                exit: Exit::Usage,
                error: anyhow!("cannot write the SARIF report {}: {e}", path.display()),
            },
        )?;
    }
    match crate::github::Runner::detect() {
        Some(runner) => {
            let step = super::github_step::Step {
                args,
                policy: &policy,
                verdict: &verdict,
                verdict_sha256: &verdict_sha,
                signed: signer.is_some(),
                entry: &entry,
            };
            super::github_step::finish(&runner, &step, &report)?;
        }
        None => print(&report)?,
    }
    Ok(match verdict.decision {
        Decision::Promote => Exit::Success,
        Decision::Block => Exit::Failure,
    })
}

/// The SARIF report: finding paths resolved under the release, repository or policy
/// directory, relative to `GITHUB_WORKSPACE` (or the working directory) when inside it, as
/// code scanning matches results against repository paths.
fn sarif(args: &EvaluateArgs, policy: &Policy, verdict: &Verdict) -> String {
    let workspace = std::env::var_os("GITHUB_WORKSPACE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_dir().ok());
    let paths = crate::github::Paths {
        bases: vec![&args.release, &args.repo, &policy.dir],
        workspace: workspace.as_deref(),
    };
    let locate = |path: &str| {
        let resolved = paths.resolve(path);
        if Path::new(&resolved).is_absolute() {
            crate::vsa::file_uri(&resolved)
        } else {
            crate::vsa::uri_reference(&resolved)
        }
    };
    crate::render::sarif(verdict, &locate)
}

/// The policy file and every trusted key file, with their digests.
fn config_files(policy: &Policy) -> anyhow::Result<Vec<ConfigFile>> {
    let mut files = vec![ConfigFile {
        name: policy.path.to_string_lossy().into_owned(),
        sha256: policy.sha256.clone(),
    }];
    for key in policy
        .trust
        .artifact_keys
        .iter()
        .chain(&policy.trust.verdict_keys)
        .chain(&policy.trust.ops_keys)
    {
        let (name, bytes) = match &key.path {
            Some(path) => (
                path.to_string_lossy().into_owned(),
                std::fs::read(path)
                    .with_context(|| format!("cannot read trusted key {}", path.display()))?,
            ),
            None => (
                format!("inline key {}", key.key_id),
                key.source.clone().into_bytes(),
            ),
        };
        files.push(ConfigFile {
            name,
            sha256: sha256_hex(&bytes),
        });
    }
    // The smoke spec shapes the decision as much as the policy does: record it too.
    if let Some(smoke) = &policy.gates.smoke {
        files.push(ConfigFile {
            name: smoke.spec.path.to_string_lossy().into_owned(),
            sha256: smoke.spec.sha256.clone(),
        });
    }
    Ok(files)
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// `evaluate` never signs with a verdict key that a counting revocation in the ledger has
/// revoked (`trust.key-revoked`).
fn refuse_revoked(
    store: &dyn crate::ledger::store::Store,
    policy: &crate::policy::Policy,
    signer: &crate::signing::Signer,
    now: OffsetDateTime,
) -> Result<(), CommandError> {
    let revocations =
        crate::ledger::revocation::Revocations::from_store(store, &policy.trust.ops_keys).map_err(
            |e| CommandError::config(anyhow!("cannot read the ledger's key revocations: {e}")),
        )?;
    let Some((_, key)) = crate::keys::KeyId::from_blob_base64(&signer.public_key_base64()) else {
        return Ok(());
    };
    revocations
        .check(&key, Some(&rfc3339(now)))
        .map_err(|revoked| {
            CommandError::config(anyhow!(
                "trust.key-revoked: refusing to sign the verdict: {revoked}; sign with the verdict key that replaced it"
            ))
        })
}

/// The exact commands that check the signed verdict: tollgate's own and stock minisign.
fn check_commands(out: &Path, public_key: &str, policy: &Policy) -> String {
    let verdict = out.join("verdict.json");
    let verdict = shell_word(&verdict.to_string_lossy());
    format!(
        "check it:\n  tollgate verify {verdict} --pubkey {public_key} --environment {}\n  minisign -Vm {verdict} -P {public_key}\n",
        policy.environment
    )
}

/// `text` as one POSIX shell word: as is when it holds only safe characters, else in single
/// quotes (a quote inside becomes `'\''`).
fn shell_word(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shell_words_survive_spaces_and_quotes() {
        assert_eq!(
            super::shell_word("demo-out/verdict.json"),
            "demo-out/verdict.json"
        );
        assert_eq!(super::shell_word("a b/it's"), "'a b/it'\\''s'");
        assert_eq!(super::shell_word("$(id)"), "'$(id)'");
    }
}

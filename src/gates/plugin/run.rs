//! Running one plugin: the request it gets, the bounded run, and the files kept under
//! `--out/plugins/` (request, report, stderr) whose digests go into the gate's evidence.

use super::config::Config;
use super::describe;
use super::protocol::{self, Artifact, PROTOCOL, Request};
use crate::gates::GateContext;
use crate::process::{Keep, Limits, Spawn};
use crate::release::ReleaseDir;
use crate::report::Evidence;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;

/// A report longer than this is not a report.
pub const STDOUT_CAP: usize = 4 << 20;
/// The end of stderr is kept (the part that says why a plugin stopped).
pub const STDERR_CAP: usize = 64 << 10;
/// Between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
/// How much of stderr an error message quotes.
const STDERR_QUOTE: usize = 1000;

/// A plugin run that exited 0 within its timeout.
pub struct Ran {
    pub stdout: Vec<u8>,
    /// The stderr tail to append to an error message (empty when stderr was empty).
    pub stderr_note: String,
    pub left_processes: bool,
}

/// Run the plugin on this evaluation's request. Evidence of the program, the request, the
/// report and stderr is pushed as it is produced; `Err` means the plugin did not produce a
/// report (it could not start, timed out, exited non-zero, or printed too much).
pub fn run(
    config: &Config,
    ctx: &GateContext<'_>,
    evidence: &mut Vec<Evidence>,
) -> Result<Ran, String> {
    let who = describe(config);
    let (release, repo) = roots(ctx)?;
    let request = Request {
        protocol: PROTOCOL,
        gate: config.name.clone(),
        config: config.config.clone(),
        environment: ctx.policy.environment.as_str().to_owned(),
        release: release.to_string_lossy().into_owned(),
        repo: repo.to_string_lossy().into_owned(),
        now: ctx
            .now
            .format(&Rfc3339)
            .map_err(|e| format!("cannot format the clock: {e}"))?,
        artifacts: artifacts(&release, ctx)?,
    };
    let mut bytes = serde_json::to_vec_pretty(&request)
        .map_err(|e| format!("cannot encode the request for {who}: {e}"))?;
    bytes.push(b'\n');
    if config.program.is_absolute()
        && let Ok(digest) = ctx.digests.digest(&config.program)
    {
        evidence.push(Evidence {
            path: config.program.to_string_lossy().into_owned(),
            sha256: digest.hex(),
            size: digest.size,
        });
    }
    evidence.push(keep(ctx.out, &config.name, "request.json", &bytes)?);

    // A cleared environment plus the allowlist and the table's own `env` names: the key
    // password and cloud credentials never reach a plugin.
    let mut command = Spawn::new(&config.program);
    command
        .args(&config.args)
        .current_dir(&repo)
        .pass_env(&config.env);
    let limits = Limits {
        timeout: config.timeout,
        grace: GRACE,
        stdout_cap: STDOUT_CAP,
        stderr_cap: STDERR_CAP,
    };
    let done = command.run(bytes, &limits).map_err(|e| match e.kind() {
        // The file is there, so what is missing is the interpreter its `#!` line names.
        ErrorKind::NotFound if config.program.is_file() => format!(
            "cannot start {who}: {} exists but its interpreter (the `#!` line) does not",
            config.program.display()
        ),
        ErrorKind::NotFound => format!(
            "cannot start {who}: {} does not exist (fix `command`: a path is relative to the policy file, a bare name is looked up on PATH)",
            config.program.display()
        ),
        ErrorKind::PermissionDenied => format!(
            "cannot start {who}: {} is not executable (chmod +x it)",
            config.program.display()
        ),
        _ => format!("{who}: {e}"),
    })?;

    let mut stderr_note = String::new();
    if done.stderr.total > 0 {
        let kept = keep(
            ctx.out,
            &config.name,
            "stderr.log",
            done.stderr.text_with_marker(Keep::Tail).as_bytes(),
        )?;
        // An erroring gate's report holds no evidence, so the message carries the digest.
        stderr_note = format!(
            "\n  stderr (end; all kept in {}, sha256 {}):\n  {}",
            kept.path,
            kept.sha256,
            done.stderr.tail(STDERR_QUOTE).replace('\n', "\n  ")
        );
        evidence.push(kept);
    }
    if done.stdout.total > 0 {
        evidence.push(keep(
            ctx.out,
            &config.name,
            "response.json",
            &done.stdout.bytes,
        )?);
    }
    if done.timed_out {
        return Err(format!(
            "{who} did not finish within {}; it and every process in its process group were stopped{stderr_note}",
            humantime::format_duration(config.timeout)
        ));
    }
    if !done.status.success() {
        return Err(format!(
            "{who} failed ({}) instead of printing a report{stderr_note}",
            done.status
        ));
    }
    if done.stdout.truncated() {
        return Err(format!(
            "{who} printed {} bytes on stdout, more than the {} MiB a report may take",
            done.stdout.total,
            STDOUT_CAP >> 20
        ));
    }
    if let Some(e) = &done.stdout.read_error {
        return Err(format!("{who}: cannot read its stdout: {e}"));
    }
    Ok(Ran {
        stdout: done.stdout.bytes,
        stderr_note,
        left_processes: done.left_processes,
    })
}

/// The canonical release and repository directories.
fn roots(ctx: &GateContext<'_>) -> Result<(PathBuf, PathBuf), String> {
    let release = ctx.release.canonicalize().map_err(|e| {
        format!(
            "cannot open the release directory {}: {e}",
            ctx.release.display()
        )
    })?;
    let repo = ctx
        .repo
        .canonicalize()
        .map_err(|e| format!("cannot open the repository {}: {e}", ctx.repo.display()))?;
    Ok((release, repo))
}

/// Every file of the release directory, hashed through the shared cache.
fn artifacts(release: &Path, ctx: &GateContext<'_>) -> Result<Vec<Artifact>, String> {
    let dir = ReleaseDir::open(release)
        .map_err(|e| format!("cannot open release directory {}: {e}", release.display()))?;
    let names = dir
        .list()
        .map_err(|e| format!("cannot list release directory {}: {e}", release.display()))?;
    let paths: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.path_of(n))
        .collect::<Result<_, _>>()
        .map_err(|why| format!("release file {why}, so it is not read"))?;
    names
        .into_iter()
        .zip(ctx.digests.digest_all(&paths))
        .map(|(name, digest)| {
            let digest = digest.map_err(|e| format!("cannot hash release file {name}: {e}"))?;
            Ok(Artifact {
                name,
                sha256: digest.hex(),
                size: digest.size,
            })
        })
        .collect()
}

/// Write `bytes` to `OUT/plugins/GATE.SUFFIX` and describe it as evidence.
fn keep(out: &Path, gate: &str, suffix: &str, bytes: &[u8]) -> Result<Evidence, String> {
    let dir = out.join("plugins");
    let path = dir.join(format!("{gate}.{suffix}"));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, bytes))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Evidence {
        path: path.to_string_lossy().into_owned(),
        sha256: crate::digest::sha256_hex(bytes),
        size: bytes.len() as u64,
    })
}

/// Resolve and hash the files a plugin says it examined. A path is relative to the release
/// directory, or absolute; either way it must lie inside the release or the repository.
pub fn evidence(
    declared: &[protocol::Evidence],
    ctx: &GateContext<'_>,
    config: &Config,
) -> Result<Vec<Evidence>, String> {
    let who = describe(config);
    let (release, repo) = roots(ctx)?;
    let mut out = Vec::with_capacity(declared.len());
    for (index, item) in declared.iter().enumerate() {
        let field = format!("{who}: `evidence[{index}]` {:?}", item.path);
        let path = Path::new(&item.path);
        let candidate = if path.is_absolute() {
            path.to_path_buf()
        } else {
            release.join(path)
        };
        let canonical = candidate
            .canonicalize()
            .map_err(|e| format!("{field}: {e}"))?;
        if !canonical.starts_with(&release) && !canonical.starts_with(&repo) {
            return Err(format!(
                "{field} lies outside the release directory and the repository; a plugin may only cite files in them"
            ));
        }
        if !canonical.is_file() {
            return Err(format!("{field} is not a regular file"));
        }
        let digest = ctx
            .digests
            .digest(&canonical)
            .map_err(|e| format!("{field}: cannot hash it: {e}"))?;
        if item
            .sha256
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case(&digest.hex()))
        {
            return Err(format!(
                "{field}: the plugin says sha256 {}, the file has {}",
                item.sha256.as_deref().unwrap_or_default(),
                digest.hex()
            ));
        }
        if item.size.is_some_and(|s| s != digest.size) {
            return Err(format!(
                "{field}: the plugin says {} bytes, the file has {}",
                item.size.unwrap_or_default(),
                digest.size
            ));
        }
        out.push(Evidence {
            path: item.path.clone(),
            sha256: digest.hex(),
            size: digest.size,
        });
    }
    Ok(out)
}

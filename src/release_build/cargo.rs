//! Running cargo and rustc: the host triple, and `cargo metadata --locked` with its failures
//! told apart (no lockfile, a stale lockfile, anything else). Both run through the one
//! spawn builder: the repository's `.cargo/config.toml` can run code, so cargo gets a
//! cleared environment (the allowlist plus the toolchain variables), never tollgate's secrets.

use super::BuildError;
use crate::process::{Finished, Keep, Limits, Spawn};
use cargo_metadata::{Metadata, MetadataCommand};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `cargo metadata` may take (it may fetch the registry index); the gate's own
/// deadline bounds it too.
const METADATA_TIMEOUT: Duration = Duration::from_secs(600);
/// Metadata of a large workspace runs to a few MiB.
const METADATA_CAP: usize = 256 << 20;

/// Run `command` (cargo or rustc) with the toolchain variables and output caps.
fn run_tool(mut command: Spawn, timeout: Duration) -> Result<Finished, String> {
    let shown = command.program().to_string_lossy().into_owned();
    command.toolchain();
    let limits = Limits {
        timeout,
        grace: Duration::from_secs(2),
        stdout_cap: METADATA_CAP,
        stderr_cap: 256 << 10,
    };
    let done = command
        .run(Vec::new(), &limits)
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if done.timed_out {
        return Err(format!(
            "`{shown}` did not finish within {} and was stopped",
            humantime::format_duration(timeout)
        ));
    }
    if done.stdout.truncated() {
        return Err(format!(
            "`{shown}` printed more than {} MiB",
            METADATA_CAP >> 20
        ));
    }
    Ok(done)
}

/// The host triple of the toolchain that builds in `dir` (rustup honours a toolchain file
/// there), from `rustc -vV`.
pub fn host_triple(dir: &Path) -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Spawn::new(&rustc);
    command.arg("-vV").current_dir(dir);
    let output = run_tool(command, Duration::from_secs(60)).map_err(|e| {
        format!("{e}; cannot learn the host platform: install Rust or set `target` in the policy")
    })?;
    if !output.status.success() {
        return Err(format!(
            "`{} -vV` failed in {}: {}",
            rustc.to_string_lossy(),
            dir.display(),
            output.stderr.text_with_marker(Keep::Tail).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout.bytes)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_owned())
        .ok_or_else(|| "`rustc -vV` printed no `host:` line".to_owned())
}

/// What `target` says when the build is for the host platform.
pub const HOST: &str = "host";

/// `cargo metadata` for the host platform, as `(metadata, target)`. Cargo 1.89+ takes
/// `--filter-platform host-tuple`, which spares a `rustc -vV` of our own; older cargo
/// gets the triple from `rustc -vV`.
pub fn metadata_for_host(manifest: &Path, dir: &Path) -> Result<(Metadata, String), BuildError> {
    match metadata(manifest, dir, "host-tuple") {
        Ok(metadata) => Ok((metadata, HOST.to_owned())),
        Err(BuildError::Failed(message)) if message.contains("host-tuple") => {
            let triple = host_triple(dir).map_err(BuildError::Failed)?;
            Ok((metadata(manifest, dir, &triple)?, triple))
        }
        Err(other) => Err(other),
    }
}

/// `cargo metadata --locked --filter-platform TARGET` on `manifest`, run from `dir` so that
/// the project's own `.cargo/config.toml` applies, as it does to the real build.
pub fn metadata(manifest: &Path, dir: &Path, target: &str) -> Result<Metadata, BuildError> {
    // The program as cargo_metadata's MetadataCommand picks it ($CARGO, else cargo on PATH);
    // run through the spawn builder, parsed by cargo_metadata.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Spawn::new(&cargo);
    command
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .args(["--locked", "--filter-platform", target])
        .current_dir(dir);
    let shown = format!("`cargo metadata --locked` on {}", manifest.display());
    let done = run_tool(command, METADATA_TIMEOUT)
        .map_err(|e| BuildError::Failed(format!("{shown}: {e}")))?;
    if !done.status.success() {
        let stderr = String::from_utf8_lossy(&done.stderr.bytes);
        return Err(classify(manifest, &stderr));
    }
    let stdout = String::from_utf8_lossy(&done.stdout.bytes);
    let json = stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| BuildError::Failed(format!("{shown}: cargo printed no JSON")))?;
    MetadataCommand::parse(json).map_err(|e| BuildError::Failed(format!("{shown}: {e}")))
}

/// Tell "no lockfile" and "stale lockfile" apart from other cargo failures by cargo's own
/// words: every cargo since 1.0 names the lock file and says `--locked was passed`.
fn classify(manifest: &Path, stderr: &str) -> BuildError {
    let stderr = stderr.trim();
    if stderr.contains("--locked was passed") {
        let lockfile = lockfile_named_in(stderr).unwrap_or_else(|| {
            manifest
                .parent()
                .unwrap_or(Path::new("."))
                .join("Cargo.lock")
        });
        if stderr.contains("cannot create the lock file") || !lockfile.exists() {
            return BuildError::LockfileMissing { lockfile };
        }
        let detail = first_error_line(stderr);
        return BuildError::LockfileStale { lockfile, detail };
    }
    BuildError::Failed(format!(
        "`cargo metadata --locked` failed for {}: {stderr}",
        manifest.display()
    ))
}

/// The path in "... the lock file /x/Cargo.lock because ..." or "... needs to be updated".
fn lockfile_named_in(stderr: &str) -> Option<PathBuf> {
    let rest = &stderr[stderr.find("lock file ")? + "lock file ".len()..];
    let end = [" because", " needs"]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()?;
    Some(PathBuf::from(&rest[..end]))
}

fn first_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or(stderr)
        .trim_start_matches("error: ")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_lock_messages_are_classified() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let manifest = dir.path().join("Cargo.toml");
        let create = format!(
            "error: cannot create the lock file {} because --locked was passed to prevent this\nhelp: ...",
            lock.display()
        );
        assert_eq!(
            classify(&manifest, &create),
            BuildError::LockfileMissing {
                lockfile: lock.clone()
            }
        );
        std::fs::write(&lock, "version = 4\n").unwrap();
        let update = format!(
            "error: cannot update the lock file {} because --locked was passed to prevent this",
            lock.display()
        );
        assert!(matches!(
            classify(&manifest, &update),
            BuildError::LockfileStale { lockfile, .. } if lockfile == lock
        ));
        // Older cargo words it differently.
        let old = format!(
            "error: the lock file {} needs to be updated but --locked was passed to prevent this",
            lock.display()
        );
        assert!(matches!(
            classify(&manifest, &old),
            BuildError::LockfileStale { .. }
        ));
        assert!(matches!(
            classify(&manifest, "error: failed to parse manifest"),
            BuildError::Failed(m) if m.contains("failed to parse manifest")
        ));
    }
}

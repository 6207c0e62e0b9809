//! Running cargo and rustc: the host triple, and `cargo metadata --locked` with its failures
//! told apart (no lockfile, a stale lockfile, anything else).

use super::BuildError;
use cargo_metadata::{Metadata, MetadataCommand};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The host triple of the toolchain that builds in `dir` (rustup honours a toolchain file
/// there), from `rustc -vV`.
pub fn host_triple(dir: &Path) -> Result<String, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .arg("-vV")
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!(
                "cannot run `{} -vV` to learn the host platform: {e}; install Rust or set `target` in the policy",
                rustc.to_string_lossy()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "`{} -vV` failed in {}: {}",
            rustc.to_string_lossy(),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout)
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
    let mut command = MetadataCommand::new();
    command
        .manifest_path(manifest)
        .current_dir(dir)
        .other_options(vec![
            "--locked".to_owned(),
            "--filter-platform".to_owned(),
            target.to_owned(),
        ]);
    match command.exec() {
        Ok(metadata) => Ok(metadata),
        Err(cargo_metadata::Error::CargoMetadata { stderr }) => Err(classify(manifest, &stderr)),
        Err(e) => Err(BuildError::Failed(format!(
            "`cargo metadata --locked` on {}: {e}",
            manifest.display()
        ))),
    }
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

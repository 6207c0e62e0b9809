//! Facts about the source repository and the machine: commit, dirty flag, toolchain, host.

use crate::process::{Keep, Limits, Spawn};
use crate::verdict::Commit;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// The commit checked out in `repo` and whether the work tree has uncommitted changes.
/// `Ok(None)` when `repo` is not inside a git repository.
pub fn commit(repo: &Path) -> Result<Option<Commit>, String> {
    let repository = match git2::Repository::discover(repo) {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot open git repository at {}: {}",
                repo.display(),
                e.message()
            ));
        }
    };
    let head = match repository.head() {
        Ok(head) => head,
        // A repository without commits has no commit to bind.
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read HEAD in {}: {}",
                repo.display(),
                e.message()
            ));
        }
    };
    let sha = head
        .peel_to_commit()
        .map_err(|e| {
            format!(
                "HEAD in {} is not a commit: {}",
                repo.display(),
                e.message()
            )
        })?
        .id()
        .to_string();
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).include_ignored(false);
    let dirty = repository
        .statuses(Some(&mut options))
        .map_err(|e| {
            format!(
                "cannot read the work tree status of {}: {}",
                repo.display(),
                e.message()
            )
        })?
        .iter()
        .any(|entry| entry.status() != git2::Status::CURRENT);
    Ok(Some(Commit { sha, dirty }))
}

/// The Rust toolchain the repository builds with (rustup honours its toolchain file).
#[derive(Debug, Clone, Serialize)]
pub struct Toolchain {
    /// `rustc -vV`, or why it could not be run.
    pub rustc: String,
    /// `cargo -V`, or why it could not be run.
    pub cargo: String,
}

impl Toolchain {
    /// A toolchain record saying why the versions could not be read.
    pub fn unavailable(why: &str) -> Toolchain {
        Toolchain {
            rustc: format!("unavailable: {why}"),
            cargo: format!("unavailable: {why}"),
        }
    }
}

pub fn toolchain(repo: &Path) -> Toolchain {
    Toolchain {
        rustc: command_output(repo, "rustc", &["-vV"]),
        cargo: command_output(repo, "cargo", &["-V"]),
    }
}

/// How long `rustc -vV` or `cargo -V` may take (a rustup proxy may first read the toolchain
/// file; it never downloads: RUSTUP_AUTO_INSTALL is not passed).
const VERSION_TIMEOUT: Duration = Duration::from_secs(60);

fn command_output(dir: &Path, program: &str, args: &[&str]) -> String {
    // Through the one builder: a cleared environment plus the allowlist and the toolchain
    // variables, bounded, output capped.
    let mut command = Spawn::new(program);
    command.toolchain().args(args).current_dir(dir);
    let limits = Limits {
        timeout: VERSION_TIMEOUT,
        grace: Duration::from_secs(1),
        stdout_cap: 64 << 10,
        stderr_cap: 16 << 10,
    };
    match command.run(Vec::new(), &limits) {
        Ok(out) if out.timed_out => format!(
            "unavailable: `{program} {}` did not finish within {}",
            args.join(" "),
            humantime::format_duration(VERSION_TIMEOUT)
        ),
        Ok(out) if out.status.success() => {
            String::from_utf8_lossy(&out.stdout.bytes).trim().to_owned()
        }
        Ok(out) => format!(
            "unavailable: `{program} {}` exited with {}: {}",
            args.join(" "),
            out.status,
            out.stderr.text_with_marker(Keep::Tail).trim()
        ),
        Err(e) => format!("unavailable: cannot run `{program}`: {e}"),
    }
}

/// The machine the evaluation ran on.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub hostname: String,
    pub os: String,
    pub arch: String,
}

pub fn host() -> Host {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    Host {
        hostname,
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_directory_has_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(commit(dir.path()).unwrap(), None);
    }

    #[test]
    fn commit_and_dirty_flag() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        std::fs::write(dir.path().join("f"), b"1").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("f")).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.org").unwrap();
        let id = repo
            .commit(Some("HEAD"), &sig, &sig, "c", &tree, &[])
            .unwrap();
        let clean = commit(dir.path()).unwrap().unwrap();
        assert_eq!(clean.sha, id.to_string());
        assert!(!clean.dirty);
        std::fs::write(dir.path().join("f"), b"2").unwrap();
        assert!(commit(dir.path()).unwrap().unwrap().dirty);
    }
}

//! `run = true`: tollgate runs `cargo audit --json` itself, bounded by a timeout, and keeps
//! the report it printed in the output directory as evidence.

use super::config::RunConfig;
use crate::process::{Keep, Limits, Spawn};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// File name of the report written to the output directory.
pub const REPORT_NAME: &str = "cargo-audit.json";

/// The program cargo runs for `cargo audit`. Run directly (as `cargo-audit audit`, which is
/// what cargo itself executes) so that a timeout kills the auditor, not just its parent.
const PROGRAM: &str = "cargo-audit";

/// Keep this much of cargo-audit's stderr in an error message.
const STDERR_TAIL: usize = 2000;

/// A report longer than this is not kept (cargo-audit's reports are kilobytes).
const REPORT_CAP: usize = 64 << 20;

/// Run cargo-audit on `lockfile` and return the report's path and bytes. Any failure to
/// produce a report is an `Err`: a missing auditor never passes.
pub fn cargo_audit(
    run: &RunConfig,
    repo: &Path,
    lockfile: &Path,
    out: &Path,
) -> Result<(PathBuf, Vec<u8>), String> {
    // cargo-audit runs inside the repository, so every path it is given must be absolute.
    let absolute = |path: &Path| {
        std::path::absolute(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()))
    };
    let repo = absolute(repo)?;
    let lockfile = repo.join(lockfile);
    let db = run.db.as_deref().map(absolute).transpose()?;
    let report_path = out.join(REPORT_NAME);
    // A cleared environment plus the allowlist and the toolchain variables (CARGO_HOME
    // locates the advisory database): no key password or credentials reach the auditor.
    let mut command = Spawn::new(PROGRAM);
    command
        .toolchain()
        .args(["audit", "--json", "--file"])
        .arg(&lockfile)
        .current_dir(&repo);
    if let Some(db) = &db {
        command.arg("--db").arg(db);
    }
    if run.no_fetch {
        command.arg("--no-fetch");
    }
    let shown = format!("{PROGRAM} audit --json (in {})", repo.display());
    let limits = Limits {
        timeout: run.timeout,
        grace: Duration::from_secs(2),
        stdout_cap: REPORT_CAP,
        stderr_cap: 64 << 10,
    };
    let done = command.run(Vec::new(), &limits).map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!(
            "`run = true` needs cargo-audit, which is not installed ({PROGRAM} is not on PATH); \
             install it with `cargo install cargo-audit --locked`, or publish a report and set `run = false`"
        ),
        _ => format!("cannot run {shown}: {e}"),
    })?;
    if done.timed_out {
        return Err(format!(
            "{shown} did not finish within {}; it was stopped",
            humantime::format_duration(run.timeout)
        ));
    }
    if done.stdout.truncated() {
        return Err(format!(
            "{shown} printed {} bytes, more than the {} MiB a report may take",
            done.stdout.total,
            REPORT_CAP >> 20
        ));
    }
    let stderr = done.stderr.text_with_marker(Keep::Tail);
    let bytes = done.stdout.bytes;
    // Exit 1 means "vulnerabilities found" and still prints a report; anything else, or no
    // report at all, means the audit did not happen.
    let usable =
        matches!(done.status.code(), Some(0 | 1)) && !bytes.iter().all(u8::is_ascii_whitespace);
    if !usable {
        return Err(format!(
            "{shown} failed ({}) without a report: {}",
            done.status,
            tail(&stderr)
        ));
    }
    std::fs::write(&report_path, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", report_path.display()))?;
    Ok((report_path, bytes))
}

fn tail(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "it printed nothing on stderr".to_owned();
    }
    let start = text.len().saturating_sub(STDERR_TAIL);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

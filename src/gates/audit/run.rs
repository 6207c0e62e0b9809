//! `run = true`: tollgate runs `cargo audit --json` itself, bounded by a timeout, and keeps
//! the report it printed in the output directory as evidence.

use super::config::RunConfig;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use wait_timeout::ChildExt;

/// File name of the report written to the output directory.
pub const REPORT_NAME: &str = "cargo-audit.json";

/// The program cargo runs for `cargo audit`. Run directly (as `cargo-audit audit`, which is
/// what cargo itself executes) so that a timeout kills the auditor, not just its parent.
const PROGRAM: &str = "cargo-audit";

/// Keep this much of cargo-audit's stderr in an error message.
const STDERR_TAIL: usize = 2000;

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
    let report = File::create(&report_path)
        .map_err(|e| format!("cannot create {}: {e}", report_path.display()))?;
    let mut command = Command::new(PROGRAM);
    command
        .args(["audit", "--json", "--file"])
        .arg(&lockfile)
        .current_dir(&repo)
        .stdin(Stdio::null())
        .stdout(report)
        .stderr(Stdio::piped());
    if let Some(db) = &db {
        command.arg("--db").arg(db);
    }
    if run.no_fetch {
        command.arg("--no-fetch");
    }
    let shown = format!("{PROGRAM} audit --json (in {})", repo.display());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        ErrorKind::NotFound => format!(
            "`run = true` needs cargo-audit, which is not installed ({PROGRAM} is not on PATH); \
             install it with `cargo install cargo-audit --locked`, or publish a report and set `run = false`"
        ),
        _ => format!("cannot start {shown}: {e}"),
    })?;
    // Drain stderr on a thread so a chatty auditor cannot fill the pipe and stall.
    let mut stderr = child.stderr.take();
    let drain = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    });
    let status = match child.wait_timeout(run.timeout) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{shown} did not finish within {}; it was stopped",
                humantime::format_duration(run.timeout)
            ));
        }
        Err(e) => {
            let _ = child.kill();
            return Err(format!("cannot wait for {shown}: {e}"));
        }
    };
    let stderr = drain.join().unwrap_or_default();
    let bytes = std::fs::read(&report_path)
        .map_err(|e| format!("cannot read {}: {e}", report_path.display()))?;
    // Exit 1 means "vulnerabilities found" and still prints a report; anything else, or no
    // report at all, means the audit did not happen.
    let usable = matches!(status.code(), Some(0 | 1)) && !bytes.iter().all(u8::is_ascii_whitespace);
    if !usable {
        return Err(format!(
            "{shown} failed ({status}) without a report: {}",
            tail(&stderr)
        ));
    }
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

//! Gathering the reports to read: files in the release directory (missing, empty or
//! unreadable ones stop the gate) and, with `run = true`, cargo-audit's fresh output.

use super::config::Config;
use super::run;
use crate::bounded::{Cap, caps};
use crate::gates::GateContext;
use crate::release::{ReleaseDir, Resolved};
use std::path::Path;
use std::time::SystemTime;

/// One report's bytes and how old it is known to be.
pub struct Source {
    /// How findings and evidence name it: the name in the release dir, or the output path.
    pub name: String,
    pub bytes: Vec<u8>,
    /// The file's modification time (release files only).
    pub modified: Option<SystemTime>,
    /// Produced by this evaluation (`run = true`): fresh by construction.
    pub produced_now: bool,
}

/// Every report the policy names, then cargo-audit's output when `run = true`.
pub fn gather(config: &Config, ctx: &GateContext<'_>) -> Result<Vec<Source>, String> {
    let mut sources = Vec::new();
    if !config.reports.is_empty() {
        let release = ReleaseDir::open(ctx.release).map_err(|e| {
            format!(
                "cannot open release directory {}: {e}",
                ctx.release.display()
            )
        })?;
        for name in &config.reports {
            sources.push(release_file(
                &release,
                name,
                ctx.release,
                caps::AUDIT_REPORT,
            )?);
        }
    }
    if let Some(run_config) = &config.run {
        let (path, bytes) = run::cargo_audit(run_config, ctx.repo, &config.lockfile, ctx.out)?;
        sources.push(Source {
            name: path.display().to_string(),
            bytes,
            modified: None,
            produced_now: true,
        });
    }
    Ok(sources)
}

/// One report from the release directory: a regular file within `cap` (osv-scanner embeds
/// whole advisories, so `caps::AUDIT_REPORT` is generous; tests pass a small one).
pub(super) fn release_file(
    release: &ReleaseDir,
    name: &str,
    root: &Path,
    cap: Cap,
) -> Result<Source, String> {
    let path = match release.resolve(name) {
        Resolved::File(path) => path,
        Resolved::Missing => {
            return Err(format!(
                "audit report `{name}` is missing from {}; publish the report with the release or fix `reports` in [gates.audit]",
                root.display()
            ));
        }
        Resolved::NotAFile(kind) => {
            return Err(format!(
                "audit report `{name}` in {} is {kind}, not a regular file; publish the report as a file",
                root.display()
            ));
        }
        Resolved::Escapes(why) => {
            return Err(format!("audit report `{name}` cannot be used: {why}"));
        }
    };
    let cannot = |e: std::io::Error| {
        format!(
            "cannot read audit report `{name}` ({}): {e}",
            path.display()
        )
    };
    let (file, metadata) = crate::bounded::open_regular(&path)
        .map_err(|e| format!("audit report `{name}`: {}", e.describe(&path)))?;
    let modified = metadata.modified().map_err(cannot)?;
    let bytes = crate::bounded::read_open(file, &metadata, cap)
        .map_err(|e| format!("audit report `{name}`: {}", e.describe(&path)))?;
    Ok(Source {
        name: name.to_owned(),
        bytes,
        modified: Some(modified),
        produced_now: false,
    })
}

//! Gathering the reports to read: files in the release directory (missing, empty or
//! unreadable ones stop the gate) and, with `run = true`, cargo-audit's fresh output.

use super::config::Config;
use super::run;
use crate::gates::GateContext;
use crate::release::{ReleaseDir, Resolved};
use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

/// Reports larger than this are refused (osv-scanner embeds whole advisories, so the bound
/// is generous).
const MAX_REPORT: u64 = 64 << 20;

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
            sources.push(release_file(&release, name, ctx.release)?);
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

fn release_file(release: &ReleaseDir, name: &str, root: &Path) -> Result<Source, String> {
    let path = match release.resolve(name) {
        Resolved::File(path) => path,
        Resolved::Missing => {
            return Err(format!(
                "audit report `{name}` is missing from {}; publish the report with the release or fix `reports` in [gates.audit]",
                root.display()
            ));
        }
        Resolved::NotAFile => {
            return Err(format!(
                "audit report `{name}` in {} is not a regular file",
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
    let file = std::fs::File::open(&path).map_err(cannot)?;
    let modified = file.metadata().and_then(|m| m.modified()).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_REPORT {
        return Err(format!(
            "audit report `{name}` is larger than {} MiB; it is not an audit report",
            MAX_REPORT >> 20
        ));
    }
    Ok(Source {
        name: name.to_owned(),
        bytes,
        modified: Some(modified),
        produced_now: false,
    })
}

//! Checks on a report as a whole: is it fresh, is it about the release's lockfile, did the
//! tool hide advisories or fail to check something.

use super::config::Undated;
use super::formats::{Format, Parsed};
use super::sources::Source;
use crate::report::Finding;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// Clocks disagree a little; a report this far in the future is still taken as "now".
const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// A finding when the report is older than `max_age` (or dated in the future). Its age comes
/// from its own timestamp when the format has one; else from the file's modification time
/// when the policy allows it (`undated = "mtime"`), and otherwise the report blocks as
/// `audit.undated-report`.
pub fn freshness(
    source: &Source,
    format: Format,
    parsed: &Parsed,
    now: OffsetDateTime,
    max_age: Duration,
    undated: Undated,
) -> Result<Option<Finding>, String> {
    if source.produced_now {
        return Ok(None);
    }
    let name = &source.name;
    if parsed.generated_at.is_none() && undated == Undated::Block {
        return Ok(Some(
            Finding::error(
                "audit.undated-report",
                format!(
                    "{name} carries no timestamp of its own (the {format} format records none), and `undated = \"block\"` does not take the file's modification time, which anyone can set"
                ),
            )
            .subject(name)
            .at(name, None)
            .hint("have tollgate run the audit (`run = true`), publish cargo-deny output made with `-L info` (its log lines carry timestamps), or set `undated = \"mtime\"` where a file's modification time is trusted enough"),
        ));
    }
    let (made, by) = match (parsed.generated_at, source.modified) {
        (Some(at), _) => (at, "its own timestamp".to_owned()),
        (None, Some(modified)) => (
            OffsetDateTime::from(modified),
            format!(
                "its file modification time (the {format} format records no time; `undated = \"mtime\"`)"
            ),
        ),
        (None, None) => {
            return Err(format!(
                "cannot tell how old audit report `{}` is: it has no timestamp and no modification time",
                source.name
            ));
        }
    };
    let age = now - made;
    let stale = if age.is_negative() && age.unsigned_abs() > CLOCK_SKEW {
        Some(format!(
            "{name} is dated {made} by {by}, after the evaluation time {now}: its age cannot be trusted"
        ))
    } else if !age.is_negative() && age.unsigned_abs() > max_age {
        Some(format!(
            "{name} is {} old by {by}, older than max_age {}",
            humantime::format_duration(Duration::from_secs(age.unsigned_abs().as_secs())),
            humantime::format_duration(max_age)
        ))
    } else {
        None
    };
    Ok(stale.map(|message| {
        Finding::error("audit.stale-report", message)
            .subject(name)
            .at(name, None)
            .hint(
                "re-run the audit against the current advisory database and publish the new report",
            )
    }))
}

/// A finding when a cargo-audit report counted a different number of packages than the
/// release's lockfile holds: it is a report for another lockfile.
pub fn lockfile(
    source: &Source,
    parsed: &Parsed,
    lock_count: usize,
    lock_name: &str,
) -> Option<Finding> {
    let reported = parsed.dependency_count?;
    (reported != lock_count).then(|| {
        Finding::error(
            "audit.lockfile-mismatch",
            format!(
                "{} audited a lockfile of {reported} packages, but the release's {lock_name} has {lock_count}: it is a report for another lockfile",
                source.name
            ),
        )
        .subject(&source.name)
        .at(&source.name, None)
        .hint(format!("run `cargo audit --json` on the release's {lock_name} and publish that report"))
    })
}

/// A finding when the report shows no sign of having scanned anything (no packages counted,
/// no lockfile named): it finds nothing because it looked at nothing.
pub fn empty(source: &Source, format: Format, parsed: &Parsed) -> Option<Finding> {
    parsed.scanned_nothing.then(|| {
        Finding::error(
            "audit.empty-report",
            format!(
                "{}: the {format} report scanned nothing (no packages, no lockfile named), so its silence proves nothing",
                source.name
            ),
        )
        .subject(&source.name)
        .at(&source.name, None)
        .hint(match format {
            Format::OsvScanner => "run osv-scanner on the release's Cargo.lock with `--all-packages` (`osv-scanner scan source --format json --all-packages -L Cargo.lock`) and publish that report",
            _ => "run the audit on the release's Cargo.lock and publish that report",
        })
    })
}

/// Findings when an osv-scanner report is not about the release's lockfile: it names no
/// lockfile at `lock_name` (by path suffix), or lists a package that lockfile does not hold.
pub fn osv_binding(
    source: &Source,
    parsed: &Parsed,
    lock: &[(String, String)],
    lock_name: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if parsed.scanned_nothing {
        return out;
    }
    let wanted: Vec<&str> = lock_name
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let names_lock = parsed.lockfiles.iter().any(|path| {
        let parts: Vec<&str> = path.split(['/', '\\']).filter(|c| !c.is_empty()).collect();
        parts.ends_with(&wanted)
    });
    let mismatch = |why: String| {
        Finding::error("audit.lockfile-mismatch", format!("{}: {why}: it is a report for another lockfile", source.name))
            .subject(&source.name)
            .at(&source.name, None)
            .hint(format!("run osv-scanner on the release's {lock_name} (`-L {lock_name}`) and publish that report"))
    };
    if !names_lock {
        let named = if parsed.lockfiles.is_empty() {
            "no lockfile".to_owned()
        } else {
            parsed.lockfiles.join(", ")
        };
        out.push(mismatch(format!(
            "it scanned {named}, not the release's {lock_name}"
        )));
    }
    let strangers: Vec<String> = parsed
        .packages
        .iter()
        .filter(|(n, v)| !lock.iter().any(|(ln, lv)| ln == n && lv == v))
        .map(|(n, v)| format!("{n} {v}"))
        .collect();
    if !strangers.is_empty() {
        out.push(mismatch(format!(
            "it lists {} package(s) that the release's {lock_name} does not hold ({})",
            strangers.len(),
            strangers.join(", ")
        )));
    }
    out
}

/// Findings for advisories the tool was told to hide, and checks it could not make.
pub fn tool_findings(source: &Source, parsed: &Parsed) -> Vec<Finding> {
    let filtered = parsed.filters.iter().map(|what| {
        Finding::error(
            "audit.report-filtered",
            format!("{}: {what}, so the report may hide advisories", source.name),
        )
        .subject(&source.name)
        .at(&source.name, None)
        .hint("produce the report without ignore lists or severity floors; waive advisories in the policy instead")
    });
    let failed = parsed.tool_errors.iter().map(|what| {
        Finding::error(
            "audit.tool-error",
            format!(
                "{}: the auditing tool reported a failure: {what}",
                source.name
            ),
        )
        .subject(&source.name)
        .at(&source.name, None)
        .hint("fix the audit run (database, index, network) and publish a complete report")
    });
    filtered.chain(failed).collect()
}

/// A lockfile's packages as `(name, version)`.
pub type LockPackages = Vec<(String, String)>;

/// The `[[package]]` entries of a Cargo.lock as `(name, version)` (cargo-audit counts
/// them; osv-scanner lists some), and the lockfile's bytes (for the evidence).
pub fn read_lock(path: &Path) -> Result<(LockPackages, Vec<u8>), String> {
    #[derive(Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        version: String,
        #[serde(flatten)]
        _rest: std::collections::BTreeMap<String, IgnoredAny>,
    }
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the release's lockfile {} to check audit reports against it: {e}; \
             pass --repo with the release's source tree, or set `lockfile` in [gates.audit]",
            path.display()
        )
    })?;
    let not_a_lockfile = |why: String| format!("{} is not a Cargo.lock: {why}", path.display());
    let text = std::str::from_utf8(&bytes).map_err(|e| not_a_lockfile(e.to_string()))?;
    let lock: Lock =
        toml::from_str(text).map_err(|e| not_a_lockfile(e.message().trim().to_owned()))?;
    Ok((
        lock.package
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect(),
        bytes,
    ))
}

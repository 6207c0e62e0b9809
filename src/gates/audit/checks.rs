//! Checks on a report as a whole: is it fresh, is it about the release's lockfile, did the
//! tool hide advisories or fail to check something.

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
/// from its own timestamp when the format has one, else from the file's modification time.
pub fn freshness(
    source: &Source,
    format: Format,
    parsed: &Parsed,
    now: OffsetDateTime,
    max_age: Duration,
) -> Result<Option<Finding>, String> {
    if source.produced_now {
        return Ok(None);
    }
    let (made, by) = match (parsed.generated_at, source.modified) {
        (Some(at), _) => (at, "its own timestamp".to_owned()),
        (None, Some(modified)) => (
            OffsetDateTime::from(modified),
            format!("its file modification time (the {format} format records no time)"),
        ),
        (None, None) => {
            return Err(format!(
                "cannot tell how old audit report `{}` is: it has no timestamp and no modification time",
                source.name
            ));
        }
    };
    let age = now - made;
    let name = &source.name;
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

/// The number of `[[package]]` entries in a Cargo.lock, as cargo-audit counts them, and the
/// lockfile's bytes (for the evidence).
pub fn count_packages(path: &Path) -> Result<(usize, Vec<u8>), String> {
    #[derive(Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<IgnoredAny>,
    }
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read the release's lockfile {} to check cargo-audit reports against it: {e}; \
             pass --repo with the release's source tree, or set `lockfile` in [gates.audit]",
            path.display()
        )
    })?;
    let not_a_lockfile = |why: String| format!("{} is not a Cargo.lock: {why}", path.display());
    let text = std::str::from_utf8(&bytes).map_err(|e| not_a_lockfile(e.to_string()))?;
    let lock: Lock =
        toml::from_str(text).map_err(|e| not_a_lockfile(e.message().trim().to_owned()))?;
    Ok((lock.package.len(), bytes))
}

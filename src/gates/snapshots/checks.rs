//! The snapshots gate's checks over the trusted log entries.

use super::config::Config;
use super::trust::check_signature;
use crate::drills::{DrillResult, ValidEntry};
use crate::gates::GateResult;
use crate::report::{Evidence, Finding};
use crate::snapshots::{SnapshotKind, ValidSnapshot, off_node_problem};
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// A snapshot that counts: complete metadata, kept off the node.
pub struct Usable<'a> {
    pub snapshot: &'a ValidSnapshot,
    pub created_at: OffsetDateTime,
    pub height: u64,
    pub location: &'a str,
}

fn subject(e: &ValidSnapshot) -> String {
    e.entry
        .location
        .clone()
        .unwrap_or_else(|| format!("{} snapshot", e.entry.kind.as_str()))
}

/// Whole minutes are precise enough for an age, and much easier to read.
fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs() / 60 * 60)).to_string()
}

/// The entries within the retention window (and any without a date) must be complete and
/// off-node; those that are count. Older ones are history the gate does not re-judge.
pub fn usable<'a>(
    config: &Config,
    entries: &'a [ValidSnapshot],
    now: OffsetDateTime,
    log: &str,
    findings: &mut Vec<Finding>,
) -> Vec<Usable<'a>> {
    let window_start = now - config.retention;
    let mut usable = Vec::new();
    for e in entries {
        let in_window = e.created_at.is_none_or(|t| t >= window_start);
        let at = |f: Finding| f.subject(subject(e)).at(log, Some(e.line as u64));
        let missing = e.missing();
        if !missing.is_empty() {
            if in_window {
                findings.push(
                    at(Finding::error(
                        "snapshot.metadata-incomplete",
                        format!(
                            "line {}: {} snapshot lacks {}; it does not count",
                            e.line,
                            e.entry.kind.as_str(),
                            missing.join(", ")
                        ),
                    ))
                    .hint("record snapshots with `tollgate snapshot record`, which requires height, tip, creation time, location, checksum and size"),
                );
            }
            continue;
        }
        let (Some(created_at), Some(height), Some(location)) =
            (e.created_at, e.entry.height, e.entry.location.as_deref())
        else {
            continue;
        };
        if let Some(problem) = off_node_problem(location) {
            if in_window {
                findings.push(
                    at(Finding::error(
                        "snapshot.on-node",
                        format!(
                            "line {}: {} snapshot at {location:?} is not off the node ({problem}); it does not count",
                            e.line,
                            e.entry.kind.as_str()
                        ),
                    ))
                    .hint("copy snapshots to off-node storage (s3://, https://, sftp://...) and record that location"),
                );
            }
            continue;
        }
        usable.push(Usable {
            snapshot: e,
            created_at,
            height,
            location,
        });
    }
    usable.sort_by_key(|u| u.created_at);
    usable
}

fn newest<'u, 'a>(usable: &'u [Usable<'a>], kind: SnapshotKind) -> Option<&'u Usable<'a>> {
    usable
        .iter()
        .filter(|u| u.snapshot.entry.kind == kind)
        .max_by_key(|u| (u.created_at, u.height))
}

/// The newest full and state snapshots are no older than their maximum age.
pub fn fresh(
    config: &Config,
    usable: &[Usable<'_>],
    now: OffsetDateTime,
    log: &str,
    findings: &mut Vec<Finding>,
) {
    for (kind, max_age) in [
        (SnapshotKind::Full, config.full_max_age),
        (SnapshotKind::State, config.state_max_age),
    ] {
        let name = kind.as_str();
        let Some(last) = newest(usable, kind) else {
            findings.push(
                Finding::error(
                    "snapshot.missing",
                    format!("no usable {name} snapshot is recorded (none, or none complete and off-node)"),
                )
                .subject(name)
                .at(log, None)
                .hint(format!("take a {name} snapshot, copy it off the node and record it with `tollgate snapshot record --kind {name}`")),
            );
            continue;
        };
        let age = (now - last.created_at).unsigned_abs();
        if age > max_age {
            findings.push(
                Finding::error(
                    "snapshot.stale",
                    format!(
                        "the newest {name} snapshot (height {}, created {}) is {} old; the policy allows {}",
                        last.height,
                        crate::verdict::rfc3339(last.created_at),
                        human(age),
                        humantime::format_duration(max_age)
                    ),
                )
                .subject(name)
                .at(log, Some(last.snapshot.line as u64))
                .hint(format!("take a {name} snapshot")),
            );
        }
    }
}

/// Snapshots reach back at least `retention`, and no two consecutive full snapshots within
/// the window are further apart than `full_max_age`.
pub fn retention(
    config: &Config,
    usable: &[Usable<'_>],
    now: OffsetDateTime,
    log: &str,
    findings: &mut Vec<Finding>,
) {
    let window_start = now - config.retention;
    let keep = humantime::format_duration(config.retention);
    match usable.first() {
        Some(oldest) if oldest.created_at <= window_start => {}
        Some(oldest) => findings.push(
            Finding::error(
                "snapshot.retention-short",
                format!(
                    "the oldest usable snapshot was created {} ago ({}); the policy keeps snapshots for {keep}",
                    human((now - oldest.created_at).unsigned_abs()),
                    crate::verdict::rfc3339(oldest.created_at)
                ),
            )
            .at(log, Some(oldest.snapshot.line as u64))
            .hint("keep snapshots (and their log entries) for the whole retention window"),
        ),
        None => return,
    }
    let fulls: Vec<&Usable<'_>> = usable
        .iter()
        .filter(|u| u.snapshot.entry.kind == SnapshotKind::Full)
        .collect();
    // The last full snapshot before the window covers its start.
    let first = fulls
        .iter()
        .rposition(|u| u.created_at <= window_start)
        .unwrap_or(0);
    for pair in fulls[first..].windows(2) {
        let gap = (pair[1].created_at - pair[0].created_at).unsigned_abs();
        if gap > config.full_max_age {
            findings.push(
                Finding::error(
                    "snapshot.retention-gap",
                    format!(
                        "no full snapshot between {} (height {}) and {} (height {}): a gap of {} within the {keep} retention window; the policy allows {} between full snapshots",
                        crate::verdict::rfc3339(pair[0].created_at),
                        pair[0].height,
                        crate::verdict::rfc3339(pair[1].created_at),
                        pair[1].height,
                        human(gap),
                        humantime::format_duration(config.full_max_age)
                    ),
                )
                .subject("full")
                .at(log, Some(pair[1].snapshot.line as u64))
                .hint("take full snapshots at least every `full_max_age`"),
            );
        }
    }
}

/// Where a snapshot can be read as a file: `verify_dir` joined with its file name.
fn local_file(config: &Config, location: &str) -> Option<PathBuf> {
    let dir = config.verify_dir.as_ref()?;
    let name = location
        .split(['?', '#'])
        .next()?
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")?;
    let path = dir.join(name);
    path.is_file().then_some(path)
}

/// Re-hash the newest full and state snapshots where reachable as files.
pub fn verify_local(config: &Config, usable: &[Usable<'_>], log: &str, out: &mut GateResult) {
    for kind in [SnapshotKind::Full, SnapshotKind::State] {
        let Some(u) = newest(usable, kind) else {
            continue;
        };
        let entry = &u.snapshot.entry;
        let at = |f: Finding| f.subject(u.location).at(log, Some(u.snapshot.line as u64));
        let Some(path) = local_file(config, u.location) else {
            out.findings.push(at(Finding::warning(
                "snapshot.not-verified",
                format!(
                    "the newest {} snapshot {:?} is not reachable as a file (under `verify_dir`); its checksum was not re-verified",
                    kind.as_str(),
                    u.location
                ),
            )));
            continue;
        };
        let digest = match crate::digest::hash_file(&path, &mut []) {
            Ok(d) => d,
            Err(e) => {
                out.findings.push(at(Finding::error(
                    "snapshot.checksum-mismatch",
                    format!(
                        "{} cannot be read to verify its checksum: {e}",
                        path.display()
                    ),
                )));
                continue;
            }
        };
        let (sha, size) = (digest.hex(), digest.size);
        out.evidence.push(Evidence {
            path: path.to_string_lossy().into_owned(),
            sha256: sha.clone(),
            size,
        });
        if Some(&sha) != entry.sha256.as_ref() || Some(size) != entry.size {
            out.findings.push(
                at(Finding::error(
                    "snapshot.checksum-mismatch",
                    format!(
                        "{} has sha256 {sha} and {size} bytes; the log records sha256 {} and {} bytes",
                        path.display(),
                        entry.sha256.as_deref().unwrap_or("?"),
                        entry.size.unwrap_or(0)
                    ),
                ))
                .hint("the snapshot is corrupt or not the one recorded: take a new one, do not restore from it"),
            );
        }
    }
}

/// The newest passing restore drill restored a snapshot at least as high as the newest full
/// snapshot, less `max_drift` blocks.
pub fn continuity(
    config: &Config,
    drill_log: &Path,
    usable: &[Usable<'_>],
    now: OffsetDateTime,
    out: &mut GateResult,
) -> Result<(), String> {
    let (drills, bytes) = crate::drills::read(drill_log).map_err(|e| e.to_string())?;
    let log = drill_log.to_string_lossy().into_owned();
    out.evidence.push(Evidence {
        path: log.clone(),
        sha256: crate::digest::sha256_hex(&bytes),
        size: bytes.len() as u64,
    });
    let keys = &config.operator_keys;
    let restore = drills
        .iter()
        .filter(|d| d.entry.kind == "restore" && d.entry.result == DrillResult::Pass)
        .filter(|d| d.finished_at <= now)
        .filter(|d| {
            keys.is_empty()
                || check_signature(
                    d.entry.signature.as_deref(),
                    &crate::drills::signed_bytes(&d.entry),
                    keys,
                )
                .is_ok()
        })
        .max_by_key(|d| d.finished_at);
    let missing = |message: String| {
        Finding::error("snapshot.restore-missing", message)
            .at(&log, None)
            .hint("restore the newest full snapshot in a drill and record it with `tollgate drill record --kind restore --restored-height N`")
    };
    let Some(ValidEntry { entry, line, .. }) = restore else {
        let signed = if keys.is_empty() {
            ""
        } else {
            " signed by an operator key"
        };
        out.findings.push(missing(format!(
            "no passing restore drill{signed} is recorded"
        )));
        return Ok(());
    };
    let Some(restored) = entry.restored_height else {
        out.findings.push(
            missing(format!(
                "the newest passing restore drill ({}) records no restored height, so continuity cannot be checked",
                entry.finished_at
            ))
            .at(&log, Some(*line as u64)),
        );
        return Ok(());
    };
    let Some(full) = newest(usable, SnapshotKind::Full) else {
        return Ok(()); // `snapshot.missing` already blocks.
    };
    if restored.saturating_add(config.max_drift) < full.height {
        out.findings.push(
            Finding::error(
                "snapshot.restore-behind",
                format!(
                    "the newest passing restore drill ({}) restored height {restored}; the newest full snapshot is at height {} ({} blocks ahead, {} allowed)",
                    entry.finished_at,
                    full.height,
                    full.height - restored,
                    config.max_drift
                ),
            )
            .at(&log, Some(*line as u64))
            .hint("restore the newest full snapshot in a drill, verify height and tip, and record it"),
        );
    }
    Ok(())
}

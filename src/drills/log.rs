//! Reading a drill log (JSON lines) strictly, and appending to it atomically under a lock.

use super::entry::{DrillEntry, ValidEntry};
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot read drill log {path}: {source}{hint}", hint = read_hint(source))]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{path} line {line}: {reason}; fix or remove that line (the log is never read past a bad line)"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("cannot write drill log {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

fn read_hint(error: &io::Error) -> &'static str {
    if error.kind() == io::ErrorKind::NotFound {
        "; no drill was ever recorded there: record one with `tollgate drill record --log FILE`, or fix `log` in [gates.drills]"
    } else {
        ""
    }
}

/// Every entry of the log at `path`, in file order. A single bad line fails the whole read:
/// a corrupt log must never be half-trusted.
pub fn read(path: &Path) -> Result<(Vec<ValidEntry>, Vec<u8>), LogError> {
    use crate::bounded::{ReadError, caps, read_capped};
    let bytes = read_capped(path, caps::DRILL_LOG).map_err(|e| LogError::Read {
        path: path.to_path_buf(),
        source: match e {
            ReadError::Io(source) => source,
            other => io::Error::other(other.describe(path)),
        },
    })?;
    let entries = parse(path, &bytes)?;
    Ok((entries, bytes))
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<ValidEntry>, LogError> {
    let corrupt = |line: usize, reason: String| LogError::Corrupt {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        corrupt(line, "not UTF-8 text".to_owned())
    })?;
    if !text.is_empty() && !text.ends_with('\n') {
        let line = text.lines().count();
        return Err(corrupt(
            line,
            "the last line is incomplete (no newline): an interrupted write?".to_owned(),
        ));
    }
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: DrillEntry = serde_json::from_str(line)
            .map_err(|e| corrupt(index + 1, format!("not a drill entry: {e}")))?;
        entries.push(
            entry
                .validate(index + 1)
                .map_err(|e| corrupt(index + 1, e))?,
        );
    }
    Ok(entries)
}

/// Append one entry. The log is locked, re-read and checked (a corrupt log is refused, not
/// extended), then replaced whole via a temporary file and rename, so a crash leaves either
/// the old log or the new one.
pub fn append(path: &Path, entry: &DrillEntry) -> Result<(), LogError> {
    let write_err = |source| LogError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut lock_name = path.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(PathBuf::from(lock_name))
        .map_err(write_err)?;
    lock.lock().map_err(write_err)?;
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(LogError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    parse(path, &bytes)?;
    let line = serde_json::to_string(entry).map_err(|e| write_err(io::Error::other(e)))?;
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    crate::output::write_atomic(path, &bytes).map_err(write_err)
    // The lock is released when `lock` is dropped.
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drills::DrillResult;

    fn entry(kind: &str) -> DrillEntry {
        DrillEntry {
            kind: kind.into(),
            started_at: "2026-11-01T10:00:00Z".into(),
            finished_at: "2026-11-01T11:00:00Z".into(),
            result: DrillResult::Pass,
            rto: "1h".into(),
            height: None,
            tip: None,
            operator: "bob".into(),
            notes: "quarterly".into(),
            signature: None,
        }
    }

    #[test]
    fn append_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ops/drills.jsonl");
        append(&path, &entry("restore")).unwrap();
        append(&path, &entry("failover")).unwrap();
        let (entries, _) = read(&path).unwrap();
        let kinds: Vec<_> = entries
            .iter()
            .map(|e| (e.entry.kind.as_str(), e.line))
            .collect();
        assert_eq!(kinds, [("restore", 1), ("failover", 2)]);
    }

    #[test]
    fn corrupt_line_is_reported_with_its_number_and_never_extended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drills.jsonl");
        append(&path, &entry("restore")).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"kind\": \"restore\"\n");
        std::fs::write(&path, &text).unwrap();
        let error = read(&path).unwrap_err();
        assert!(
            matches!(error, LogError::Corrupt { line: 2, .. }),
            "{error}"
        );
        assert!(append(&path, &entry("failover")).is_err());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "a corrupt log is left as it was"
        );
    }

    #[test]
    fn truncated_last_line_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drills.jsonl");
        append(&path, &entry("restore")).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            read(&path),
            Err(LogError::Corrupt { line: 1, .. })
        ));
    }

    #[test]
    fn concurrent_appends_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drills.jsonl");
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10 {
                        append(&path, &entry("restore")).unwrap();
                    }
                });
            }
        });
        assert_eq!(read(&path).unwrap().0.len(), 40);
    }
}

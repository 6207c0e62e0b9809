//! Operator logs as JSON lines (the drill log, the snapshot log): read strictly (one bad line
//! makes the whole log corrupt, named by its line) and appended atomically under a lock.

use crate::bounded::Cap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

/// What one kind of log is called and how its lines are checked.
pub trait LogEntry: Serialize + DeserializeOwned {
    /// The entry once its fields are checked.
    type Valid;
    /// The log's name in messages, e.g. "drill log".
    const LOG: &'static str;
    /// One entry's name in messages, e.g. "drill entry".
    const ENTRY: &'static str;
    /// What to do when the log does not exist yet.
    const MISSING_HINT: &'static str;
    /// The whole-file read limit.
    const CAP: Cap;
    /// Check every field's form; `line` is 1-based.
    fn validate(self, line: usize) -> Result<Self::Valid, String>;
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot read {log} {path}: {source}{hint}")]
    Read {
        log: &'static str,
        path: PathBuf,
        source: io::Error,
        hint: &'static str,
    },
    #[error(
        "{path} line {line}: {reason}; fix or remove that line (the log is never read past a bad line)"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("cannot write {log} {path}: {source}")]
    Write {
        log: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

fn read_error<E: LogEntry>(path: &Path, source: io::Error) -> LogError {
    let hint = if source.kind() == io::ErrorKind::NotFound {
        E::MISSING_HINT
    } else {
        ""
    };
    LogError::Read {
        log: E::LOG,
        path: path.to_path_buf(),
        source,
        hint,
    }
}

/// Every entry of the log at `path`, in file order, and the bytes read. A single bad line
/// fails the whole read: a corrupt log must never be half-trusted.
pub fn read<E: LogEntry>(path: &Path) -> Result<(Vec<E::Valid>, Vec<u8>), LogError> {
    use crate::bounded::{ReadError, read_capped};
    let bytes = read_capped(path, E::CAP).map_err(|e| {
        read_error::<E>(
            path,
            match e {
                ReadError::Io(source) => source,
                other => io::Error::other(other.describe(path)),
            },
        )
    })?;
    let entries = parse::<E>(path, &bytes)?;
    Ok((entries, bytes))
}

fn parse<E: LogEntry>(path: &Path, bytes: &[u8]) -> Result<Vec<E::Valid>, LogError> {
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
        let entry: E = serde_json::from_str(line)
            .map_err(|e| corrupt(index + 1, format!("not a {}: {e}", E::ENTRY)))?;
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
pub fn append<E: LogEntry>(path: &Path, entry: &E) -> Result<(), LogError> {
    let write_err = |source| LogError::Write {
        log: E::LOG,
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
        Err(source) => return Err(read_error::<E>(path, source)),
    };
    parse::<E>(path, &bytes)?;
    let line = serde_json::to_string(entry).map_err(|e| write_err(io::Error::other(e)))?;
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    crate::output::write_atomic(path, &bytes).map_err(write_err)
    // The lock is released when `lock` is dropped.
}

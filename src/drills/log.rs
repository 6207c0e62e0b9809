//! The drill log: JSON lines read and appended through the shared `crate::jsonl_log`.

use super::entry::{DrillEntry, ValidEntry};
use crate::jsonl_log::LogEntry;
pub use crate::jsonl_log::LogError;
use std::path::Path;

impl LogEntry for DrillEntry {
    type Valid = ValidEntry;
    const LOG: &'static str = "drill log";
    const ENTRY: &'static str = "drill entry";
    const MISSING_HINT: &'static str = "; no drill was ever recorded there: record one with `tollgate drill record --log FILE`, or fix `log` in [gates.drills]";
    const CAP: crate::bounded::Cap = crate::bounded::caps::DRILL_LOG;

    fn validate(self, line: usize) -> Result<ValidEntry, String> {
        DrillEntry::validate(self, line)
    }
}

/// Every entry of the drill log at `path`, in file order, and the bytes read.
pub fn read(path: &Path) -> Result<(Vec<ValidEntry>, Vec<u8>), LogError> {
    crate::jsonl_log::read::<DrillEntry>(path)
}

/// Append one drill entry (locked, re-checked, atomic; see `crate::jsonl_log::append`).
pub fn append(path: &Path, entry: &DrillEntry) -> Result<(), LogError> {
    crate::jsonl_log::append(path, entry)
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
            restored_height: None,
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

//! Chain snapshots (full and state): the snapshot log format, shared by
//! `tollgate snapshot record` and the snapshots gate. The log is JSON lines through
//! `crate::jsonl_log`, exactly as the drill log.

mod entry;
mod location;

pub use entry::{SnapshotEntry, SnapshotKind, ValidSnapshot, signed_bytes};
pub use location::off_node_problem;

use crate::jsonl_log::{LogEntry, LogError};
use std::path::Path;

impl LogEntry for SnapshotEntry {
    type Valid = ValidSnapshot;
    const LOG: &'static str = "snapshot log";
    const ENTRY: &'static str = "snapshot entry";
    const MISSING_HINT: &'static str = "; no snapshot was ever recorded there: record one with `tollgate snapshot record --log FILE`, or fix `log` in [gates.snapshots]";
    const CAP: crate::bounded::Cap = crate::bounded::caps::SNAPSHOT_LOG;

    fn validate(self, line: usize) -> Result<ValidSnapshot, String> {
        SnapshotEntry::validate(self, line)
    }
}

/// Every entry of the snapshot log at `path`, in file order, and the bytes read.
pub fn read(path: &Path) -> Result<(Vec<ValidSnapshot>, Vec<u8>), LogError> {
    crate::jsonl_log::read::<SnapshotEntry>(path)
}

/// Append one snapshot entry (locked, re-checked, atomic).
pub fn append(path: &Path, entry: &SnapshotEntry) -> Result<(), LogError> {
    crate::jsonl_log::append(path, entry)
}

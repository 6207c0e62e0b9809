//! The verified-state cache behind format 2's freeze lookup: written after a lookup,
//! moved forward by the next one (reading only what follows), an error when the log no
//! longer extends it, and blind to nothing after the checkpoint.

use super::tests::{Log, log, log_at, pending};
use super::verified::freeze_changes_cached;
use crate::ledger::append::append;
use crate::ledger::entry::Kind;
use crate::ledger::record;
use std::path::PathBuf;

fn freeze(log: &Log, kind: Kind, signed: bool) {
    let statement = record::freeze_statement(kind, "mainnet", "why", "who", "2026-12-01T00:00:00Z");
    let pending = record::freeze_entry(&statement, None);
    append(&log.store, pending, signed.then_some(&log.signer)).unwrap();
}

fn cache(log: &Log) -> impl Fn(&str) -> Option<PathBuf> + '_ {
    move |origin: &str| {
        Some(log.dir.path().join(format!(
            "cache/{}.json",
            crate::digest::sha256_hex(origin.as_bytes())
        )))
    }
}

fn seqs(log: &Log, on: &Log) -> Result<Vec<u64>, String> {
    freeze_changes_cached(&on.store, cache(log)).map(|c| c.iter().map(|e| e.seq).collect())
}

#[test]
fn the_cache_moves_forward_and_a_rewritten_log_is_an_error() {
    let log = log();
    append(&log.store, pending(0), Some(&log.signer)).unwrap();
    freeze(&log, Kind::Freeze, true);
    assert_eq!(seqs(&log, &log).unwrap(), [2]);
    let file = cache(&log)("example.com/test").unwrap();
    let cached: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(cached["size"], 2);
    for i in 2..6 {
        append(&log.store, pending(i), Some(&log.signer)).unwrap();
    }
    freeze(&log, Kind::Unfreeze, true);
    assert_eq!(seqs(&log, &log).unwrap(), [2, 7]);
    let cached: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(cached["size"], 7);

    // Another log under the same origin (the key holder rewrote history without the
    // freeze): the cache says it is not the log verified before.
    let forged = log_at(&log, "forged");
    for i in 0..9 {
        append(&forged.store, pending(i), Some(&log.signer)).unwrap();
    }
    let e = seqs(&log, &forged).unwrap_err();
    assert!(
        e.contains("not the one tollgate verified before")
            && e.contains(&file.display().to_string()),
        "{e}"
    );
}

#[test]
fn records_after_the_checkpoint_count_and_changed_ones_are_caught() {
    let log = log();
    freeze(&log, Kind::Freeze, true);
    assert_eq!(seqs(&log, &log).unwrap(), [1]);
    // Appended unsigned: the signed checkpoint stays at 1, the freeze still counts.
    freeze(&log, Kind::Freeze, false);
    assert_eq!(seqs(&log, &log).unwrap(), [1, 2]);
    append(&log.store, pending(3), Some(&log.signer)).unwrap();
    // Record 2, not verified before, changed in its bundle: the tree says so.
    let path = log.dir.path().join("ledger/tile/entries/000.p/3");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).rposition(|w| w == b"why").unwrap();
    bytes[at] = b'W';
    std::fs::write(&path, &bytes).unwrap();
    std::fs::remove_file(log.dir.path().join("ledger/tile/entries/000.p/2")).unwrap();
    let e = seqs(&log, &log).unwrap_err();
    assert!(e.contains("do not make the checkpoint's tree"), "{e}");
}

/// A store that serves an older checkpoint on the first read of it (a lookup that read the
/// checkpoint just before another process appended, verified and moved the cache).
struct StaleFirstRead<'a> {
    inner: &'a dyn crate::ledger::store::Store,
    stale: Vec<u8>,
    served: std::sync::atomic::AtomicBool,
}

impl crate::ledger::store::Store for StaleFirstRead<'_> {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, crate::ledger::store::StoreError> {
        self.inner.get(key)
    }
    fn create(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<crate::ledger::store::Created, crate::ledger::store::StoreError> {
        self.inner.create(key, bytes)
    }
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), crate::ledger::store::StoreError> {
        self.inner.replace(key, bytes)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, crate::ledger::store::StoreError> {
        self.inner.list(prefix)
    }
    fn lock_for_append(
        &self,
    ) -> Result<Box<dyn crate::ledger::store::AppendLock>, crate::ledger::store::StoreError> {
        self.inner.lock_for_append()
    }
    fn has_append_lock(&self) -> bool {
        self.inner.has_append_lock()
    }
    fn delete(&self, key: &str) -> Result<(), crate::ledger::store::StoreError> {
        self.inner.delete(key)
    }
    fn get_versioned(
        &self,
        key: &str,
    ) -> Result<Option<(Vec<u8>, crate::ledger::store::Version)>, crate::ledger::store::StoreError>
    {
        if key == "checkpoint" && !self.served.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(Some((
                self.stale.clone(),
                crate::ledger::store::Version::new("stale"),
            )));
        }
        self.inner.get_versioned(key)
    }
    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&crate::ledger::store::Version>,
    ) -> Result<crate::ledger::store::Swapped, crate::ledger::store::StoreError> {
        self.inner.replace_if(key, bytes, expected)
    }
}

#[test]
fn a_checkpoint_read_before_another_lookup_moved_the_cache_is_not_a_rewrite() {
    let log = log();
    freeze(&log, Kind::Freeze, true);
    let stale = crate::ledger::store::Store::get(&log.store, "checkpoint")
        .unwrap()
        .unwrap();
    append(&log.store, pending(1), Some(&log.signer)).unwrap();
    assert_eq!(seqs(&log, &log).unwrap(), [1]); // the cache now holds 2 records
    let racing = StaleFirstRead {
        inner: &log.store,
        stale,
        served: std::sync::atomic::AtomicBool::new(false),
    };
    let changes = freeze_changes_cached(&racing, cache(&log)).unwrap();
    assert_eq!(changes.iter().map(|e| e.seq).collect::<Vec<_>>(), [1]);
}

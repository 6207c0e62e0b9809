//! The probe against in-memory stores: one whose conditional writes are atomic (passes, and
//! appends may go on), one that checks nothing (fails, and appends are refused, naming what
//! it did), and the recorded result being used instead of probing again.

use super::*;
use crate::ledger::local::LocalStore;
use crate::ledger::store::{AppendLock, Version};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A store without an append lock. `atomic`: every conditional write checks and writes under
/// one mutex. Otherwise it checks nothing: every create and every swap "wins".
struct MemStore {
    atomic: bool,
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
    creates: AtomicUsize,
}

impl MemStore {
    fn new(atomic: bool) -> MemStore {
        MemStore {
            atomic,
            objects: Mutex::new(BTreeMap::new()),
            creates: AtomicUsize::new(0),
        }
    }

    fn version(bytes: &[u8]) -> Version {
        Version::new(crate::digest::sha256_hex(bytes))
    }
}

struct NoLock;
impl AppendLock for NoLock {}

impl Store for MemStore {
    fn location(&self) -> String {
        format!("mem://{}", if self.atomic { "atomic" } else { "careless" })
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.objects.lock().unwrap().get(key).cloned())
    }
    fn create(&self, key: &str, bytes: &[u8]) -> Result<Created, StoreError> {
        self.creates.fetch_add(1, Ordering::SeqCst);
        let mut objects = self.objects.lock().unwrap();
        if self.atomic && objects.contains_key(key) {
            return Ok(Created::AlreadyExists);
        }
        objects.insert(key.to_owned(), bytes.to_vec());
        Ok(Created::New)
    }
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.objects
            .lock()
            .unwrap()
            .insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let objects = self.objects.lock().unwrap();
        Ok(objects
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError> {
        Ok(Box::new(NoLock))
    }
    fn has_append_lock(&self) -> bool {
        false
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.objects.lock().unwrap().remove(key);
        Ok(())
    }
    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError> {
        Ok(self.get(key)?.map(|b| {
            let v = MemStore::version(&b);
            (b, v)
        }))
    }
    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&Version>,
    ) -> Result<Swapped, StoreError> {
        let mut objects = self.objects.lock().unwrap();
        let current = objects.get(key).map(|b| MemStore::version(b));
        if self.atomic && current.as_ref() != expected {
            return Ok(Swapped::Conflict);
        }
        objects.insert(key.to_owned(), bytes.to_vec());
        Ok(Swapped::Done)
    }
}

#[test]
fn an_atomic_store_passes_and_leaves_no_probe_keys() {
    let store = MemStore::new(true);
    let report = probe(&store, 8).unwrap();
    assert!(report.passed, "{report:#?}");
    assert!(report.failures().is_empty());
    assert_eq!(report.details.len(), 3 * ROUNDS + 3);
    assert!(
        report.details[0].contains("1 of 8 racing conditional creates"),
        "{report:#?}"
    );
    assert!(store.list("").unwrap().is_empty(), "{:?}", store.list(""));
}

#[test]
fn a_careless_store_fails_and_says_what_it_did() {
    let store = MemStore::new(false);
    let report = probe(&store, 16).unwrap();
    assert!(!report.passed);
    let failures = report.failures();
    assert!(
        failures.iter().any(|f| f
            .contains("16 of 16 racing conditional creates (If-None-Match: *) reported success")),
        "{failures:#?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.contains("16 of 16 racing compare-and-swaps")),
        "{failures:#?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.contains("stale) version was accepted"))
    );
    assert!(store.list(PROBE_PREFIX).unwrap().is_empty());
}

#[test]
fn require_atomic_probes_once_records_and_refuses_a_failed_store() {
    let store = MemStore::new(false);
    let err = require_atomic(&store).unwrap_err();
    assert!(
        err.starts_with("mem://careless: refusing to append"),
        "{err}"
    );
    assert!(err.contains("16 of 16 racing conditional creates"), "{err}");
    assert!(err.contains("or a local --store DIR"), "{err}");
    let recorded = recorded(&store).unwrap().expect("the result is recorded");
    assert!(!recorded.passed);
    assert_eq!(recorded.tollgate_version, env!("CARGO_PKG_VERSION"));
    // The recorded result is canonical JSON, and the next call uses it instead of probing.
    let bytes = store.get(RESULT_KEY).unwrap().unwrap();
    assert_eq!(bytes, crate::verdict::canonical_json(&recorded));
    let creates = store.creates.load(Ordering::SeqCst);
    assert_eq!(require_atomic(&store).unwrap_err(), err);
    assert_eq!(store.creates.load(Ordering::SeqCst), creates);
}

#[test]
fn require_atomic_accepts_a_passing_store_and_a_locked_one() {
    let store = MemStore::new(true);
    require_atomic(&store).unwrap();
    assert!(recorded(&store).unwrap().unwrap().passed);
    // A recorded failure wins over the store's actual behaviour until probed again.
    let mut failed = recorded(&store).unwrap().unwrap();
    failed.passed = false;
    failed.details = vec!["FAIL round 1: 2 of 16 racing conditional creates".into()];
    record(&store, &failed).unwrap();
    let err = require_atomic(&store).unwrap_err();
    assert!(err.contains("2 of 16 racing"), "{err}");

    // A local store holds a kernel lock: never probed, never refused.
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::open(dir.path(), true).unwrap();
    require_atomic(&local).unwrap();
    assert_eq!(local.get(RESULT_KEY).unwrap(), None);
}

#[test]
fn a_local_store_passes_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::open(dir.path(), true).unwrap();
    let report = probe(&local, 8).unwrap();
    assert!(report.passed, "{report:#?}");
    assert!(local.list("").unwrap().is_empty(), "{:?}", local.list(""));
}

#[test]
fn a_garbled_result_is_an_error_naming_the_key() {
    let store = MemStore::new(true);
    store.replace(RESULT_KEY, b"{not json").unwrap();
    let err = require_atomic(&store).unwrap_err();
    assert!(
        err.contains("mem://atomic/store-check.json is not a check-store result"),
        "{err}"
    );
    assert!(
        err.contains("tollgate audit check-store --store mem://atomic"),
        "{err}"
    );
}

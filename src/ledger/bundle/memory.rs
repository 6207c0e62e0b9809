//! A read-only [`Store`] over a bundle's `ledger/` members, so `audit verify` runs the very
//! same verifier on a bundle as on a live ledger.

use crate::ledger::store::{AppendLock, Created, Store, StoreError, Swapped, Version};
use std::collections::BTreeMap;

pub struct MemoryStore {
    location: String,
    objects: BTreeMap<String, Vec<u8>>,
}

impl MemoryStore {
    pub fn new(location: String, objects: BTreeMap<String, Vec<u8>>) -> MemoryStore {
        MemoryStore { location, objects }
    }

    fn read_only(&self, key: &str) -> StoreError {
        StoreError {
            location: self.location.clone(),
            key: key.to_owned(),
            message: "a bundle is read-only".to_owned(),
        }
    }
}

impl Store for MemoryStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.objects.get(key).cloned())
    }

    fn create(&self, key: &str, _bytes: &[u8]) -> Result<Created, StoreError> {
        Err(self.read_only(key))
    }

    fn replace(&self, key: &str, _bytes: &[u8]) -> Result<(), StoreError> {
        Err(self.read_only(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .objects
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }

    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError> {
        Err(self.read_only("lock"))
    }

    fn has_append_lock(&self) -> bool {
        false
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        Err(self.read_only(key))
    }

    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError> {
        Ok(self.objects.get(key).map(|bytes| {
            let version = Version::new(crate::digest::sha256_hex(bytes));
            (bytes.clone(), version)
        }))
    }

    fn replace_if(
        &self,
        key: &str,
        _bytes: &[u8],
        _expected: Option<&Version>,
    ) -> Result<Swapped, StoreError> {
        Err(self.read_only(key))
    }
}

//! Where ledger objects live. A store is a flat namespace of immutable objects addressed by
//! `/`-separated keys (`entries/000000000001.json`, `objects/sha256/ab/cdef…`), plus the few
//! keys that are replaced in place (the signed head). Every backend gives the same guarantees:
//! [`Store::create`] is atomic and never overwrites, which is what keeps concurrent appenders
//! from forking the chain.

use std::fmt;

/// Whether [`Store::create`] wrote the object or found one already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The object did not exist and now holds the given bytes.
    New,
    /// An object with that key already existed; it was left untouched.
    AlreadyExists,
}

/// A store operation that failed; names the store location and the key.
#[derive(Debug)]
pub struct StoreError {
    pub location: String,
    pub key: String,
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.location, self.message)
        } else {
            write!(f, "{}/{}: {}", self.location, self.key, self.message)
        }
    }
}

impl std::error::Error for StoreError {}

/// Held while appending; dropping it releases the store's writer lock (if it has one).
pub trait AppendLock: Send {}

/// A ledger backend. All methods block; implementations are shared across threads.
pub trait Store: Send + Sync {
    /// Where this store is, for messages (`/path/to/ledger`, `s3://bucket/prefix`).
    fn location(&self) -> String;

    /// The object's bytes, or `None` when there is no object with that key.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Create the object only if no object has that key. Durable before it returns `New`
    /// (local: temp file, fsync, link/rename, fsync of the directory; S3: a conditional
    /// create-if-absent PUT). A reader never sees a partial object.
    fn create(&self, key: &str, bytes: &[u8]) -> Result<Created, StoreError>;

    /// Replace (or create) the object atomically: readers see the old bytes or the new ones.
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError>;

    /// Every key that starts with `prefix`, sorted byte-wise.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// Serialise appenders where the backend can (local: an exclusive `File::lock` on a lock
    /// file). Backends without locks rely on [`Store::create`] alone and return a guard that
    /// holds nothing; the append loop retries when it loses a race either way.
    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError>;
}

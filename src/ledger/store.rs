//! Where ledger objects live. A store is a flat namespace of immutable objects addressed by
//! `/`-separated keys (`entries/000000000001.json`, `objects/sha256/ab/cdef…`), plus the few
//! keys that are replaced in place (the signed head). Every backend gives the same guarantees:
//! [`Store::create`] is atomic and never overwrites, which is what keeps concurrent appenders
//! from forking the chain. Keys that several writers replace (the v2 checkpoint) are
//! compare-and-swapped instead: [`Store::get_versioned`] then [`Store::replace_if`].

use std::fmt;

/// An object's version as the backend reports it, for [`Store::replace_if`]: opaque to
/// callers (S3: the ETag, and the version id when the bucket keeps versions; local: the
/// SHA-256 of the bytes). Only compare versions read from the same store. Versions follow
/// the content (an S3 ETag of a single PUT is the MD5 of its body), so a swap to the very
/// same bytes leaves the version as it was, and a swap from it still matches: harmless,
/// because the object then holds exactly what the swapper expected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    /// A version from the backend's own token; only backends make these.
    pub fn new(token: impl Into<String>) -> Version {
        Version(token.into())
    }

    /// The backend's token (for messages and for the backend's own conditional request).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether [`Store::replace_if`] wrote the new bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swapped {
    /// The object was as expected and now holds the new bytes.
    Done,
    /// The object was not as expected (another writer got there first, or it exists when
    /// creation was asked for, or it is gone); nothing was written. Read it again and retry.
    Conflict,
}

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

    /// Whether [`Store::lock_for_append`] really excludes other appenders (local: a kernel
    /// lock). Stores without one depend on the server's conditional writes being atomic,
    /// which `tollgate audit check-store` probes (`store_check::require_atomic`).
    fn has_append_lock(&self) -> bool;

    /// Remove the object; a key that does not exist is not an error. Durable before it
    /// returns (local: unlink, then fsync of the directory).
    fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// The object's bytes and its version, read together, or `None` when there is none.
    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError>;

    /// Compare-and-swap: write `bytes` only if the object is still at `expected` (a version
    /// from [`Store::get_versioned`]), or, with `expected: None`, only if there is no object.
    /// Of several writers racing with the same `expected`, at most one gets `Done`; readers
    /// see the old bytes or the new ones (local: a per-key lock, temp file, fsync, rename,
    /// directory fsync; S3: a PUT with `If-Match` / `If-None-Match: *`, 412 and 409 being
    /// `Conflict`). A key written with `replace_if` must not also be written with `replace`.
    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&Version>,
    ) -> Result<Swapped, StoreError>;
}

//! The local-directory ledger backend: one file per key under a root directory, created with
//! temp file + fsync + no-clobber hard link + directory fsync, and appends serialised by an
//! exclusive lock on `<root>/lock`. Compare-and-swap ([`Store::replace_if`]) holds a lock of
//! its own (`<root>/.tmp-cas-lock`), so an appender holding `lock` can swap the checkpoint.

use super::store::{AppendLock, Created, Store, StoreError, Swapped, Version};
use crate::output::sync_dir;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Prefix of the temporary files a write leaves behind when it is killed mid-way; `list`
/// never returns them, so a crash cannot make one look like an object.
const TEMP_PREFIX: &str = ".tmp-";

/// A ledger kept in a local directory.
#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Open the ledger at `root`; with `create`, make the directory when it is absent.
    pub fn open(root: &Path, create: bool) -> Result<LocalStore, StoreError> {
        let store = LocalStore {
            root: root.to_path_buf(),
        };
        if create {
            std::fs::create_dir_all(root).map_err(|e| store.error("", "cannot create", e))?;
        } else if !root.is_dir() {
            return Err(StoreError {
                location: root.display().to_string(),
                key: String::new(),
                message: "no ledger here (the directory does not exist): pass the --store that \
                          `tollgate evaluate` appended to"
                    .to_owned(),
            });
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        // Keys come from the ledger code, never from users, but a key that could climb out
        // of the root would turn a bug into a write anywhere: refuse it.
        let valid = !key.is_empty()
            && !key.starts_with('/')
            && key.split('/').all(|part| {
                !part.is_empty() && part != "." && part != ".." && !part.starts_with(TEMP_PREFIX)
            });
        if !valid {
            return Err(self.message(key, "not a valid ledger key"));
        }
        Ok(self.root.join(key))
    }

    fn message(&self, key: &str, message: &str) -> StoreError {
        StoreError {
            location: self.root.display().to_string(),
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }

    fn error(&self, key: &str, doing: &str, e: io::Error) -> StoreError {
        self.message(key, &format!("{doing}: {e}"))
    }

    /// Create `dir` (and its parents) durably: a new directory's own name must survive a
    /// crash too, or the object linked into it would vanish with it.
    fn ensure_dir(&self, dir: &Path) -> io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        std::fs::create_dir_all(dir)?;
        let mut parent = dir.parent();
        while let Some(p) = parent {
            sync_dir(p)?;
            if p == self.root || !p.starts_with(&self.root) {
                break;
            }
            parent = p.parent();
        }
        Ok(())
    }

    /// A synced temporary file holding `bytes`, in the directory of `path`.
    fn temp_with(
        &self,
        key: &str,
        path: &Path,
        bytes: &[u8],
    ) -> Result<tempfile::NamedTempFile, StoreError> {
        let dir = path.parent().unwrap_or(&self.root);
        self.ensure_dir(dir)
            .map_err(|e| self.error(key, "cannot create directory", e))?;
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| self.error(key, "cannot create a temporary file", e))?;
        temp.write_all(bytes)
            .and_then(|_| temp.as_file().sync_all())
            .map_err(|e| self.error(key, "cannot write", e))?;
        Ok(temp)
    }

    /// An exclusive `flock` on the store's compare-and-swap lock file, held until dropped.
    /// Separate opens exclude each other, so threads of one process serialise too. It is not
    /// the appenders' `lock` (an appender swaps the checkpoint while holding that one), and
    /// it is named like a temporary file, so `list` never shows it and no key can name it.
    /// One lock for every key: swaps are rare (the checkpoint) and leave one file behind.
    fn lock_swaps(&self, key: &str) -> Result<File, StoreError> {
        let path = self.root.join(CAS_LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.error(key, &format!("cannot open {CAS_LOCK_FILE}"), e))?;
        file.lock()
            .map_err(|e| self.error(key, &format!("cannot lock {CAS_LOCK_FILE}"), e))?;
        Ok(file)
    }
}

/// A local object's version: the SHA-256 of its bytes.
fn version_of(bytes: &[u8]) -> Version {
    Version::new(crate::digest::sha256_hex(bytes))
}

impl Store for LocalStore {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(key)?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error(key, "cannot read", e)),
        }
    }

    fn create(&self, key: &str, bytes: &[u8]) -> Result<Created, StoreError> {
        let path = self.path(key)?;
        if path.exists() {
            return Ok(Created::AlreadyExists);
        }
        let temp = self.temp_with(key, &path, bytes)?;
        // link(2) fails when the name exists, which makes it the no-clobber create; the
        // object appears whole because the temp file was complete and synced before.
        let outcome = match std::fs::hard_link(temp.path(), &path) {
            Ok(()) => Created::New,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Created::AlreadyExists,
            Err(e) => return Err(self.error(key, "cannot create", e)),
        };
        drop(temp);
        if outcome == Created::New {
            sync_dir(path.parent().unwrap_or(&self.root))
                .map_err(|e| self.error(key, "cannot sync directory", e))?;
        }
        Ok(outcome)
    }

    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(key)?;
        let temp = self.temp_with(key, &path, bytes)?;
        temp.persist(&path)
            .map_err(|e| self.error(key, "cannot replace", e.error))?;
        sync_dir(path.parent().unwrap_or(&self.root))
            .map_err(|e| self.error(key, "cannot sync directory", e))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        // Walk only the directory the prefix names, so listing `entries/` never touches
        // the (much larger) object tree.
        let dir_part = prefix.rfind('/').map_or("", |i| &prefix[..i]);
        let start = if dir_part.is_empty() {
            self.root.clone()
        } else {
            self.root.join(dir_part)
        };
        let mut keys = Vec::new();
        let mut pending = vec![(start, dir_part.to_owned())];
        while let Some((dir, key_dir)) = pending.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.error(&key_dir, "cannot list", e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| self.error(&key_dir, "cannot list", e))?;
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if name.starts_with(TEMP_PREFIX) {
                    continue;
                }
                let key = if key_dir.is_empty() {
                    name
                } else {
                    format!("{key_dir}/{name}")
                };
                let kind = entry
                    .file_type()
                    .map_err(|e| self.error(&key, "cannot stat", e))?;
                if kind.is_dir() {
                    if prefix.starts_with(&format!("{key}/")) || key.starts_with(prefix) {
                        pending.push((entry.path(), key));
                    }
                } else if key.starts_with(prefix) && key != LOCK_FILE {
                    keys.push(key);
                }
            }
        }
        keys.sort_unstable();
        Ok(keys)
    }

    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError> {
        let path = self.root.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.error(LOCK_FILE, "cannot open the lock file", e))?;
        // Blocks until the other appender is done; the kernel drops the lock if that
        // process dies, so a killed run never wedges the ledger.
        file.lock()
            .map_err(|e| self.error(LOCK_FILE, "cannot lock", e))?;
        Ok(Box::new(FileLock(file)))
    }

    fn has_append_lock(&self) -> bool {
        true
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => sync_dir(path.parent().unwrap_or(&self.root))
                .map_err(|e| self.error(key, "cannot sync directory", e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.error(key, "cannot delete", e)),
        }
    }

    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError> {
        Ok(self.get(key)?.map(|bytes| {
            let version = version_of(&bytes);
            (bytes, version)
        }))
    }

    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&Version>,
    ) -> Result<Swapped, StoreError> {
        // An invalid key is refused before anything is locked or read.
        self.path(key)?;
        let _held = self.lock_swaps(key)?;
        if expected.is_none() {
            // No-clobber even against a plain `create` of the same key.
            return Ok(match self.create(key, bytes)? {
                Created::New => Swapped::Done,
                Created::AlreadyExists => Swapped::Conflict,
            });
        }
        let current = self.get(key)?.map(|current| version_of(&current));
        if current.as_ref() != expected {
            return Ok(Swapped::Conflict);
        }
        // Under the swap lock nobody else swaps it: temp file, fsync, rename, directory
        // fsync, so a reader sees the old bytes or the new ones, and a crash leaves either.
        self.replace(key, bytes)?;
        Ok(Swapped::Done)
    }
}

/// The lock file's key; it holds no data and is never listed.
const LOCK_FILE: &str = "lock";

/// The compare-and-swap lock, at the root; a temporary file's name, so never a key.
const CAS_LOCK_FILE: &str = ".tmp-cas-lock";

/// An exclusive `flock` held until dropped (closing the file releases it).
struct FileLock(#[allow(dead_code)] File);

impl AppendLock for FileLock {}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;

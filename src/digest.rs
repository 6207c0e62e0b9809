//! Streaming SHA-256 of files: bounded memory, parallel across files, each file read once.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Read size per `read(2)`: large enough to amortise syscalls, small enough that a few
/// parallel readers stay far below the memory budget.
const CHUNK: usize = 1 << 20;

/// The SHA-256 and size of one file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileDigest {
    pub sha256: [u8; 32],
    pub size: u64,
}

impl FileDigest {
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Something else that wants to see a file's bytes during the single read (for example a
/// minisign stream verifier).
pub trait Sink {
    fn update(&mut self, bytes: &[u8]);
}

/// SHA-256 of an in-memory byte string, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hash one regular file in a single streaming pass, feeding every extra sink the same
/// bytes. Anything else (a FIFO, a device such as `/dev/zero`, a directory) is refused
/// without being read: it could block or never end.
pub fn hash_file(path: &Path, sinks: &mut [&mut dyn Sink]) -> io::Result<FileDigest> {
    let (mut file, _) = open_regular(path)?;
    hash_reader(&mut file, sinks)
}

/// `bounded::open_regular` as an `io::Result` (the digest API's error type).
fn open_regular(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    crate::bounded::open_regular(path).map_err(|e| match e {
        crate::bounded::ReadError::Io(e) => e,
        crate::bounded::ReadError::NotRegular(kind) => io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file, so it was not read"),
        ),
        other => io::Error::other(other.describe(path)),
    })
}

/// Hash any reader in a single streaming pass.
pub fn hash_reader(reader: &mut dyn Read, sinks: &mut [&mut dyn Sink]) -> io::Result<FileDigest> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let bytes = &buffer[..n];
        hasher.update(bytes);
        for sink in sinks.iter_mut() {
            sink.update(bytes);
        }
        size += n as u64;
    }
    Ok(FileDigest {
        sha256: hasher.finalize().into(),
        size,
    })
}

/// How far hashing has got, for a progress display. Hashing only adds to these counters
/// (one relaxed atomic add per 1 MiB chunk); a display thread reads them on its own clock,
/// so showing progress never puts a lock or a terminal write on the hashing path.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of every file whose hashing has started.
    pub bytes_total: AtomicU64,
    /// Bytes hashed so far.
    pub bytes_done: AtomicU64,
    pub files_total: AtomicU64,
    pub files_done: AtomicU64,
}

/// A sink that counts the bytes it sees into a shared counter.
struct Counter<'a>(&'a AtomicU64);

impl Sink for Counter<'_> {
    fn update(&mut self, bytes: &[u8]) {
        self.0.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
}

type Slot = Arc<OnceLock<Result<FileDigest, Arc<io::Error>>>>;

/// Digests shared by every gate in one evaluation: a file is hashed at most once, whoever
/// asks first, and concurrent askers wait for that one read.
#[derive(Default)]
pub struct DigestCache {
    slots: Mutex<HashMap<PathBuf, Slot>>,
    progress: Option<Arc<Progress>>,
}

impl DigestCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache whose reads advance `progress`.
    pub fn with_progress(progress: Arc<Progress>) -> Self {
        DigestCache {
            slots: Mutex::default(),
            progress: Some(progress),
        }
    }

    /// Hash `path`, counting into the progress counters when there are any.
    fn hash(&self, path: &Path, sinks: &mut [&mut dyn Sink]) -> io::Result<FileDigest> {
        let Some(progress) = &self.progress else {
            return hash_file(path, sinks);
        };
        let (mut file, metadata) = open_regular(path)?;
        let size = metadata.len();
        progress.files_total.fetch_add(1, Ordering::Relaxed);
        progress.bytes_total.fetch_add(size, Ordering::Relaxed);
        let mut counter = Counter(&progress.bytes_done);
        let mut all: Vec<&mut dyn Sink> = Vec::with_capacity(sinks.len() + 1);
        for sink in sinks.iter_mut() {
            all.push(&mut **sink);
        }
        all.push(&mut counter);
        let result = hash_reader(&mut file, &mut all);
        progress.files_done.fetch_add(1, Ordering::Relaxed);
        result
    }

    fn slot(&self, path: &Path) -> Slot {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        slots.entry(path.to_path_buf()).or_default().clone()
    }

    /// The digest of `path`, reading the file only if nobody has yet.
    pub fn digest(&self, path: &Path) -> Result<FileDigest, Arc<io::Error>> {
        self.slot(path)
            .get_or_init(|| self.hash(path, &mut []).map_err(Arc::new))
            .clone()
    }

    /// The digest of `path`; when this call is the one that reads the file, `sinks` see its
    /// bytes too. Returns whether the sinks were fed, so a caller can fall back to a second
    /// read in the rare case another gate hashed the file first.
    pub fn digest_feeding(
        &self,
        path: &Path,
        sinks: &mut [&mut dyn Sink],
    ) -> (Result<FileDigest, Arc<io::Error>>, bool) {
        let slot = self.slot(path);
        let mut fed = false;
        let result = slot
            .get_or_init(|| {
                fed = true;
                self.hash(path, sinks).map_err(Arc::new)
            })
            .clone();
        (result, fed)
    }

    /// Hash many files in parallel (one file per core at a time).
    pub fn digest_all(&self, paths: &[PathBuf]) -> Vec<Result<FileDigest, Arc<io::Error>>> {
        paths.par_iter().map(|p| self.digest(p)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    struct Count(usize);
    impl Sink for Count {
        fn update(&mut self, bytes: &[u8]) {
            self.0 += bytes.len();
        }
    }

    #[test]
    fn known_vector_and_size() {
        let digest = hash_reader(&mut &b"abc"[..], &mut []).unwrap();
        assert_eq!(
            digest.hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(digest.size, 3);
    }

    #[test]
    fn sinks_see_every_byte_across_chunks() {
        let data = vec![7u8; CHUNK * 2 + 5];
        let mut count = Count(0);
        let digest = hash_reader(&mut &data[..], &mut [&mut count]).unwrap();
        assert_eq!(count.0, data.len());
        assert_eq!(digest.hex(), sha256_hex(&data));
    }

    #[test]
    fn cache_reads_a_file_once() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"hello").unwrap();
        let cache = DigestCache::new();
        let first = cache.digest(file.path()).unwrap();
        // Change the file: a cached digest proves the second call did not read it again.
        std::fs::write(file.path(), b"changed").unwrap();
        assert_eq!(cache.digest(file.path()).unwrap(), first);
        let mut count = Count(0);
        let (again, fed) = cache.digest_feeding(file.path(), &mut [&mut count]);
        assert_eq!(again.unwrap(), first);
        assert!(!fed);
        assert_eq!(count.0, 0);
    }

    #[test]
    fn progress_counts_every_byte_and_file_without_changing_the_digest() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let data = vec![3u8; CHUNK + 17];
        file.write_all(&data).unwrap();
        let progress = Arc::new(Progress::default());
        let cache = DigestCache::with_progress(progress.clone());
        let mut count = Count(0);
        let (digest, fed) = cache.digest_feeding(file.path(), &mut [&mut count]);
        assert!(fed);
        assert_eq!(digest.unwrap().hex(), sha256_hex(&data));
        assert_eq!(
            count.0,
            data.len(),
            "the caller's sink still sees every byte"
        );
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        assert_eq!(load(&progress.bytes_done), data.len() as u64);
        assert_eq!(load(&progress.bytes_total), data.len() as u64);
        assert_eq!(
            (load(&progress.files_done), load(&progress.files_total)),
            (1, 1)
        );
    }

    #[test]
    fn missing_file_is_an_error_not_a_digest() {
        let cache = DigestCache::new();
        assert!(cache.digest(Path::new("/nonexistent/tollgate")).is_err());
    }
}

//! Cargo.lock, read once: its digest (evidence) and its packages (names, versions, sources,
//! checksums), parsed with the `cargo-lock` crate (every lockfile format, v1 to v4).

use crate::digest::sha256_hex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One `[[package]]` of Cargo.lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockPackage {
    pub name: String,
    pub version: String,
    /// `registry+…`, `sparse+…`, `git+…`; `None` for path packages.
    pub source: Option<String>,
    pub checksum: Option<String>,
    /// Whether the source is a registry (where cargo always records a checksum).
    pub from_registry: bool,
}

#[derive(Debug, Clone)]
pub struct Lockfile {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub packages: Vec<LockPackage>,
    versions: HashSet<(String, String)>,
}

impl Lockfile {
    pub fn read(path: &Path) -> Result<Lockfile, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
        let parsed = cargo_lock::Lockfile::from_str(text)
            .map_err(|e| format!("{} is not a valid Cargo.lock: {e}", path.display()))?;
        let packages: Vec<LockPackage> = parsed
            .packages
            .iter()
            .map(|p| LockPackage {
                name: p.name.as_str().to_owned(),
                version: p.version.to_string(),
                source: p.source.as_ref().map(|s| s.to_string()),
                checksum: p.checksum.as_ref().map(|c| c.to_string()),
                from_registry: p.source.as_ref().is_some_and(|s| s.is_registry()),
            })
            .collect();
        let versions = packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        Ok(Lockfile {
            path: path.to_path_buf(),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            packages,
            versions,
        })
    }

    /// Whether some package `name` at `version` is locked.
    pub fn contains(&self, name: &str, version: &str) -> bool {
        self.versions
            .contains(&(name.to_owned(), version.to_owned()))
    }

    /// The checksum Cargo.lock records for a registry package `name` at `version`, if any.
    pub fn checksum(&self, name: &str, version: &str) -> Option<&str> {
        self.packages
            .iter()
            .filter(|p| p.name == name && p.version == version)
            .find_map(|p| p.checksum.as_deref())
    }

    /// Registry packages without a checksum: cargo cannot verify what it downloads for them.
    pub fn without_checksum(&self) -> impl Iterator<Item = &LockPackage> {
        self.packages
            .iter()
            .filter(|p| p.from_registry && p.checksum.is_none())
    }
}

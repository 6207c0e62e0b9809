//! The replay's stand-in filesystem: a temporary directory that mirrors the paths the
//! original evaluation used, so the real gates can read stored evidence where they read the
//! originals, and their output can be translated back to the original paths.
//!
//! Absolute paths land under `<tmp>/abs/…`; paths relative to the original working directory
//! land under `<tmp>/cwd/d1/…/d8/…`, nested deep enough that up to eight `..` stay inside the
//! tree. Anything that would climb out is refused, so a crafted ledger entry can never make
//! replay write outside its temporary directory.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use tempfile::TempDir;

/// How many `..` a relative path may climb before it is refused.
const CWD_DEPTH: usize = 8;

pub struct Tree {
    dir: TempDir,
    abs: PathBuf,
    cwd: PathBuf,
    /// Every file written, by real location, with its bytes' digest (to spot conflicts).
    written: BTreeMap<PathBuf, String>,
}

/// Whether a file is where the gate read it (a conflict is an error) or an extra copy at the
/// working directory (a conflict keeps the first file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Primary,
    Copy,
}

impl Tree {
    pub fn new() -> Result<Tree, String> {
        let dir = tempfile::Builder::new()
            .prefix("tollgate-replay-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory for the replay: {e}"))?;
        let abs = dir.path().join("abs");
        let mut cwd = dir.path().join("cwd");
        for level in 1..=CWD_DEPTH {
            cwd.push(format!("d{level}"));
        }
        std::fs::create_dir_all(&cwd)
            .and_then(|()| std::fs::create_dir_all(&abs))
            .map_err(|e| format!("cannot create {}: {e}", dir.path().display()))?;
        Ok(Tree {
            dir,
            abs,
            cwd,
            written: BTreeMap::new(),
        })
    }

    /// A scratch directory for what gates write (their `out`).
    pub fn scratch(&self) -> Result<PathBuf, String> {
        let out = self.dir.path().join("out");
        std::fs::create_dir_all(&out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        Ok(out)
    }

    /// The path to hand a gate for an original path, as the original spelled it (`..` kept,
    /// so messages that quote it translate back exactly).
    pub fn mapped(&self, original: &str) -> Result<PathBuf, String> {
        self.normalised(original)?;
        Ok(self.join_unchecked(original))
    }

    fn join_unchecked(&self, original: &str) -> PathBuf {
        match original.strip_prefix('/') {
            Some(rest) => self.abs.join(rest),
            None => self.cwd.join(original),
        }
    }

    /// Where an original path really lands in the tree (`..` resolved lexically), or why it
    /// cannot be placed.
    pub fn normalised(&self, original: &str) -> Result<PathBuf, String> {
        let path = Path::new(original);
        let (mut at, floor) = if path.is_absolute() {
            (self.abs.clone(), self.abs.components().count())
        } else {
            (self.cwd.clone(), self.cwd.components().count() - CWD_DEPTH)
        };
        for component in path.components() {
            match component {
                Component::RootDir | Component::CurDir => {}
                Component::Normal(part) => at.push(part),
                Component::ParentDir => {
                    if at.components().count() <= floor {
                        return Err(format!(
                            "evidence path {original:?} climbs out of every directory the replay can mirror"
                        ));
                    }
                    at.pop();
                }
                Component::Prefix(_) => {
                    return Err(format!("evidence path {original:?} is not a Unix path"));
                }
            }
        }
        if at.components().count() <= floor {
            return Err(format!(
                "evidence path {original:?} names a directory, not a file"
            ));
        }
        Ok(at)
    }

    /// Write stored bytes where the original path was.
    pub fn put(
        &mut self,
        original: &str,
        bytes: &[u8],
        placement: Placement,
    ) -> Result<(), String> {
        let target = self.normalised(original)?;
        let digest = crate::digest::sha256_hex(bytes);
        if let Some(existing) = self.written.get(&target) {
            if *existing == digest || placement == Placement::Copy {
                return Ok(());
            }
            return Err(format!(
                "two different stored files were read at {original}: the entry's evidence is inconsistent"
            ));
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, bytes)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        self.written.insert(target, digest);
        Ok(())
    }

    /// Make sure a directory exists (the release directory, even when no file of it was
    /// stored).
    pub fn ensure_dir(&self, original: &str) -> Result<PathBuf, String> {
        let target = self.normalised(original)?;
        std::fs::create_dir_all(&target)
            .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        Ok(self.join_unchecked(original))
    }

    /// Translate text the replayed gates produced back to the original paths.
    pub fn restore(&self, text: &str) -> String {
        let cwd = format!("{}/", self.cwd.display());
        let abs = format!("{}/", self.abs.display());
        text.replace(&cwd, "").replace(&abs, "/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_and_restore_and_escapes_are_refused() {
        let tree = Tree::new().unwrap();
        for original in ["/srv/release/SHA256SUMS", "gates/../ops/drills.jsonl", "x"] {
            let mapped = tree.mapped(original).unwrap();
            assert_eq!(tree.restore(&mapped.display().to_string()), original);
        }
        assert!(tree.mapped("../../../../../../../../x").is_ok());
        let err = tree.mapped("../../../../../../../../../x").unwrap_err();
        assert!(err.contains("climbs out"), "{err}");
        assert!(tree.mapped("/../etc/passwd").is_err());
        assert!(tree.normalised("/srv/..").is_err());
    }

    #[test]
    fn conflicting_files_are_refused_and_copies_yield() {
        let mut tree = Tree::new().unwrap();
        tree.put("/a/b", b"one", Placement::Primary).unwrap();
        tree.put("/a/b", b"one", Placement::Primary).unwrap();
        tree.put("/a/b", b"two", Placement::Copy).unwrap();
        assert!(tree.put("/a/b", b"two", Placement::Primary).is_err());
        assert_eq!(
            std::fs::read(tree.normalised("/a/b").unwrap()).unwrap(),
            b"one"
        );
    }
}

//! The release directory: listing its files and resolving names without escaping it.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a name from a sums file cannot be used inside the release directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A regular file inside the release directory.
    File(PathBuf),
    /// Nothing exists at that name.
    Missing,
    /// The name exists but is not a regular file, or is a symlink to something that is not
    /// (a directory, a FIFO, a socket, a device): what it is. Never to be opened.
    NotAFile(&'static str),
    /// The name is absolute, climbs with `..`, or resolves through a symlink to a place
    /// outside the release directory.
    Escapes(&'static str),
}

/// A release directory with its canonical root.
pub struct ReleaseDir {
    pub root: PathBuf,
    canonical: PathBuf,
}

impl ReleaseDir {
    pub fn open(root: &Path) -> io::Result<ReleaseDir> {
        let canonical = root.canonicalize()?;
        if !canonical.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(ReleaseDir {
            root: root.to_path_buf(),
            canonical,
        })
    }

    /// Resolve a relative name (as written in a sums file) safely.
    pub fn resolve(&self, name: &str) -> Resolved {
        let path = Path::new(name);
        if name.contains('\0') {
            return Resolved::Escapes("the name contains a NUL byte");
        }
        for component in path.components() {
            match component {
                Component::Normal(_) | Component::CurDir => {}
                Component::ParentDir => return Resolved::Escapes("the name climbs out with `..`"),
                Component::RootDir | Component::Prefix(_) => {
                    return Resolved::Escapes("the name is an absolute path");
                }
            }
        }
        let joined = self.canonical.join(path);
        if joined.symlink_metadata().is_err() {
            return Resolved::Missing;
        }
        let Ok(target) = joined.canonicalize() else {
            // A dangling symlink: it points somewhere that does not exist.
            return Resolved::Missing;
        };
        if !target.starts_with(&self.canonical) {
            return Resolved::Escapes("a symlink on the way points outside the release directory");
        }
        // `target` is canonical (no symlink left), so this is the type of what would be read.
        match target.symlink_metadata() {
            Ok(meta) if meta.is_file() => Resolved::File(target),
            Ok(meta) => Resolved::NotAFile(crate::bounded::kind(&meta.file_type())),
            Err(_) => Resolved::Missing,
        }
    }

    /// How `resolve`'s answer reads after a name: "is missing", "is a FIFO (named pipe)".
    pub fn describe(resolved: &Resolved) -> String {
        match resolved {
            Resolved::File(_) => "is present".to_owned(),
            Resolved::Missing => "is missing".to_owned(),
            Resolved::NotAFile(kind) => format!("is {kind}, not a regular file"),
            Resolved::Escapes(why) => format!("cannot be used: {why}"),
        }
    }

    /// Every non-directory entry under the root, as `/`-separated relative names, sorted.
    /// A symlink to a directory inside the release is followed (its files are listed under
    /// the link's name), unless it points back at a directory on its own path (a cycle); a
    /// symlink to a directory outside the release is listed as a name, which `resolve`
    /// refuses as escaping.
    pub fn list(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        // (real directory, its name in the listing, the real directories on the way there)
        let mut stack = vec![(
            self.canonical.clone(),
            String::new(),
            vec![self.canonical.clone()],
        )];
        while let Some((dir, prefix, ancestors)) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let kind = entry.file_type()?;
                let real = if kind.is_dir() {
                    Some(entry.path())
                } else if kind.is_symlink() {
                    entry
                        .path()
                        .canonicalize()
                        .ok()
                        .filter(|t| t.is_dir() && t.starts_with(&self.canonical))
                        .filter(|t| !ancestors.contains(t))
                } else {
                    None
                };
                match real {
                    Some(real) => {
                        let mut on_the_way = ancestors.clone();
                        on_the_way.push(real.canonicalize().unwrap_or_else(|_| real.clone()));
                        stack.push((real, rel, on_the_way));
                    }
                    None => names.push(rel),
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// The path to read for a name that `list` returned: the regular file it resolves to
    /// inside the release, or why it must not be read (a special file, a symlink leading
    /// out of the release directory, a dangling symlink).
    pub fn path_of(&self, name: &str) -> Result<PathBuf, String> {
        match self.resolve(name) {
            Resolved::File(path) => Ok(path),
            other => Err(format!("{name} {}", Self::describe(&other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_rejects_escapes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.bin"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let release = ReleaseDir::open(dir.path()).unwrap();
        assert!(matches!(release.resolve("a.bin"), Resolved::File(_)));
        assert!(matches!(release.resolve("./a.bin"), Resolved::File(_)));
        assert_eq!(release.resolve("missing"), Resolved::Missing);
        assert_eq!(release.resolve("sub"), Resolved::NotAFile("a directory"));
        assert!(matches!(release.resolve("../a.bin"), Resolved::Escapes(_)));
        assert!(matches!(
            release.resolve("sub/../../x"),
            Resolved::Escapes(_)
        ));
        assert!(matches!(
            release.resolve("/etc/passwd"),
            Resolved::Escapes(_)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_outside_escapes_and_inside_is_fine() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), b"r").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("in")).unwrap();
        let release = ReleaseDir::open(dir.path()).unwrap();
        assert!(matches!(release.resolve("out"), Resolved::Escapes(_)));
        assert!(matches!(release.resolve("in"), Resolved::File(_)));
        assert_eq!(release.list().unwrap(), ["in", "out", "real"]);
    }

    /// Issue 10: special files, and symlinks to them or to directories, are named by kind
    /// (never "Is a directory (os error 21)" from an attempted read).
    #[cfg(unix)]
    #[test]
    fn special_files_and_symlinks_to_them_are_not_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("sub", dir.path().join("to-dir")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe"))
            .status();
        assert!(made.unwrap().success());
        let release = ReleaseDir::open(dir.path()).unwrap();
        assert_eq!(release.resolve("to-dir"), Resolved::NotAFile("a directory"));
        assert_eq!(
            release.resolve("pipe"),
            Resolved::NotAFile("a FIFO (named pipe)")
        );
        assert!(matches!(release.resolve("zero"), Resolved::Escapes(_)));
        let refused = release.path_of("zero").unwrap_err();
        assert!(refused.contains("points outside the release"), "{refused}");
        assert!(release.path_of("pipe").is_err());
    }

    /// Issue 15: a symlinked directory that stays inside the release is followed; one that
    /// leaves it is a name that resolves as escaping; a link back up is not followed forever.
    #[cfg(unix)]
    #[test]
    fn symlinked_directories_inside_are_followed_outside_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("v1")).unwrap();
        std::fs::write(dir.path().join("v1/app.tar.gz"), b"a").unwrap();
        std::os::unix::fs::symlink("v1", dir.path().join("latest")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("v1/up")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
        let release = ReleaseDir::open(dir.path()).unwrap();
        let names = release.list().unwrap();
        assert_eq!(
            names,
            [
                "elsewhere",
                "latest/app.tar.gz",
                "latest/up",
                "v1/app.tar.gz",
                "v1/up"
            ]
        );
        assert!(matches!(
            release.resolve("latest/app.tar.gz"),
            Resolved::File(_)
        ));
        assert!(matches!(release.resolve("elsewhere"), Resolved::Escapes(_)));
        assert!(matches!(
            release.resolve("elsewhere/secret"),
            Resolved::Escapes(_)
        ));
    }

    #[test]
    fn list_recurses_with_slash_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("d/e")).unwrap();
        std::fs::write(dir.path().join("d/e/f"), b"").unwrap();
        std::fs::write(dir.path().join("top"), b"").unwrap();
        let release = ReleaseDir::open(dir.path()).unwrap();
        assert_eq!(release.list().unwrap(), ["d/e/f", "top"]);
    }
}

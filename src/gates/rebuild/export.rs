//! Exporting one commit's tree (and nothing else: no untracked, ignored or uncommitted
//! file) into a fresh directory with git2.

use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The commit the rebuild starts from.
#[derive(Debug, Clone)]
pub struct Exported {
    pub sha: String,
    /// The committer time, seconds since the epoch (the build's SOURCE_DATE_EPOCH).
    pub time: i64,
    /// Files written.
    pub files: u64,
}

/// Write the tree of HEAD in the repository containing `repo` to `into` (which must exist
/// and be empty).
pub fn export_head(repo: &Path, into: &Path) -> Result<Exported, String> {
    let repository = git2::Repository::discover(repo).map_err(|e| {
        format!(
            "cannot open a git repository at {}: {} (the rebuild starts from --repo's HEAD commit)",
            repo.display(),
            e.message()
        )
    })?;
    let commit = repository
        .head()
        .and_then(|head| head.peel_to_commit())
        .map_err(|e| format!("{}: HEAD is not a commit: {}", repo.display(), e.message()))?;
    let tree = commit
        .tree()
        .map_err(|e| format!("cannot read the tree of {}: {}", commit.id(), e.message()))?;
    let mut files = 0;
    write_tree(&repository, &tree, into, &mut files)?;
    Ok(Exported {
        sha: commit.id().to_string(),
        time: commit.time().seconds(),
        files,
    })
}

fn write_tree(
    repository: &git2::Repository,
    tree: &git2::Tree<'_>,
    dir: &Path,
    files: &mut u64,
) -> Result<(), String> {
    for entry in tree.iter() {
        let name = entry
            .name()
            .ok()
            .filter(|n| !n.is_empty() && *n != "." && *n != ".." && !n.contains('/'))
            .ok_or_else(|| {
                format!(
                    "the commit's tree holds an unusable name {:?} in {}",
                    String::from_utf8_lossy(entry.name_bytes()),
                    dir.display()
                )
            })?;
        let path = dir.join(name);
        let object = entry
            .to_object(repository)
            .map_err(|e| format!("cannot read {}: {}", path.display(), e.message()))?;
        match entry.filemode() {
            0o040000 => {
                let subtree = object
                    .as_tree()
                    .ok_or_else(|| format!("{} is not a tree", path.display()))?;
                fs::create_dir(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                write_tree(repository, subtree, &path, files)?;
            }
            mode @ (0o100644 | 0o100755) => {
                let blob = object
                    .as_blob()
                    .ok_or_else(|| format!("{} is not a blob", path.display()))?;
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                file.write_all(blob.content())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                let bits = if mode == 0o100755 { 0o755 } else { 0o644 };
                fs::set_permissions(&path, fs::Permissions::from_mode(bits))
                    .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
                *files += 1;
            }
            0o120000 => {
                let blob = object
                    .as_blob()
                    .ok_or_else(|| format!("{} is not a blob", path.display()))?;
                let target = std::ffi::OsStr::from_bytes(blob.content());
                std::os::unix::fs::symlink(target, &path)
                    .map_err(|e| format!("cannot create the symlink {}: {e}", path.display()))?;
                *files += 1;
            }
            0o160000 => {
                return Err(format!(
                    "{} is a git submodule: a rebuild from the commit alone cannot include it \
                     (vendor it, or rebuild outside tollgate)",
                    path.display()
                ));
            }
            mode => {
                return Err(format!(
                    "{}: unknown git file mode {mode:o}",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

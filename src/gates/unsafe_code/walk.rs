//! The `.rs` files of one package: every file under the package directory, except build
//! output, hidden directories and nested packages (a directory with its own Cargo.toml is
//! another package, scanned as itself or not at all). Symlinks are not followed.

use std::path::{Path, PathBuf};

/// Directory names never descended into.
const SKIPPED_DIRS: &[&str] = &["target"];

/// Every `.rs` file under `root`, sorted; `Err` names the directory that cannot be listed.
pub fn rust_files(root: &Path, target_dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if file_type.is_dir() {
                if name.starts_with('.')
                    || SKIPPED_DIRS.contains(&name.as_ref())
                    || path == target_dir
                    || path.join("Cargo.toml").exists()
                {
                    continue;
                }
                pending.push(path);
            } else if file_type.is_file() && name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_build_output_hidden_dirs_and_nested_packages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "src/lib.rs",
            "src/a/b.rs",
            "tests/t.rs",
            "target/debug/build/x/out.rs",
            ".git/x.rs",
            "fuzz/Cargo.toml",
            "fuzz/src/f.rs",
            "README.md",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let files: Vec<String> = rust_files(root, &root.join("target"))
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(files, ["src/a/b.rs", "src/lib.rs", "tests/t.rs"]);
    }
}

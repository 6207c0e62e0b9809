//! A release's subjects as change control sees them: every artifact its sums file lists,
//! with the digest listed there (parsed by the signatures gate's parser). `propose` binds
//! these; the approvals gate compares them, as a set, with what a proposal bound.

use crate::bounded::{caps, read_capped};
use crate::release::{ReleaseDir, Resolved};
use crate::report::Subject;
use std::collections::BTreeMap;
use std::path::Path;

/// The subjects `sums` (relative to `release`) lists, sorted by name then digest. A sums file
/// that is missing, unreadable, malformed, empty, or lists one name with two digests is an
/// error naming the file (and line): change control never binds a guess.
pub fn from_sums(release: &Path, sums: &str) -> Result<Vec<Subject>, String> {
    let dir = ReleaseDir::open(release)
        .map_err(|e| format!("cannot open release directory {}: {e}", release.display()))?;
    let path = match dir.resolve(sums) {
        Resolved::File(path) => path,
        other => {
            return Err(format!(
                "sums file `{sums}` in {} {}: the release's subjects come from it",
                release.display(),
                ReleaseDir::describe(&other)
            ));
        }
    };
    let bytes = read_capped(&path, caps::SUMS).map_err(|e| e.describe(&path))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    let parsed = crate::gates::signatures::parse_sums(&text);
    if let Some(bad) = parsed.malformed.first() {
        return Err(format!(
            "{} line {}: {}; regenerate it with `sha256sum FILE... > {sums}`",
            path.display(),
            bad.line,
            bad.reason
        ));
    }
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for entry in parsed.entries {
        let name = entry
            .name
            .strip_prefix("./")
            .unwrap_or(&entry.name)
            .to_owned();
        if let Some(seen) = by_name.get(&name)
            && *seen != entry.sha256
        {
            return Err(format!(
                "{} line {}: `{name}` is listed twice with different digests",
                path.display(),
                entry.line
            ));
        }
        by_name.insert(name, entry.sha256);
    }
    if by_name.is_empty() {
        return Err(format!("{} lists no artifacts", path.display()));
    }
    Ok(by_name
        .into_iter()
        .map(|(name, sha256)| Subject { name, sha256 })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn subjects_are_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{A}  b.bin\n{A}  ./a.bin\n{A}  b.bin\n");
        std::fs::write(dir.path().join("SHA256SUMS"), text).unwrap();
        let subjects = from_sums(dir.path(), "SHA256SUMS").unwrap();
        let names: Vec<_> = subjects.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a.bin", "b.bin"]);
    }

    #[test]
    fn malformed_empty_and_conflicting_sums_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| std::fs::write(dir.path().join("SHA256SUMS"), text).unwrap();
        write("not a sums line\n");
        assert!(
            from_sums(dir.path(), "SHA256SUMS")
                .unwrap_err()
                .contains("line 1")
        );
        write("");
        assert!(
            from_sums(dir.path(), "SHA256SUMS")
                .unwrap_err()
                .contains("no artifacts")
        );
        write(&format!("{A}  a\n{}  a\n", "0".repeat(64)));
        assert!(
            from_sums(dir.path(), "SHA256SUMS")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            from_sums(dir.path(), "MISSING")
                .unwrap_err()
                .contains("is missing")
        );
    }
}

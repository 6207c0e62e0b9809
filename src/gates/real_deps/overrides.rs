//! `[patch.<source>]` and `[replace]` entries of the workspace root manifest: each swaps a
//! dependency for code from elsewhere, so each is reported unless the policy allows where it
//! comes from.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Where an override takes its code from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Path(String),
    /// A git URL and the `rev`, `branch` or `tag` it names (`None`: the default branch).
    Git {
        url: String,
        reference: Option<(String, String)>,
    },
    /// A registry, a version, or anything else.
    Other(String),
}

/// One override entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// `patch.crates-io` or `replace`.
    pub table: String,
    /// The patched name, or the replaced `name:version` spec.
    pub name: String,
    pub origin: Origin,
    /// 1-based line of the entry in the manifest.
    pub line: u64,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    patch: BTreeMap<String, BTreeMap<String, Spanned<toml::Value>>>,
    #[serde(default)]
    replace: BTreeMap<String, Spanned<toml::Value>>,
}

/// Every `[patch]` and `[replace]` entry of the manifest at `path`, in file order.
pub fn read(path: &Path) -> Result<Vec<Override>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text)
        .map_err(|e| format!("cannot read [patch]/[replace] of {}: {e}", path.display()))?;
    let line = |value: &Spanned<toml::Value>| crate::policy::line_col(&text, value.span().start).0;
    let mut entries = Vec::new();
    for (source, table) in &manifest.patch {
        for (name, value) in table {
            entries.push(Override {
                table: format!("patch.{source}"),
                name: name.clone(),
                origin: origin(value.get_ref()),
                line: line(value) as u64,
            });
        }
    }
    for (spec, value) in &manifest.replace {
        entries.push(Override {
            table: "replace".to_owned(),
            name: spec.clone(),
            origin: origin(value.get_ref()),
            line: line(value) as u64,
        });
    }
    entries.sort_by_key(|e| e.line);
    Ok(entries)
}

fn origin(value: &toml::Value) -> Origin {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    if let Some(path) = text("path") {
        return Origin::Path(path);
    }
    if let Some(url) = text("git") {
        let reference = ["rev", "tag", "branch"]
            .iter()
            .find_map(|key| text(key).map(|v| (key.to_string(), v)));
        return Origin::Git { url, reference };
    }
    Origin::Other(match value {
        toml::Value::String(version) => format!("version {version}"),
        other => other.to_string(),
    })
}

/// Whether `rev` names a full commit (SHA-1, or SHA-256 for repositories that use it).
pub fn is_full_commit(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_patch_and_replace_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        std::fs::write(
            &path,
            "[workspace]\n\n[patch.crates-io]\nserde = { path = \"../serde\" }\nrand = { git = \"https://example.org/rand\", branch = \"main\" }\n\n[replace]\n\"hex:0.4.3\" = { git = \"https://example.org/hex\", rev = \"0123456789abcdef0123456789abcdef01234567\" }\n",
        )
        .unwrap();
        let entries = read(&path).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].name, "serde");
        assert_eq!(entries[0].origin, Origin::Path("../serde".into()));
        assert_eq!(entries[0].line, 4);
        assert_eq!(entries[1].table, "patch.crates-io");
        assert_eq!(
            entries[1].origin,
            Origin::Git {
                url: "https://example.org/rand".into(),
                reference: Some(("branch".into(), "main".into()))
            }
        );
        assert_eq!(entries[2].table, "replace");
        assert_eq!(entries[2].line, 8);
    }

    #[test]
    fn full_commits_only() {
        assert!(is_full_commit("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_full_commit("0123456"));
        assert!(!is_full_commit("main"));
        assert!(!is_full_commit("0123456789abcdef0123456789abcdef0123456g"));
    }
}

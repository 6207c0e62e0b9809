//! Which feature resolver the workspace uses. Resolver 2 (and 3) keep dev-dependency
//! features out of release builds; resolver 1 unifies them in, so with it the features
//! `cargo metadata` reports are the ones a release build really gets.

use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Manifest {
    workspace: Option<Workspace>,
    package: Option<Package>,
}

#[derive(Deserialize)]
struct Workspace {
    resolver: Option<String>,
    package: Option<Inherited>,
}

#[derive(Deserialize)]
struct Inherited {
    edition: Option<String>,
}

#[derive(Deserialize)]
struct Package {
    resolver: Option<String>,
    edition: Option<toml::Value>,
}

/// Whether the workspace whose root manifest is `path` resolves features per build kind
/// (resolver "2" or later, explicit or implied by the root package's edition 2021+).
pub fn separates_dev_features(path: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest =
        toml::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
    let explicit = manifest
        .workspace
        .as_ref()
        .and_then(|w| w.resolver.clone())
        .or_else(|| manifest.package.as_ref().and_then(|p| p.resolver.clone()));
    if let Some(resolver) = explicit {
        return Ok(resolver != "1");
    }
    // Without an explicit resolver, a root package's edition decides; a virtual
    // workspace gets resolver 1.
    let edition = manifest.package.as_ref().and_then(|p| match &p.edition {
        Some(toml::Value::String(e)) => Some(e.clone()),
        // `edition.workspace = true` inherits [workspace.package] edition.
        Some(toml::Value::Table(_)) => manifest
            .workspace
            .as_ref()
            .and_then(|w| w.package.as_ref())
            .and_then(|p| p.edition.clone()),
        _ => None,
    });
    Ok(edition.is_some_and(|e| e.as_str() >= "2021"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        std::fs::write(&path, text).unwrap();
        separates_dev_features(&path).unwrap()
    }

    #[test]
    fn explicit_resolver_then_edition_then_resolver_1() {
        assert!(check("[workspace]\nresolver = \"2\"\n"));
        assert!(check("[workspace]\nresolver = \"3\"\n"));
        assert!(!check("[workspace]\nresolver = \"1\"\n"));
        assert!(!check("[workspace]\nmembers = [\"a\"]\n"));
        assert!(check("[package]\nname = \"a\"\nedition = \"2021\"\n"));
        assert!(check("[package]\nname = \"a\"\nedition = \"2024\"\n"));
        assert!(!check("[package]\nname = \"a\"\nedition = \"2018\"\n"));
        assert!(!check("[package]\nname = \"a\"\n"));
        assert!(!check(
            "[package]\nname = \"a\"\nedition = \"2021\"\nresolver = \"1\"\n"
        ));
        assert!(check(
            "[workspace.package]\nedition = \"2021\"\n[package]\nname = \"a\"\nedition.workspace = true\n"
        ));
    }
}

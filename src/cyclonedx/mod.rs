//! CycloneDX SBOMs: generating one for a release build, and reading one (JSON or XML) with
//! the cyclonedx-bom crate.

mod generate;
mod read;

pub use generate::sbom_json;
pub use read::{Document, Format, READABLE, ReadError, parse, problems};

/// The package URL identity tollgate matches on: `pkg:cargo/NAME@VERSION`, without
/// qualifiers or subpath. `None` for anything that is not a cargo purl with a version.
pub fn cargo_purl(purl: &str) -> Option<(String, String)> {
    let parsed: purl::GenericPurl<String> = purl.parse().ok()?;
    if parsed.package_type().as_str() != "cargo" || parsed.namespace().is_some() {
        return None;
    }
    Some((parsed.name().to_owned(), parsed.version()?.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_purls_match_without_qualifiers() {
        assert_eq!(
            cargo_purl("pkg:cargo/net@0.1.0"),
            Some(("net".into(), "0.1.0".into()))
        );
        assert_eq!(
            cargo_purl("pkg:cargo/chain-node@0.1.0?download_url=file://.#src/main.rs"),
            Some(("chain-node".into(), "0.1.0".into()))
        );
        assert_eq!(cargo_purl("pkg:npm/left-pad@1.0.0"), None);
        assert_eq!(cargo_purl("pkg:cargo/net"), None);
        assert_eq!(cargo_purl("not a purl"), None);
    }
}

//! Package URLs as the purl spec reads them (with the `purl` crate): percent-decoded name and
//! version (cdxgen writes `2.0.13%2Bzstd.1.5.6`), qualifiers and subpath kept apart.

use std::collections::BTreeMap;

/// A `pkg:cargo/NAME@VERSION[?QUALIFIERS][#SUBPATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoPurl {
    pub name: String,
    /// Percent-decoded: `1.0.0+build` whether written with `+` or `%2B`.
    pub version: String,
    pub qualifiers: BTreeMap<String, String>,
    /// A part of the package (cargo-cyclonedx lists a crate's targets as `#src/main.rs`).
    pub subpath: Option<String>,
}

impl CargoPurl {
    /// `None` for anything that is not a cargo purl with a version (or not a purl at all).
    pub fn parse(text: &str) -> Option<CargoPurl> {
        let parsed: purl::GenericPurl<String> = text.parse().ok()?;
        if !parsed.package_type().eq_ignore_ascii_case("cargo") || parsed.namespace().is_some() {
            return None;
        }
        let version = parsed.version().filter(|v| !v.is_empty())?.to_owned();
        Some(CargoPurl {
            name: parsed.name().to_owned(),
            version,
            qualifiers: parsed
                .qualifiers()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.to_owned()))
                .collect(),
            subpath: parsed.subpath().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_percent_decoded() {
        let p = CargoPurl::parse("pkg:cargo/zstd-sys@2.0.13%2Bzstd.1.5.6").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("zstd-sys", "2.0.13+zstd.1.5.6")
        );
        let plain = CargoPurl::parse("pkg:cargo/zstd-sys@2.0.13+zstd.1.5.6").unwrap();
        assert_eq!(plain.version, p.version);
    }

    #[test]
    fn qualifiers_and_subpath_are_kept() {
        let p = CargoPurl::parse(
            "pkg:cargo/chain-node@0.1.0?download_url=file://.&repository_url=https%3A%2F%2Fexample.org#src/main.rs",
        )
        .unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("chain-node", "0.1.0")
        );
        assert_eq!(p.qualifiers["download_url"], "file://.");
        assert_eq!(p.qualifiers["repository_url"], "https://example.org");
        assert_eq!(p.subpath.as_deref(), Some("src/main.rs"));
    }

    #[test]
    fn other_types_and_versionless_purls_are_not_cargo_packages() {
        assert_eq!(CargoPurl::parse("pkg:npm/left-pad@1.0.0"), None);
        assert_eq!(CargoPurl::parse("pkg:cargo/net"), None);
        assert_eq!(CargoPurl::parse("pkg:cargo/ns/net@1.0.0"), None);
        assert_eq!(CargoPurl::parse("not a purl"), None);
    }
}

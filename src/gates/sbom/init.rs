//! What `tollgate init` writes for [gates.sbom], from what it detected.

use crate::init::{Facts, Section, quote};

/// The table, or `None` when nothing was detected for it: the release's SBOM when it ships
/// one, else one generated from the Cargo workspace at evaluation time.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let Some(found) = f.found.sboms.first() else {
        return f.found.cargo_toml.then(|| Section {
            about: vec![
                "No SBOM in the release: tollgate generates one from Cargo.toml at evaluation time and records its digest (ship your own with `file = \"...\"`).".to_owned(),
            ],
            lines: vec![
                "required = true".to_owned(),
                "generate = true".to_owned(),
                "manifest = \"Cargo.toml\"".to_owned(),
            ],
            template: false,
        });
    };
    let spec = found
        .spec_version
        .clone()
        .unwrap_or_else(|| "1.5".to_owned());
    Some(Section {
        about: vec![format!(
            "Found the CycloneDX SBOM {} (spec {spec}).",
            found.name
        )],
        lines: vec![
            "required = true".to_owned(),
            format!("file = {}", quote(&found.name)),
            format!("spec_version = {}", quote(&spec)),
        ],
        template: false,
    })
}

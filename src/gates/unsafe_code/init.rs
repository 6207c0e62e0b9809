//! What `tollgate init` writes for [gates.unsafe_code], for a Cargo workspace.

use crate::init::{Facts, Section};

/// The table, or `None` without Cargo.toml.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if !f.found.cargo_toml {
        return None;
    }
    Some(Section {
        about: vec![
            "Found Cargo.toml: every `unsafe` in the workspace's own code blocks unless allowed with a reason (docs/gates/unsafe_code.md); dependencies are counted for the evidence.".to_owned(),
        ],
        lines: vec![
            "required = true".to_owned(),
            "manifest = \"Cargo.toml\"".to_owned(),
            "dependencies = \"report\"".to_owned(),
        ],
        template: false,
    })
}

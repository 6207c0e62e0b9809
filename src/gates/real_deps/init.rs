//! What `tollgate init` writes for [gates.real_deps], from what it detected.

use crate::init::{Facts, Section};

/// The table, or `None` when nothing was detected for it.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if !f.found.cargo_toml {
        return None;
    }
    let lock = if f.found.cargo_lock {
        "Cargo.lock found"
    } else {
        "no Cargo.lock: commit one"
    };
    Some(Section {
        about: vec![format!(
            "Found Cargo.toml ({lock}): no mock, stub, fake or dummy crates in the release build."
        )],
        lines: vec![
            "required = true".to_owned(),
            "manifest = \"Cargo.toml\"".to_owned(),
            "deny = [\"*mock*\", \"*stub*\", \"*fake*\", \"*dummy*\"]".to_owned(),
            "allow_path = false".to_owned(),
            "allow_git = false".to_owned(),
        ],
        template: false,
    })
}

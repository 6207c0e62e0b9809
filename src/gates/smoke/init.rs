//! What `tollgate init` writes for [gates.smoke], from what it detected.

use crate::init::{Facts, Section, quote};

/// The table, or `None` when no smoke spec was found (the first one found is used).
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let spec = f.found.smoke_specs.first()?;
    let mut about = vec![format!(
        "Found the smoke spec {} (docs/gates/smoke.md).",
        spec.display()
    )];
    if f.found.smoke_specs.len() > 1 {
        about.push(format!(
            "{} specs were found; this one is used, the others are listed above.",
            f.found.smoke_specs.len()
        ));
    }
    Some(Section {
        about,
        lines: vec![
            "required = true".to_owned(),
            format!("spec = {}", quote(&f.relative(spec))),
        ],
        template: false,
    })
}

//! What `tollgate init` writes for [gates.git], when the repository is a git repository.

use crate::init::{Facts, Section};
use crate::policy::Environment;

/// The table, or `None` outside a git repository.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if !f.found.git {
        return None;
    }
    let mut lines = vec![
        "required = true".to_owned(),
        "allowed_refs = [\"refs/heads/main\", \"refs/tags/v*\"]".to_owned(),
    ];
    let mut about = vec![
        "Found a git repository: the release's commit must be committed, clean and on an allowed ref (docs/gates/git.md).".to_owned(),
    ];
    match f.environment {
        Environment::Regtest => lines.push("dirty = \"allow\"".to_owned()),
        _ => {
            lines.push("tag = \"v*\"".to_owned());
            about.push("Releases are tagged v*; to require SSH-signed tags, add [trust] tag_keys and signed_tag = true.".to_owned());
        }
    }
    Some(Section {
        about,
        lines,
        template: false,
    })
}

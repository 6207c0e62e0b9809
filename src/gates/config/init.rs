//! What `tollgate init` writes for [gates.config]: the node configuration files the release
//! ships (`*.conf`), each pinned to its digest, with the security baseline on testnet and
//! mainnet.

use crate::init::{Facts, Section, quote};
use crate::policy::Environment;

/// The table, or `None` when the release ships no `.conf` file.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    if f.found.node_configs.is_empty() {
        return None;
    }
    let files: Vec<String> = f
        .found
        .node_configs
        .iter()
        .map(|(name, sha)| format!("{{ path = {}, sha256 = {} }}", quote(name), quote(sha)))
        .collect();
    let security = match f.environment {
        Environment::Regtest => "report",
        _ => "required",
    };
    Some(Section {
        about: vec![format!(
            "Found node configuration in the release: each file is pinned to its digest, checked for another network's markers and, with security = \"{security}\", for exposed or weakly authenticated RPC (docs/gates/config.md)."
        )],
        lines: vec![
            "required = true".to_owned(),
            format!("files = [{}]", files.join(", ")),
            format!("security = \"{security}\""),
        ],
        template: false,
    })
}

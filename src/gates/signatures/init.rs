//! What `tollgate init` writes for [gates.signatures], from what it detected.

use crate::init::{Facts, Section, quote};
use crate::policy::Environment;

/// The table, or `None` when nothing was detected for it.
pub fn section(f: &Facts<'_>) -> Option<Section> {
    let sums = f
        .found
        .sums
        .clone()
        .unwrap_or_else(|| "SHA256SUMS".to_owned());
    let mut about = vec![match &f.found.sums {
        Some(name) => format!("Found {name} listing the release's artifacts."),
        None => "No sums file found: publish one with `sha256sum FILE... > SHA256SUMS` (until then every evaluation blocks).".to_owned(),
    }];
    let mut lines = vec![
        "required = true".to_owned(),
        format!("sums = {}", quote(&sums)),
    ];
    if f.keys.is_empty() {
        about.push("WARNING: no minisign public key was found or given, so signatures are NOT checked: only digests are. Sign SHA256SUMS (minisign -S -m SHA256SUMS), add the public key to [trust] artifact_keys, and set require_sums_signature = true and artifact_signatures = \"required\".".to_owned());
        lines.push("require_sums_signature = false".to_owned());
        lines.push("artifact_signatures = \"ignore\"".to_owned());
        return Some(Section {
            about,
            lines,
            template: false,
        });
    }
    let (artifacts, signed) = (f.found.artifacts.len(), f.found.signed_artifacts);
    let every_artifact_signed = artifacts > 0 && signed == artifacts;
    let mode = if every_artifact_signed || f.environment == Environment::Mainnet {
        "required"
    } else {
        "optional"
    };
    about.push(format!(
        "{signed} of {artifacts} artifact(s) carry NAME.minisig; artifact_signatures = \"{mode}\"{}.",
        if f.environment == Environment::Mainnet { " (always required on mainnet)" } else { "" }
    ));
    lines.push(format!(
        "sums_signature = {}",
        quote(&format!("{sums}.minisig"))
    ));
    lines.push("require_sums_signature = true".to_owned());
    lines.push(format!("artifact_signatures = \"{mode}\""));
    let legacy = f.environment != Environment::Mainnet;
    lines.push(format!("allow_legacy = {legacy}"));
    Some(Section {
        about,
        lines,
        template: false,
    })
}

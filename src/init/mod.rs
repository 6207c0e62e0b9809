//! `tollgate init`: a starter policy for a repository, from what its repository and release
//! directory hold. The text is returned, not written: the command decides where it goes.

mod detect;
mod template;

pub use detect::{Detection, detect};
pub use template::{Facts, Section, list, quote};

use crate::keys::TrustedKey;
use crate::policy::Environment;
use std::path::{Path, PathBuf};

pub struct Options<'a> {
    pub repo: &'a Path,
    pub release: &'a Path,
    pub environment: Environment,
    /// The directory the policy will live in: key paths are written relative to it.
    pub policy_dir: &'a Path,
    /// Public keys named on the command line; when empty, keys found on disk are used.
    pub trust_keys: &'a [PathBuf],
}

/// The starter policy and what init found, for the person running it.
pub struct Starter {
    pub text: String,
    pub notes: Vec<String>,
}

/// Detect, choose the trusted keys, and render the policy. An error says what to pass.
pub fn starter(opts: &Options<'_>) -> Result<Starter, String> {
    let found = detect(opts.repo, opts.release);
    let mut notes = Vec::new();
    let signer = found.sums_signature.as_ref().and_then(|(_, id)| *id);
    let keys: Vec<(PathBuf, String)> = if opts.trust_keys.is_empty() {
        let matching: Vec<_> = found
            .keys
            .iter()
            .filter(|k| signer.is_none_or(|id| id == k.key_id))
            .map(|k| (k.path.clone(), k.key_id.to_string()))
            .collect();
        if let (Some(id), true) = (signer, matching.is_empty()) {
            let sig = found
                .sums_signature
                .as_ref()
                .map_or("", |(n, _)| n.as_str());
            return Err(format!(
                "{} is signed by minisign key {id}, but no public key with that id was found in {} (or its keys/, gates/, .tollgate/) or in {}; pass the release signer's public key with --trust-key FILE",
                opts.release.join(sig).display(),
                opts.repo.display(),
                opts.release.display()
            ));
        }
        matching
    } else {
        let mut given = Vec::new();
        for path in opts.trust_keys {
            let key = TrustedKey::from_file(path, &path.to_string_lossy())
                .map_err(|e| format!("--trust-key {}: {e}", path.display()))?;
            if signer.is_some_and(|id| id != key.key_id) {
                notes.push(format!(
                    "warning: {} has key id {}, but the sums signature is by another key: evaluation will report sig.untrusted-key",
                    path.display(),
                    key.key_id
                ));
            }
            given.push((path.clone(), key.key_id.to_string()));
        }
        given
    };
    let key_entries: Vec<String> = keys
        .iter()
        .map(|(path, _)| relative_to(path, opts.policy_dir))
        .collect();

    let mut summary = vec![format!(
        "Detected in {} and {}:",
        opts.repo.display(),
        opts.release.display()
    )];
    summary.extend(describe(&found));
    for (path, id) in &keys {
        summary.push(format!("  trusted key {id}: {}", path.display()));
    }
    if keys.is_empty() {
        notes.push("warning: no minisign public key found or given: the starter policy checks digests only, not signatures (pass --trust-key FILE)".to_owned());
    }
    notes.extend(summary.iter().cloned());
    let facts = template::Facts {
        found: &found,
        environment: opts.environment,
        keys: &key_entries,
        policy_dir: opts.policy_dir,
    };
    Ok(Starter {
        text: template::render(&facts, &summary),
        notes,
    })
}

fn describe(found: &Detection) -> Vec<String> {
    let mut lines = Vec::new();
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    lines.push(format!(
        "  Cargo.toml: {}, Cargo.lock: {}",
        yes_no(found.cargo_toml),
        yes_no(found.cargo_lock)
    ));
    lines.push(match (&found.sums, &found.sums_signature) {
        (Some(sums), Some((sig, Some(id)))) => format!("  {sums}, signed ({sig}, key {id})"),
        (Some(sums), Some((sig, None))) => format!("  {sums}, with an unreadable {sig}"),
        (Some(sums), None) => format!("  {sums}, unsigned"),
        (None, _) => "  no sums file".to_owned(),
    });
    lines.push(format!(
        "  {} artifact(s), {} with NAME.minisig",
        found.artifacts.len(),
        found.signed_artifacts
    ));
    if let (Some(sums), false) = (&found.sums, found.unlisted.is_empty()) {
        lines.push(format!(
            "  not in {sums} (sig.unlisted-file until listed): {}",
            found.unlisted.join(", ")
        ));
    }
    for sbom in &found.sboms {
        lines.push(format!(
            "  SBOM: {} (CycloneDX {})",
            sbom.name,
            sbom.spec_version.as_deref().unwrap_or("?")
        ));
    }
    for report in &found.audit_reports {
        lines.push(format!("  audit report: {} ({})", report.name, report.tool));
    }
    if let Some((log, kinds)) = &found.drill_log {
        lines.push(format!(
            "  drill log: {} ({})",
            log.display(),
            if kinds.is_empty() {
                "empty".to_owned()
            } else {
                kinds.join(", ")
            }
        ));
    }
    for spec in &found.smoke_specs {
        lines.push(format!("  smoke spec: {}", spec.display()));
    }
    lines
}

/// `path` as the policy should name it: relative to the policy's directory when possible.
pub(crate) fn relative_to(path: &Path, dir: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (path, dir) = (absolute(path), absolute(dir));
    pathdiff::diff_paths(&path, &dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_are_relative_to_the_policy() {
        assert_eq!(
            relative_to(Path::new("/r/keys/release.pub"), Path::new("/r/gates")),
            "../keys/release.pub"
        );
    }
}

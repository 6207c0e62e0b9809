//! What `tollgate init` finds in a repository and a release directory: the crate manifest,
//! the sums file and its signature, artifact signatures, SBOMs and audit reports (recognised
//! by content, not by name), and minisign public keys.

use crate::keys::{KeyId, TrustedKey};
use std::path::{Path, PathBuf};

/// Sums file names tried in order.
const SUMS_NAMES: &[&str] = &[
    "SHA256SUMS",
    "SHA256SUMS.txt",
    "sha256sums.txt",
    "sha256sums",
];

/// JSON files larger than this are not sniffed (reports and SBOMs are far smaller).
const MAX_SNIFF: u64 = 32 << 20;

/// A CycloneDX document found in the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    pub name: String,
    pub spec_version: Option<String>,
}

/// A vulnerability report found in the release, with the tool that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub name: String,
    pub tool: &'static str,
}

/// A minisign public key found on disk.
#[derive(Debug, Clone)]
pub struct FoundKey {
    pub path: PathBuf,
    pub key_id: KeyId,
}

#[derive(Debug, Default)]
pub struct Detection {
    pub cargo_toml: bool,
    pub cargo_lock: bool,
    /// The sums file's name in the release directory.
    pub sums: Option<String>,
    /// `<sums>.minisig`, when present, and the key id that signed it.
    pub sums_signature: Option<(String, Option<KeyId>)>,
    /// The artifacts: the sums file's entries, or (without one) every other release file.
    pub artifacts: Vec<String>,
    /// How many of `artifacts` have `NAME.minisig` beside them.
    pub signed_artifacts: usize,
    /// Release files the sums file does not list (the signatures gate will report them).
    pub unlisted: Vec<String>,
    pub sboms: Vec<Sbom>,
    pub audit_reports: Vec<AuditReport>,
    pub keys: Vec<FoundKey>,
    /// A drill log that reads cleanly, with the drill kinds it records.
    pub drill_log: Option<(PathBuf, Vec<String>)>,
    /// Smoke specs that validate (gates/smoke/*.toml, smoke.toml).
    pub smoke_specs: Vec<PathBuf>,
    /// The repository is a git repository (git2 can open it).
    pub git: bool,
    /// A snapshot log (ops/snapshots.jsonl) in the repository.
    pub snapshot_log: Option<PathBuf>,
    /// Node configuration files (`*.conf`) among the release's files, with their SHA-256.
    pub node_configs: Vec<(String, String)>,
}

/// Look at `repo` and `release`. Unreadable places are treated as empty: init proposes a
/// policy, and `policy check` / `evaluate` are what fail closed.
pub fn detect(repo: &Path, release: &Path) -> Detection {
    let mut found = Detection {
        cargo_toml: repo.join("Cargo.toml").is_file(),
        cargo_lock: repo.join("Cargo.lock").is_file(),
        ..Detection::default()
    };
    found.sums = SUMS_NAMES
        .iter()
        .find(|name| release.join(name).is_file())
        .map(|name| name.to_string());
    if let Some(sums) = &found.sums {
        let sig = format!("{sums}.minisig");
        if let Ok(text) = std::fs::read_to_string(release.join(&sig)) {
            let signer = KeyId::of_signature(&text).map(|(_, id)| id);
            found.sums_signature = Some((sig, signer));
        }
    }
    let listed: Option<Vec<String>> = found.sums.as_ref().map(|sums| {
        let text = std::fs::read_to_string(release.join(sums)).unwrap_or_default();
        crate::gates::signatures::parse_sums(&text)
            .entries
            .into_iter()
            .map(|entry| entry.name.trim_start_matches("./").to_owned())
            .collect()
    });
    let mut files = Vec::new();
    for name in files_in(release) {
        if name.ends_with(".minisig") || Some(&name) == found.sums.as_ref() {
            continue;
        }
        if name.ends_with(".json") {
            sniff_json(&release.join(&name), &name, &mut found);
        }
        files.push(name);
    }
    match listed {
        Some(listed) => {
            found.unlisted = files.into_iter().filter(|f| !listed.contains(f)).collect();
            found.artifacts = listed;
        }
        None => found.artifacts = files,
    }
    found.signed_artifacts = found
        .artifacts
        .iter()
        .filter(|name| release.join(format!("{name}.minisig")).is_file())
        .count();
    let places = [
        repo.to_path_buf(),
        repo.join("keys"),
        repo.join("gates"),
        repo.join(".tollgate"),
        release.to_path_buf(),
    ];
    for dir in places {
        for name in files_in(&dir) {
            let path = dir.join(&name);
            if !name.ends_with(".pub") || found.keys.iter().any(|k| same_file(&k.path, &path)) {
                continue;
            }
            // Other `.pub` files (SSH keys) are not minisign keys and are passed over.
            if let Ok(key) = TrustedKey::from_file(&path, &name) {
                found.keys.push(FoundKey {
                    path,
                    key_id: key.key_id,
                });
            }
        }
    }
    found.drill_log = DRILL_LOGS.iter().find_map(|name| {
        let path = repo.join(name);
        let (entries, _) = crate::drills::read(&path).ok()?;
        let mut kinds: Vec<String> = entries.into_iter().map(|e| e.entry.kind).collect();
        kinds.sort();
        kinds.dedup();
        Some((path, kinds))
    });
    let mut specs: Vec<PathBuf> = files_in(&repo.join("gates/smoke"))
        .into_iter()
        .filter(|n| n.ends_with(".toml"))
        .map(|n| repo.join("gates/smoke").join(n))
        .chain(std::iter::once(repo.join("smoke.toml")))
        .filter(|p| p.is_file() && crate::smoke::spec::load(p).is_ok())
        .collect();
    specs.sort();
    found.smoke_specs = specs;
    found.git = git2::Repository::open(repo).is_ok();
    found.snapshot_log = Some(repo.join("ops/snapshots.jsonl")).filter(|p| p.is_file());
    found.node_configs = found
        .artifacts
        .iter()
        .filter(|name| name.ends_with(".conf"))
        .filter_map(|name| {
            let bytes = std::fs::read(release.join(name)).ok()?;
            Some((name.clone(), crate::digest::sha256_hex(&bytes)))
        })
        .collect();
    found
}

/// Drill log places tried in order (relative to the repository).
const DRILL_LOGS: &[&str] = &["ops/drills.jsonl", ".tollgate/drills.jsonl", "drills.jsonl"];

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Regular files directly in `dir`, sorted by name.
fn files_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Recognise a CycloneDX SBOM or a cargo-audit, osv-scanner or cargo-deny report.
fn sniff_json(path: &Path, name: &str, found: &mut Detection) {
    if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_SNIFF) {
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let value: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = |key: &str| value.as_ref().and_then(|v| v.get(key));
    if field("bomFormat").and_then(|f| f.as_str()) == Some("CycloneDX") {
        found.sboms.push(Sbom {
            name: name.to_owned(),
            spec_version: field("specVersion")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        });
        return;
    }
    let tool = if field("database").is_some() && field("vulnerabilities").is_some() {
        Some("cargo-audit")
    } else if field("results").is_some_and(|r| r.is_array()) {
        Some("osv-scanner")
    } else if value.is_none() && is_cargo_deny_lines(&text) {
        Some("cargo-deny")
    } else {
        None
    };
    if let Some(tool) = tool {
        found.audit_reports.push(AuditReport {
            name: name.to_owned(),
            tool,
        });
    }
}

/// cargo-deny writes JSON lines: `{"type":"diagnostic","fields":{...}}` and a summary.
fn is_cargo_deny_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    lines.peek().is_some()
        && lines.all(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .is_some_and(|v| v.get("type").is_some() && v.get("fields").is_some())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_reports_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "bom.json",
            r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#,
        );
        write(
            "audit.json",
            r#"{"database":{},"lockfile":{},"vulnerabilities":{"found":false,"list":[]}}"#,
        );
        write("osv.json", r#"{"results":[]}"#);
        write(
            "deny.json",
            "{\"type\":\"diagnostic\",\"fields\":{\"code\":\"vulnerability\"}}\n{\"type\":\"summary\",\"fields\":{}}\n",
        );
        write("package.json", r#"{"name":"not-a-report"}"#);
        let found = detect(dir.path(), dir.path());
        assert_eq!(
            found.sboms,
            [Sbom {
                name: "bom.json".into(),
                spec_version: Some("1.5".into())
            }]
        );
        let tools: Vec<_> = found
            .audit_reports
            .iter()
            .map(|r| (r.name.as_str(), r.tool))
            .collect();
        assert_eq!(
            tools,
            [
                ("audit.json", "cargo-audit"),
                ("deny.json", "cargo-deny"),
                ("osv.json", "osv-scanner")
            ]
        );
        assert_eq!(found.artifacts.len(), 5);
        assert!(found.sums.is_none());
    }
}

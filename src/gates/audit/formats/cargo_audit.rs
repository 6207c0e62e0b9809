//! `cargo audit --json`: rustsec's `Report` (vulnerabilities, warnings by kind, the lockfile's
//! dependency count, the settings it ran with). It carries no timestamp of its own.

use super::Parsed;
use super::RustsecMetadata as Metadata;
use crate::gates::audit::advisory::{Advisory, Kind, Rating};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Report {
    lockfile: Lockfile,
    vulnerabilities: Vulnerabilities,
    #[serde(default)]
    warnings: BTreeMap<String, Vec<Warning>>,
    #[serde(default)]
    settings: Settings,
}

#[derive(Debug, Deserialize)]
struct Lockfile {
    #[serde(rename = "dependency-count")]
    dependency_count: usize,
}

#[derive(Debug, Deserialize)]
struct Vulnerabilities {
    list: Vec<Vulnerability>,
}

#[derive(Debug, Deserialize)]
struct Vulnerability {
    advisory: Metadata,
    package: Package,
}

#[derive(Debug, Deserialize)]
struct Warning {
    kind: String,
    package: Package,
    advisory: Option<Metadata>,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    version: String,
}

/// Settings that hide advisories from the report (platform filters do not count: they
/// restrict the audit to the release's targets, which is legitimate).
#[derive(Debug, Default, Deserialize)]
struct Settings {
    #[serde(default)]
    ignore: Vec<String>,
    severity: Option<String>,
}

/// Parse a cargo-audit report.
pub fn parse(value: serde_json::Value) -> Result<Parsed, String> {
    let report: Report = serde_json::from_value(value)
        .map_err(|e| format!("it looks like cargo-audit JSON but does not parse: {e}"))?;
    let mut parsed = Parsed {
        dependency_count: Some(report.lockfile.dependency_count),
        scanned_nothing: report.lockfile.dependency_count == 0,
        ..Parsed::default()
    };
    for vulnerability in report.vulnerabilities.list {
        let advisory = advisory(&vulnerability.advisory, &vulnerability.package, None);
        parsed.advisories.extend(advisory);
    }
    for (kind, warnings) in &report.warnings {
        for warning in warnings {
            let kind = warning
                .kind
                .parse()
                .or_else(|_| kind.parse())
                .map_err(|e| format!("warning of kind {:?}: {e}", warning.kind))?;
            match &warning.advisory {
                Some(meta) => {
                    parsed
                        .advisories
                        .extend(advisory(meta, &warning.package, Some(kind)))
                }
                None => parsed
                    .advisories
                    .push(yanked_or_bare(&warning.package, kind)),
            }
        }
    }
    if !report.settings.ignore.is_empty() {
        parsed.filters.push(format!(
            "cargo audit was told to ignore {}",
            report.settings.ignore.join(", ")
        ));
    }
    if let Some(severity) = report.settings.severity {
        parsed.filters.push(format!(
            "cargo audit was told to report only advisories of severity {severity} or more"
        ));
    }
    Ok(parsed)
}

/// One advisory; withdrawn advisories are no longer in force and yield none.
fn advisory(meta: &Metadata, package: &Package, kind: Option<Kind>) -> Option<Advisory> {
    if meta.withdrawn.is_some() {
        return None;
    }
    let kind = kind.unwrap_or_else(|| Kind::from_informational(meta.informational.as_deref()));
    let rating = Rating::first_known([Rating::from_vectors(meta.cvss.as_deref())]);
    Some(
        Advisory {
            id: meta.id.clone(),
            aliases: Vec::new(),
            package: package.name.clone(),
            version: package.version.clone(),
            kind,
            title: meta.title.clone(),
            rating,
        }
        .with_aliases(meta.aliases.iter().cloned()),
    )
}

/// A warning without an advisory (cargo-audit's yanked warnings): named `NAME@VERSION`.
fn yanked_or_bare(package: &Package, kind: Kind) -> Advisory {
    Advisory {
        id: format!("{}@{}", package.name, package.version),
        aliases: Vec::new(),
        package: package.name.clone(),
        version: package.version.clone(),
        kind,
        title: None,
        rating: Rating::Unknown {
            why: "a warning without an advisory".to_owned(),
        },
    }
}

//! `osv-scanner --format json`: `results[].packages[]`, each with full OSV records in
//! `vulnerabilities` and alias `groups` (one group = one issue known under several ids,
//! with osv-scanner's `max_severity`). The output carries no timestamp.

use super::Parsed;
use crate::gates::audit::advisory::{Advisory, Kind, Rating};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Output {
    results: Vec<Source>,
}

#[derive(Debug, Deserialize)]
struct Source {
    #[serde(default)]
    source: Option<SourceInfo>,
    #[serde(default)]
    packages: Vec<PackageVulns>,
}

/// What was scanned: `{"path": "/src/Cargo.lock", "type": "lockfile"}`.
#[derive(Debug, Deserialize)]
struct SourceInfo {
    #[serde(default)]
    path: String,
}

#[derive(Debug, Deserialize)]
struct PackageVulns {
    package: Package,
    #[serde(default)]
    vulnerabilities: Vec<Osv>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    ecosystem: String,
}

#[derive(Debug, Deserialize)]
struct Group {
    ids: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    max_severity: String,
}

/// The parts of an OSV record (https://ossf.github.io/osv-schema/) the gate uses.
#[derive(Debug, Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    summary: Option<String>,
    withdrawn: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<Affected>,
    #[serde(default)]
    database_specific: DatabaseSpecific,
}

#[derive(Debug, Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Debug, Deserialize)]
struct Affected {
    package: Option<AffectedPackage>,
    #[serde(default)]
    database_specific: DatabaseSpecific,
}

#[derive(Debug, Deserialize)]
struct AffectedPackage {
    name: String,
}

/// RustSec puts `informational` under `affected[].database_specific`; GitHub puts a
/// `severity` word under the record's own `database_specific`.
#[derive(Debug, Default, Deserialize)]
struct DatabaseSpecific {
    informational: Option<String>,
    severity: Option<String>,
}

/// Parse osv-scanner JSON output.
pub fn parse(value: serde_json::Value) -> Result<Parsed, String> {
    let output: Output = serde_json::from_value(value)
        .map_err(|e| format!("it looks like osv-scanner JSON but does not parse: {e}"))?;
    let mut parsed = Parsed {
        lockfiles: output
            .results
            .iter()
            .filter_map(|r| r.source.as_ref())
            .map(|s| s.path.clone())
            .filter(|p| !p.is_empty())
            .collect(),
        ..Parsed::default()
    };
    parsed.packages = output
        .results
        .iter()
        .flat_map(|r| &r.packages)
        .filter(|p| p.package.ecosystem.is_empty() || p.package.ecosystem == "crates.io")
        .map(|p| (p.package.name.clone(), p.package.version.clone()))
        .collect();
    parsed.scanned_nothing = parsed.lockfiles.is_empty() && parsed.packages.is_empty();
    for package in output.results.iter().flat_map(|r| &r.packages) {
        let live: Vec<&Osv> = package
            .vulnerabilities
            .iter()
            .filter(|v| v.withdrawn.is_none())
            .collect();
        let mut grouped: Vec<&str> = Vec::new();
        for group in &package.groups {
            let records: Vec<&Osv> = live
                .iter()
                .copied()
                .filter(|v| group.ids.contains(&v.id))
                .collect();
            grouped.extend(group.ids.iter().map(String::as_str));
            if records.is_empty() {
                continue;
            }
            let extra: Vec<String> = group.ids.iter().chain(&group.aliases).cloned().collect();
            let reported = Rating::reported(&group.max_severity);
            parsed
                .advisories
                .push(advisory(&package.package, &records, extra, reported));
        }
        // Output from versions without `groups`: each record stands alone.
        for record in live.iter().filter(|v| !grouped.contains(&v.id.as_str())) {
            parsed
                .advisories
                .push(advisory(&package.package, &[record], Vec::new(), None));
        }
    }
    Ok(parsed)
}

/// One advisory from the records of one group; a RustSec id names it when there is one.
fn advisory(
    package: &Package,
    records: &[&Osv],
    extra_aliases: Vec<String>,
    max_severity: Option<Rating>,
) -> Advisory {
    let primary = records
        .iter()
        .find(|r| r.id.starts_with("RUSTSEC-"))
        .unwrap_or(&records[0]);
    let informational = records
        .iter()
        .flat_map(|r| &r.affected)
        .filter(|a| a.package.as_ref().is_none_or(|p| p.name == package.name))
        .find_map(|a| a.database_specific.informational.as_deref());
    let vectors = records
        .iter()
        .flat_map(|r| &r.severity)
        .filter(|s| s.kind.starts_with("CVSS_"))
        .map(|s| s.score.as_str());
    let words = records
        .iter()
        .filter_map(|r| r.database_specific.severity.as_deref())
        .map(Rating::reported);
    let rating = Rating::first_known(
        std::iter::once(Rating::from_vectors(vectors))
            .chain(std::iter::once(max_severity))
            .chain(words),
    );
    let aliases = records
        .iter()
        .flat_map(|r| std::iter::once(&r.id).chain(&r.aliases))
        .cloned()
        .chain(extra_aliases);
    Advisory {
        id: primary.id.clone(),
        aliases: Vec::new(),
        package: package.name.clone(),
        version: package.version.clone(),
        kind: Kind::from_informational(informational),
        title: primary.summary.clone(),
        rating,
    }
    .with_aliases(aliases)
}

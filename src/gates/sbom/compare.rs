//! An SBOM's components against the release build and Cargo.lock, matched by package URL
//! (`pkg:cargo/NAME@VERSION`; qualifiers such as `download_url` do not matter).

use crate::cyclonedx::cargo_purl;
use crate::release_build::ReleaseBuild;
use crate::report::Finding;
use cyclonedx_bom::prelude::{Bom, Component};
use std::collections::{BTreeMap, BTreeSet};

/// Every component of the document, the described one (`metadata.component`) included,
/// nested components included.
fn all_components(bom: &Bom) -> Vec<&Component> {
    fn walk<'b>(component: &'b Component, out: &mut Vec<&'b Component>) {
        out.push(component);
        for child in component.components.iter().flat_map(|c| &c.0) {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    if let Some(subject) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        walk(subject, &mut out);
    }
    for component in bom.components.iter().flat_map(|c| &c.0) {
        walk(component, &mut out);
    }
    out
}

/// Findings for missing, extra, duplicate and unidentifiable components; and the number of
/// components the document lists.
pub fn compare(bom: &Bom, build: &ReleaseBuild, shown: &str) -> (Vec<Finding>, usize) {
    let components = all_components(bom);
    let mut findings = Vec::new();
    // (name, version, subpath) -> how often; a subpath names a part of a package (a target),
    // which cargo-cyclonedx lists as a nested component of its own.
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut listed: BTreeSet<(String, String)> = BTreeSet::new();
    for component in &components {
        let label = format!(
            "{} {}",
            component.name,
            component
                .version
                .as_ref()
                .map_or_else(String::new, |v| v.to_string())
        );
        let Some(purl) = component.purl.as_ref().map(|p| p.to_string()) else {
            findings.push(unmatched(shown, &label, "it has no purl"));
            continue;
        };
        let Some((name, version)) = cargo_purl(&purl) else {
            findings.push(unmatched(
                shown,
                &label,
                &format!("`{purl}` is not a pkg:cargo purl with a version"),
            ));
            continue;
        };
        let subpath = purl.split_once('#').map_or("", |(_, s)| s).to_owned();
        *seen
            .entry((name.clone(), version.clone(), subpath))
            .or_default() += 1;
        listed.insert((name, version));
    }
    for ((name, version, subpath), count) in &seen {
        if *count > 1 {
            let part = if subpath.is_empty() {
                String::new()
            } else {
                format!(" #{subpath}")
            };
            findings.push(
                Finding::error(
                    "sbom.component-duplicate",
                    format!("{shown} lists {name} {version}{part} {count} times"),
                )
                .subject(name.as_str())
                .aliases(vec![format!("{name}@{version}")])
                .at(shown, None)
                .hint("list each package once; regenerate the SBOM"),
            );
        }
    }
    for (name, version) in &listed {
        if !build.lockfile.contains(name, version) {
            findings.push(
                Finding::error(
                    "sbom.component-extra",
                    format!(
                        "{shown} lists {name} {version}, which is not in {}: the SBOM describes another build",
                        crate::report::display_path(&build.lockfile.path, &build.workspace_root)
                    ),
                )
                .subject(name.as_str())
                .aliases(vec![format!("{name}@{version}")])
                .at(shown, None)
                .hint("regenerate the SBOM from the release's own Cargo.lock"),
            );
        }
    }
    for (i, member) in build.members.iter().enumerate() {
        let package = build.package(member);
        let key = (package.name.to_string(), package.version.to_string());
        if !listed.contains(&key) {
            findings.push(
                Finding::error(
                    "sbom.component-missing",
                    format!(
                        "{} {} is in the release build ({}) but not in {shown}",
                        key.0,
                        key.1,
                        build.chain(i)
                    ),
                )
                .subject(key.0.as_str())
                .aliases(vec![format!("{}@{}", key.0, key.1)])
                .at(shown, None)
                .hint("regenerate the SBOM for the release build (`tollgate sbom -o FILE` or `cargo cyclonedx`)"),
            );
        }
    }
    (findings, components.len())
}

fn unmatched(shown: &str, label: &str, why: &str) -> Finding {
    Finding::warning(
        "sbom.component-unidentified",
        format!("{shown}: component {label} cannot be matched with a cargo package: {why}"),
    )
    .subject(label.trim())
    .at(shown, None)
}

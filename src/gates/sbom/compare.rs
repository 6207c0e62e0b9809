//! An SBOM's components against the release build and Cargo.lock. Components are matched by
//! package URL (`pkg:cargo/NAME@VERSION`, percent-decoded; qualifiers do not matter); the
//! described component and components without a purl by name and version. Generators are
//! taken as they are: a lockfile wrapper (Trivy's `Cargo.lock` application) is not a package,
//! and packages only build scripts use that a generator leaves out are one finding naming
//! the generator, apart from missing packages of the normal graph.

use super::config::Need;
use crate::cyclonedx::{Bom, CargoPurl, Component};
use crate::release_build::ReleaseBuild;
use crate::report::Finding;
use std::collections::{BTreeMap, BTreeSet};

/// What the comparison found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Components listed (nested and `metadata.component` included).
    pub components: usize,
    /// Lockfile wrapper components recognised and set aside.
    pub wrappers: usize,
}

/// Every component of the document, nested ones included (not `metadata.component`).
fn walk<'b>(components: &'b [Component], out: &mut Vec<&'b Component>) {
    for component in components {
        out.push(component);
        walk(&component.components, out);
    }
}

/// A component a generator adds for the lockfile it read: an application named after the
/// file (`Cargo.lock`, `fuzz/Cargo.lock`), without purl or version.
fn is_lockfile_wrapper(component: &Component) -> bool {
    component.kind == "application"
        && component.purl.is_none()
        && component.version.as_deref().is_none_or(str::is_empty)
        && component.name.rsplit('/').next() == Some("Cargo.lock")
}

/// `(name, version)` of the release-build package a component without a (cargo) purl names:
/// by name and version; for the described component (`subject`), also by name alone when it
/// has no version and one root has that name (Trivy names it after the directory).
fn by_name(component: &Component, build: &ReleaseBuild, subject: bool) -> Option<(String, String)> {
    let version = component.version.as_deref().filter(|v| !v.is_empty());
    let pool: Vec<&crate::release_build::BuildPackage> = match version {
        Some(_) => build.members.iter().collect(),
        None if subject => build.roots().collect(),
        None => return None,
    };
    let mut found = pool.into_iter().map(|m| build.package(m)).filter(|p| {
        p.name.as_str() == component.name && version.is_none_or(|v| p.version.to_string() == v)
    });
    let first = found.next()?;
    found
        .next()
        .is_none()
        .then(|| (first.name.to_string(), first.version.to_string()))
}

pub fn compare(bom: &Bom, build: &ReleaseBuild, shown: &str, need: Need) -> Outcome {
    let mut out = Outcome::default();
    // (name, version, subpath) -> how often; a subpath names a part of a package (a target),
    // which cargo-cyclonedx lists as a nested component of its own.
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut listed: BTreeSet<(String, String)> = BTreeSet::new();

    // The described component: a package when it names one, else the project as a whole
    // (cdxgen's `pkg:cargo/DIR@workspace`, Trivy's directory name), which is no finding.
    if let Some(subject) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        out.components += 1;
        let identity = match subject.purl.as_deref().and_then(CargoPurl::parse) {
            Some(p) if build.lockfile.contains(&p.name, &p.version) => Some((p.name, p.version)),
            _ => by_name(subject, build, true),
        };
        if let Some(key) = identity {
            listed.insert(key);
        }
        // Its nested components describe the project's parts (cdxgen nests the workspace
        // members there and lists them again among the components): they identify packages
        // but are not counted as second copies.
        let mut nested = Vec::new();
        walk(&subject.components, &mut nested);
        out.components += nested.len();
        let mut parts = BTreeMap::new();
        identify(&nested, build, shown, &mut parts, &mut listed, &mut out);
    }
    let mut components = Vec::new();
    walk(&bom.components, &mut components);
    out.components += components.len();
    identify(&components, build, shown, &mut seen, &mut listed, &mut out);

    for ((name, version, subpath), count) in &seen {
        if *count > 1 {
            let part = if subpath.is_empty() {
                String::new()
            } else {
                format!(" #{subpath}")
            };
            out.findings.push(
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
            out.findings.push(
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
    missing(bom, build, shown, need, &listed, &mut out);
    out
}

/// Match each component to a cargo package, or report it as unidentified.
fn identify(
    components: &[&Component],
    build: &ReleaseBuild,
    shown: &str,
    seen: &mut BTreeMap<(String, String, String), usize>,
    listed: &mut BTreeSet<(String, String)>,
    out: &mut Outcome,
) {
    for component in components {
        if is_lockfile_wrapper(component) {
            tracing::debug!(sbom = shown, name = %component.name, "lockfile wrapper component set aside");
            out.wrappers += 1;
            continue;
        }
        let (name, version, subpath) = match component.purl.as_deref() {
            Some(purl) => match CargoPurl::parse(purl) {
                Some(p) => (p.name, p.version, p.subpath.unwrap_or_default()),
                None => {
                    out.findings.push(unmatched(
                        shown,
                        component,
                        &format!("`{purl}` is not a pkg:cargo purl with a version"),
                    ));
                    continue;
                }
            },
            None => match by_name(component, build, false) {
                Some((name, version)) => (name, version, String::new()),
                None => {
                    out.findings.push(unmatched(
                        shown,
                        component,
                        "it has no purl, and its name and version match no package of the release build",
                    ));
                    continue;
                }
            },
        };
        *seen
            .entry((name.clone(), version.clone(), subpath))
            .or_default() += 1;
        listed.insert((name, version));
    }
}

/// Missing packages: those of the normal graph one by one; those only build scripts use as
/// one finding that names the generator (blocking when `build_dependencies = "required"`).
fn missing(
    bom: &Bom,
    build: &ReleaseBuild,
    shown: &str,
    need: Need,
    listed: &BTreeSet<(String, String)>,
    out: &mut Outcome,
) {
    let build_only = build.build_only();
    let mut left_out: Vec<String> = Vec::new();
    for (i, member) in build.members.iter().enumerate() {
        let package = build.package(member);
        let key = (package.name.to_string(), package.version.to_string());
        if listed.contains(&key) {
            continue;
        }
        if build_only[i] {
            left_out.push(format!("{} {}", key.0, key.1));
            continue;
        }
        out.findings.push(
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
    if left_out.is_empty() {
        return;
    }
    let tools = bom.tool_names();
    let generator = if tools.is_empty() {
        "its generator (metadata.tools names none)".to_owned()
    } else {
        tools.join(", ")
    };
    let message = format!(
        "{shown} leaves out {} package(s) that only build scripts use, as {generator} does with build-dependencies: {}",
        left_out.len(),
        left_out.join(", ")
    );
    let finding = match need {
        Need::Required => Finding::error("sbom.build-dependencies-missing", message).hint(
            "use a generator that lists build-dependencies (`tollgate sbom`, cdxgen, cargo-cyclonedx), or set `build_dependencies = \"optional\"` in [gates.sbom]",
        ),
        Need::Optional => Finding::warning("sbom.build-dependencies-missing", message)
            .hint("`build_dependencies = \"optional\"`: reported, not blocking"),
    };
    out.findings.push(finding.subject(shown).at(shown, None));
}

fn unmatched(shown: &str, component: &Component, why: &str) -> Finding {
    let label = component.label();
    Finding::warning(
        "sbom.component-unidentified",
        format!("{shown}: component {label} cannot be matched with a cargo package: {why}"),
    )
    .subject(label.trim())
    .at(shown, None)
}

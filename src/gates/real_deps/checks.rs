//! The real_deps checks over a release build: denied crates, where each package comes from,
//! overrides, denied features and lockfile checksums. Each returns findings; none fails.

use super::config::Config;
use super::overrides::{self, Origin, Override};
use crate::release_build::{Enabler, Lockfile, ReleaseBuild};
use crate::report::Finding;
use cargo_lock::package::GitReference;
use std::collections::HashSet;

/// A package of the release build whose name matches a denied pattern.
pub fn denied_crates(build: &ReleaseBuild, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, member) in build.members.iter().enumerate() {
        let package = build.package(member);
        if let Some(pattern) = config.deny.first_match(&package.name) {
            findings.push(
                Finding::error(
                    "deps.denied-crate",
                    format!(
                        "{} {} is in the release build and matches denied pattern `{pattern}`: {}",
                        package.name,
                        package.version,
                        build.chain(i)
                    ),
                )
                .subject(package.name.as_str())
                .aliases(vec![format!("{}@{}", package.name, package.version)])
                .hint("build releases with real dependencies (keep test doubles in [dev-dependencies]), or change `deny` in [gates.real_deps]"),
            );
        }
    }
    findings
}

/// Path packages outside the workspace root, and git packages.
pub fn sources(build: &ReleaseBuild, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, member) in build.members.iter().enumerate() {
        let package = build.package(member);
        let who = format!("{} {}", package.name, package.version);
        let aliases = vec![format!("{}@{}", package.name, package.version)];
        match &package.source {
            None => {
                let dir = package
                    .manifest_path
                    .parent()
                    .map_or_else(|| package.manifest_path.to_string(), |d| d.to_string());
                if !config.allow_path && !package.manifest_path.starts_with(&build.workspace_root) {
                    findings.push(
                        Finding::error(
                            "deps.path-outside-workspace",
                            format!(
                                "{who} is a path dependency outside the workspace root {}: {dir} ({})",
                                build.workspace_root.display(),
                                build.chain(i)
                            ),
                        )
                        .subject(package.name.as_str())
                        .aliases(aliases)
                        .hint("depend on a released version, or move the crate into the workspace; `allow_path = true` accepts it"),
                    );
                }
            }
            Some(source) if source.repr.starts_with("git+") => {
                let place = format!("{who} comes from git {}", source.repr);
                if let Some(finding) = git_finding(config, &place, &build.chain(i), &source.repr) {
                    findings.push(finding.subject(package.name.as_str()).aliases(aliases));
                }
            }
            Some(source) => {
                if let Some(index) = alternative_registry(&source.repr)
                    && !config.allow_registries.iter().any(|r| r == &index)
                {
                    findings.push(
                        Finding::error(
                            "deps.alternative-registry",
                            format!(
                                "{who} comes from the registry {index}, not crates.io ({})",
                                build.chain(i)
                            ),
                        )
                        .subject(package.name.as_str())
                        .aliases(aliases)
                        .hint(format!(
                            "depend on the crates.io release, or list the registry in `allow_registries = [\"{index}\"]` in [gates.real_deps]"
                        )),
                    );
                }
            }
        }
    }
    findings
}

/// The index URL of a registry source other than crates.io (`registry+URL` or
/// `sparse+URL`), normalised by `normalise_registry`; `None` for crates.io and non-registry
/// sources.
pub fn alternative_registry(repr: &str) -> Option<String> {
    let url = repr
        .strip_prefix("registry+")
        .or_else(|| repr.strip_prefix("sparse+"))?;
    let url = normalise_registry(url);
    let crates_io = [
        "https://github.com/rust-lang/crates.io-index",
        "https://index.crates.io",
    ];
    (!crates_io.contains(&url.as_str())).then_some(url)
}

/// An index URL without a `registry+`/`sparse+` prefix, trailing `/` or `.git`.
pub fn normalise_registry(url: &str) -> String {
    let url = url
        .trim()
        .trim_start_matches("registry+")
        .trim_start_matches("sparse+")
        .trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url).to_owned()
}

/// A git source is reported unless git is allowed and the manifest pins a full commit.
fn git_finding(config: &Config, place: &str, chain: &str, source: &str) -> Option<Finding> {
    if !config.allow_git {
        return Some(
            Finding::error("deps.git-dependency", format!("{place} ({chain})")).hint(
                "depend on a released version; `allow_git = true` accepts git pinned to a full commit",
            ),
        );
    }
    let reference = cargo_lock::SourceId::from_url(source)
        .ok()
        .and_then(|s| s.git_reference().cloned());
    let pinned = match &reference {
        Some(GitReference::Rev(rev)) if overrides::is_full_commit(rev) => return None,
        Some(GitReference::Rev(rev)) => format!("rev `{rev}`, not a full commit hash"),
        Some(GitReference::Branch(branch)) => format!("branch `{branch}`"),
        Some(GitReference::Tag(tag)) => format!("tag `{tag}`"),
        Some(GitReference::DefaultBranch) | None => "the default branch".to_owned(),
    };
    Some(
        Finding::error(
            "deps.git-unpinned",
            format!("{place} ({chain}) and follows {pinned}: `cargo update` moves it"),
        )
        .hint("pin it with rev = \"<full 40-hex commit>\""),
    )
}

/// `[patch]` and `[replace]` entries the policy does not allow.
pub fn overrides(entries: &[Override], manifest: &str, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for entry in entries {
        let code = if entry.table == "replace" {
            "deps.replace"
        } else {
            "deps.patch"
        };
        let what = format!("[{}] swaps `{}` for", entry.table, entry.name);
        let finding = match &entry.origin {
            Origin::Path(_) if config.allow_path => None,
            Origin::Path(path) => Some(
                Finding::error(code, format!("{what} path {path}"))
                    .hint("remove the override, or set `allow_path = true`"),
            ),
            Origin::Git { url, reference } => {
                let source = match reference {
                    Some((key, value)) => format!("git+{url}?{key}={value}"),
                    None => format!("git+{url}"),
                };
                let place = format!("{what} git {url}");
                git_finding(config, &place, manifest, &source).map(|f| {
                    if f.code == "deps.git-dependency" {
                        Finding {
                            code: code.to_owned(),
                            ..f
                        }
                        .hint(
                            "remove the override, or set `allow_git = true` and pin a full commit",
                        )
                    } else {
                        f
                    }
                })
            }
            Origin::Other(other) => Some(Finding::error(code, format!("{what} {other}")).hint(
                "remove the override: the release must build from its declared dependencies",
            )),
        };
        if let Some(finding) = finding {
            findings.push(
                finding
                    .subject(entry.name.as_str())
                    .at(manifest, Some(entry.line)),
            );
        }
    }
    findings
}

/// Enabled features that match a denied pattern, with who enabled them.
pub fn denied_features(build: &ReleaseBuild, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, member) in build.members.iter().enumerate() {
        let package = build.package(member);
        for feature in build.features(i).keys() {
            let Some(pattern) = config.deny_features.first_match(feature) else {
                continue;
            };
            let mut seen = HashSet::new();
            let by = origins(build, i, feature, &mut seen).join("; ");
            findings.push(
                Finding::error(
                    "deps.denied-feature",
                    format!(
                        "feature `{feature}` of {} {} is enabled in the release build (matches `{pattern}`), by {by} ({})",
                        package.name, package.version, build.chain(i)
                    ),
                )
                .subject(format!("{}/{feature}", package.name))
                .hint("turn the feature off for release builds (enable it from [dev-dependencies] only), or change `deny_features`"),
            );
        }
    }
    findings
}

/// Who turned `feature` of `member` on, following the package's own feature lists back to
/// a dependent or a root.
fn origins(
    build: &ReleaseBuild,
    member: usize,
    feature: &str,
    seen: &mut HashSet<String>,
) -> Vec<String> {
    if !seen.insert(feature.to_owned()) {
        return Vec::new();
    }
    let name = &build.package(&build.members[member]).name;
    let mut out = Vec::new();
    for enabler in build.features(member).get(feature).into_iter().flatten() {
        match enabler {
            Enabler::RootDefault => out.push(format!(
                "{name}'s default features (a root of the release build)"
            )),
            Enabler::Declaration { dependent } => out.push(format!(
                "{dependent} (its dependency declaration on {name})"
            )),
            Enabler::DependentFeature { dependent, feature } => {
                out.push(format!("{dependent} (its feature `{feature}`)"))
            }
            Enabler::Unified => out.push(
                "cargo's feature unification (resolver 1 gives release builds the features dev-dependencies ask for; set resolver = \"2\")"
                    .to_owned(),
            ),
            Enabler::Feature { feature: parent } => {
                for origin in origins(build, member, parent, seen) {
                    out.push(format!("{origin} via {name}'s feature `{parent}`"));
                }
            }
        }
    }
    out
}

/// Registry packages that Cargo.lock records without a checksum.
pub fn checksums(lockfile: &Lockfile, shown: &str) -> Vec<Finding> {
    lockfile
        .without_checksum()
        .map(|p| {
            Finding::error(
                "deps.missing-checksum",
                format!(
                    "{} {} from {} has no checksum in {shown}: cargo cannot verify the crate it downloads",
                    p.name,
                    p.version,
                    p.source.as_deref().unwrap_or("a registry")
                ),
            )
            .subject(p.name.as_str())
            .aliases(vec![format!("{}@{}", p.name, p.version)])
            .at(shown, None)
            .hint("regenerate the lockfile against a registry that serves checksums (`cargo update -p NAME`)")
        })
        .collect()
}

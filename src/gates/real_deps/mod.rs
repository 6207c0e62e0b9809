//! The real_deps gate: the release build uses real dependencies. No denied crate (mock, stub,
//! fake, dummy…) or denied feature is compiled in, nothing comes from outside the workspace,
//! git, `[patch]` or `[replace]` unless the policy allows it, and Cargo.lock is present,
//! current and complete with checksums.

mod checks;
pub mod config;
pub mod init;
mod overrides;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::release_build::{BuildError, Lockfile};
use crate::report::{Evidence, Finding, display_path};
use std::path::Path;

pub const NAME: &str = "real_deps";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "the release build (cargo metadata --locked) has no denied crates or features, path/git deps or overrides the policy does not allow, and a current Cargo.lock with checksums";

pub struct RealDepsGate {
    config: Config,
}

impl RealDepsGate {
    pub fn new(config: Config) -> Self {
        RealDepsGate { config }
    }
}

impl Gate for RealDepsGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let (repo, manifest) = ctx.manifest(&self.config.manifest, "real_deps")?;
        let mut out = GateResult::default();
        let shown = |path: &Path| display_path(path, &repo);
        let build = match ctx.builds.get(&manifest, self.config.target.as_deref()) {
            Ok(build) => build,
            Err(BuildError::Failed(reason)) => return Err(reason),
            Err(BuildError::LockfileMissing { lockfile }) => {
                out.findings.push(
                    Finding::error(
                        "deps.lockfile-missing",
                        format!(
                            "{} is missing: `cargo build --locked` refuses to build without it, and the release build cannot be checked",
                            shown(&lockfile)
                        ),
                    )
                    .at(shown(&lockfile), None)
                    .hint("commit the Cargo.lock the release was built with (`cargo generate-lockfile`)"),
                );
                return Ok(out);
            }
            Err(BuildError::LockfileStale { lockfile, detail }) => {
                out.findings.push(
                    Finding::error(
                        "deps.lockfile-stale",
                        format!(
                            "{} does not match the manifests, so `cargo build --locked` refuses it and the release build cannot be checked: {detail}",
                            shown(&lockfile)
                        ),
                    )
                    .at(shown(&lockfile), None)
                    .hint("run `cargo update --workspace` (or `cargo generate-lockfile`) and commit Cargo.lock"),
                );
                // The lockfile can still say which registry packages lack checksums.
                if let Ok(lock) = Lockfile::read(&lockfile) {
                    out.evidence.push(lock_evidence(&lock, &shown(&lockfile)));
                    out.findings
                        .extend(checks::checksums(&lock, &shown(&lockfile)));
                }
                return Ok(out);
            }
        };

        let root_manifest = build.workspace_root.join("Cargo.toml");
        let entries = overrides::read(&root_manifest)?;
        let lock_shown = shown(&build.lockfile.path);
        out.findings
            .extend(checks::denied_crates(&build, &self.config));
        out.findings.extend(checks::sources(&build, &self.config));
        out.findings.extend(checks::overrides(
            &entries,
            &shown(&root_manifest),
            &self.config,
        ));
        out.findings
            .extend(checks::denied_features(&build, &self.config));
        out.findings
            .extend(checks::checksums(&build.lockfile, &lock_shown));

        out.evidence
            .push(lock_evidence(&build.lockfile, &lock_shown));
        let manifest_bytes = std::fs::read(&root_manifest)
            .map_err(|e| format!("cannot read {}: {e}", root_manifest.display()))?;
        out.evidence.push(Evidence {
            path: shown(&root_manifest),
            sha256: crate::digest::sha256_hex(&manifest_bytes),
            size: manifest_bytes.len() as u64,
        });
        out.evidence.sort();
        out.counts.insert(
            "release_build_packages".to_owned(),
            build.members.len() as u64,
        );
        out.counts.insert(
            "lockfile_packages".to_owned(),
            build.lockfile.packages.len() as u64,
        );
        Ok(out)
    }
}

fn lock_evidence(lock: &Lockfile, shown: &str) -> Evidence {
    Evidence {
        path: shown.to_owned(),
        sha256: lock.sha256.clone(),
        size: lock.size,
    }
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(RealDepsGate::new(config))
}

/// Whether `audit replay` can re-run this gate from the ledger alone (see
/// `crate::ledger::replay::rules`).
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err(crate::ledger::replay::rules::NEEDS_CARGO_METADATA.to_owned())
}

#[cfg(test)]
mod tests;

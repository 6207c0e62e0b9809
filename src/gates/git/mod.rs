//! The git gate: the release's commit (HEAD of --repo, as the verdict records it) comes from
//! a clean work tree, is reachable from an allowed ref, carries the required tag, and that tag
//! is signed by a trusted SSH key when the policy asks.

pub mod config;
pub mod init;
mod tags;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::report::{Evidence, Finding};
use git2::{Oid, Repository};

pub const NAME: &str = "git";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "clean work tree, commit reachable from allowed refs, release tag present and signed by a trusted SSH key";

/// How many dirty paths a finding names before it says "and N more".
const NAMED_PATHS: usize = 5;

pub struct GitGate {
    config: Config,
}

impl Gate for GitGate {
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
        let repo_dir = ctx.repo;
        // The same commit the verdict binds (crate::repo::commit): HEAD of --repo.
        let Some(commit) = crate::repo::commit(repo_dir)? else {
            return Err(format!(
                "{} is not a git repository with a commit: point --repo at the release's checkout",
                repo_dir.display()
            ));
        };
        let repository = Repository::discover(repo_dir).map_err(|e| {
            format!(
                "cannot open git repository at {}: {}",
                repo_dir.display(),
                e.message()
            )
        })?;
        let oid = Oid::from_str(&commit.sha).map_err(|e| e.message().to_owned())?;
        let mut out = GateResult::default();
        out.evidence.push(object_evidence(
            &repository,
            oid,
            &format!("git:commit/{oid}"),
        )?);
        if commit.dirty {
            self.dirty(&repository, ctx, &mut out.findings)?;
        }
        self.reachable(&repository, oid, &mut out.findings)?;
        if let Some(pattern) = &self.config.tag {
            tags::check(
                &repository,
                oid,
                pattern,
                self.config.tag_keys.as_deref(),
                &mut out,
            )?;
        }
        Ok(out)
    }
}

impl GitGate {
    fn dirty(
        &self,
        repository: &Repository,
        ctx: &GateContext<'_>,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).include_ignored(false);
        let statuses = repository
            .statuses(Some(&mut options))
            .map_err(|e| format!("cannot read the work tree status: {}", e.message()))?;
        let paths: Vec<String> = statuses
            .iter()
            .filter(|entry| entry.status() != git2::Status::CURRENT)
            .map(|entry| String::from_utf8_lossy(entry.path_bytes()).into_owned())
            .collect();
        let mut named = paths
            .iter()
            .take(NAMED_PATHS)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if paths.len() > NAMED_PATHS {
            named.push_str(&format!(" and {} more", paths.len() - NAMED_PATHS));
        }
        let message = format!(
            "the work tree has {} uncommitted or untracked path(s): {named}",
            paths.len()
        );
        if self.config.allow_dirty {
            findings.push(
                Finding::warning("git.dirty", format!("{message} (allowed on regtest)"))
                    .at(ctx.repo.display().to_string(), None),
            );
        } else {
            findings.push(
                Finding::error("git.dirty", message)
                    .at(ctx.repo.display().to_string(), None)
                    .hint("a release is built from committed sources: commit or remove the changes, then build and evaluate again"),
            );
        }
        Ok(())
    }

    fn reachable(
        &self,
        repository: &Repository,
        commit: Oid,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        let references = repository
            .references()
            .map_err(|e| format!("cannot list references: {}", e.message()))?;
        let mut considered = Vec::new();
        for reference in references {
            let reference =
                reference.map_err(|e| format!("cannot read a reference: {}", e.message()))?;
            let Ok(name) = reference.name() else {
                continue;
            };
            if !self.config.allowed_refs.iter().any(|p| p.is_match(name)) {
                continue;
            }
            considered.push(name.to_owned());
            // A ref to a tree or blob reaches no commit.
            let Ok(tip) = reference.peel_to_commit() else {
                continue;
            };
            let tip = tip.id();
            if tip == commit
                || repository
                    .graph_descendant_of(tip, commit)
                    .map_err(|e| format!("cannot walk the history of {name}: {}", e.message()))?
            {
                return Ok(());
            }
        }
        let globs: Vec<&str> = self
            .config
            .allowed_refs
            .iter()
            .map(|p| p.text.as_str())
            .collect();
        let message = if considered.is_empty() {
            format!(
                "commit {commit} is not reachable from an allowed ref: no ref matches {}",
                globs.join(", ")
            )
        } else {
            format!(
                "commit {commit} is not reachable from an allowed ref ({} checked: {})",
                considered.len(),
                considered.join(", ")
            )
        };
        findings.push(
            Finding::error("git.unreachable", message)
                .subject(commit.to_string())
                .hint(format!(
                    "release only commits merged into {}; in a shallow CI clone fetch full history and the branch (e.g. add refs/remotes/origin/main to allowed_refs)",
                    globs.join(" or ")
                )),
        );
        Ok(())
    }
}

/// An object's raw bytes as evidence (what an auditor can re-hash with `git cat-file`).
fn object_evidence(repository: &Repository, oid: Oid, path: &str) -> Result<Evidence, String> {
    let odb = repository
        .odb()
        .map_err(|e| format!("cannot open the object database: {}", e.message()))?;
    let object = odb
        .read(oid)
        .map_err(|e| format!("cannot read object {oid}: {}", e.message()))?;
    Ok(Evidence {
        path: path.to_owned(),
        sha256: crate::digest::sha256_hex(object.data()),
        size: object.data().len() as u64,
    })
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(GitGate { config })
}

/// The gate reads the live repository, which the ledger does not hold.
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err("it reads the git repository, which no ledger stores".to_owned())
}

#[cfg(test)]
mod tests;

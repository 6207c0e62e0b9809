//! The release build: the packages a release build of the workspace's binaries compiles for
//! the target platform, why each one is there, and which features it is built with. Computed
//! from one `cargo metadata --locked` run and shared, per evaluation, by every gate that asks.

mod cargo;
mod features;
mod graph;
mod lockfile;
mod resolver;

#[cfg(test)]
mod tests;

pub use cargo::{HOST, host_triple};
pub use features::Enabler;
pub use lockfile::{LockPackage, Lockfile};

use cargo_metadata::{Metadata, Package};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Why the release build could not be determined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// There is no Cargo.lock: `cargo build --locked` would refuse to create one.
    LockfileMissing { lockfile: PathBuf },
    /// Cargo.lock does not match the manifests: `cargo build --locked` would refuse to update it.
    LockfileStale { lockfile: PathBuf, detail: String },
    /// Anything else: cargo missing, a broken manifest, a registry that cannot be reached.
    Failed(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::LockfileMissing { lockfile } => {
                write!(f, "{} is missing", lockfile.display())
            }
            BuildError::LockfileStale { lockfile, detail } => write!(
                f,
                "{} is out of date with the manifests: {detail}",
                lockfile.display()
            ),
            BuildError::Failed(message) => f.write_str(message),
        }
    }
}

/// One package of the release build.
#[derive(Debug, Clone)]
pub struct BuildPackage {
    /// Index into `metadata.packages`.
    pub package: usize,
    /// The member (index into `ReleaseBuild::members`) that first pulled this one in, on a
    /// shortest path from a root; `None` for a root.
    pub parent: Option<usize>,
    /// Members this one depends on through normal and build dependencies.
    pub deps: Vec<usize>,
}

/// The packages of a release build, with their dependency chains and features.
#[derive(Debug)]
pub struct ReleaseBuild {
    /// The manifest `cargo metadata` was run on.
    pub manifest: PathBuf,
    pub workspace_root: PathBuf,
    /// The target triple the build was filtered for, or `host` for the host platform.
    pub target: String,
    pub metadata: Metadata,
    pub lockfile: Lockfile,
    /// Every package of the release build, roots first, then breadth-first.
    pub members: Vec<BuildPackage>,
    features: Vec<BTreeMap<String, Vec<Enabler>>>,
}

impl ReleaseBuild {
    /// Run `cargo metadata` on `manifest` for `target` (the host when `None`) and work out
    /// the release build.
    pub fn load(manifest: &Path, target: Option<&str>) -> Result<ReleaseBuild, BuildError> {
        // cargo runs in the manifest's directory, where a relative path would mean something
        // else (`electrs/Cargo.toml` from inside `electrs/`): resolve it from ours first.
        let manifest = &std::path::absolute(manifest).map_err(|e| {
            BuildError::Failed(format!("cannot resolve {}: {e}", manifest.display()))
        })?;
        let dir = manifest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let started = std::time::Instant::now();
        let (metadata, target) = match target {
            Some(t) => (cargo::metadata(manifest, dir, t)?, t.to_owned()),
            None => cargo::metadata_for_host(manifest, dir)?,
        };
        let metadata_ms = started.elapsed().as_millis();
        let workspace_root = metadata.workspace_root.clone().into_std_path_buf();
        let lockfile =
            Lockfile::read(&workspace_root.join("Cargo.lock")).map_err(BuildError::Failed)?;
        let separate = resolver::separates_dev_features(&workspace_root.join("Cargo.toml"))
            .map_err(BuildError::Failed)?;
        let candidates = graph::walk(&metadata).map_err(BuildError::Failed)?;
        let resolved = features::resolve(&metadata, &candidates, separate);
        let (members, features) = if separate {
            let (members, origin) = graph::prune(&candidates, &resolved.active_deps);
            let mut all = resolved.features;
            let features = origin
                .iter()
                .map(|&i| std::mem::take(&mut all[i]))
                .collect();
            (members, features)
        } else {
            // Resolver 1 builds what cargo metadata resolved, dev-dependency features and
            // the optional dependencies they activate included.
            (candidates, resolved.features)
        };
        tracing::debug!(
            manifest = %manifest.display(),
            %target,
            packages = members.len(),
            metadata_ms,
            total_ms = started.elapsed().as_millis(),
            "release build"
        );
        Ok(ReleaseBuild {
            manifest: manifest.to_path_buf(),
            workspace_root,
            target,
            metadata,
            lockfile,
            members,
            features,
        })
    }

    pub fn package(&self, member: &BuildPackage) -> &Package {
        &self.metadata.packages[member.package]
    }

    /// The roots: the workspace's binary packages, or every member when none has a binary.
    pub fn roots(&self) -> impl Iterator<Item = &BuildPackage> {
        self.members.iter().filter(|m| m.parent.is_none())
    }

    /// `chain-node -> net -> mock-rpc`: how a member entered the build.
    pub fn chain(&self, member: usize) -> String {
        let mut names = Vec::new();
        let mut at = Some(member);
        while let Some(index) = at {
            let m = &self.members[index];
            names.push(self.metadata.packages[m.package].name.to_string());
            at = m.parent;
        }
        names.reverse();
        names.join(" -> ")
    }

    /// For each member, whether only build scripts need it: no chain of normal dependencies
    /// from a root reaches it (`cargo tree -e normal` would not show it).
    pub fn build_only(&self) -> Vec<bool> {
        graph::normal_reachable(&self.metadata, &self.members)
            .into_iter()
            .map(|normal| !normal)
            .collect()
    }

    /// Features the release build enables on a member, each with who enabled it.
    pub fn features(&self, member: usize) -> &BTreeMap<String, Vec<Enabler>> {
        &self.features[member]
    }
}

type Slot = Arc<OnceLock<Result<Arc<ReleaseBuild>, BuildError>>>;

/// Release builds shared by the gates of one evaluation: `cargo metadata` runs once per
/// (manifest, target), whichever gate asks first, and concurrent askers wait for that run.
#[derive(Default)]
pub struct ReleaseBuilds {
    slots: Mutex<HashMap<(PathBuf, Option<String>), Slot>>,
}

impl ReleaseBuilds {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(
        &self,
        manifest: &Path,
        target: Option<&str>,
    ) -> Result<Arc<ReleaseBuild>, BuildError> {
        let key = (
            std::path::absolute(manifest).unwrap_or_else(|_| manifest.to_path_buf()),
            target.map(str::to_owned),
        );
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            slots.entry(key).or_default().clone()
        };
        slot.get_or_init(|| ReleaseBuild::load(manifest, target).map(Arc::new))
            .clone()
    }
}

//! The gate interface and the built-in gates. Each gate examines one kind of evidence and
//! returns findings; it never decides promotion.

pub mod approvals;
pub mod audit;
pub mod config;
pub mod drills;
pub mod git;
pub mod health;
pub mod plugin;
pub mod promotion;
pub mod real_deps;
pub mod rebuild;
pub mod registry;
pub mod sbom;
pub mod signatures;
pub mod smoke;
pub mod snapshots;
pub mod unsafe_code;

use crate::digest::DigestCache;
use crate::policy::Policy;
use crate::release_build::ReleaseBuilds;
use crate::report::{Evidence, Finding, Subject};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// What every gate may look at.
pub struct GateContext<'a> {
    pub policy: &'a Policy,
    /// The release directory (artifacts, sums, signatures).
    pub release: &'a Path,
    /// The source repository the release was built from.
    pub repo: &'a Path,
    /// The output directory (exists before gates run), for files a gate produces.
    pub out: &'a Path,
    /// Digests shared across gates, so each file is read once.
    pub digests: &'a DigestCache,
    /// Release builds shared across gates, so `cargo metadata` runs once per manifest.
    pub builds: &'a ReleaseBuilds,
    /// The evaluation's clock reading.
    pub now: OffsetDateTime,
    /// The ledger `evaluate` reads and appends to (`--store`), for gates that read it
    /// (approvals); `None` where there is none (replay, unit tests).
    pub store: Option<&'a dyn crate::ledger::store::Store>,
}

impl GateContext<'_> {
    /// The absolute repository path and the Cargo manifest a gate's `manifest` key names
    /// (relative to --repo); `Err` names the gate's table when there is no such file.
    pub fn manifest(&self, relative: &Path, table: &str) -> Result<(PathBuf, PathBuf), String> {
        let repo = std::path::absolute(self.repo).unwrap_or_else(|_| self.repo.to_path_buf());
        let manifest = repo.join(relative);
        if !manifest.is_file() {
            return Err(format!(
                "no Cargo manifest at {}: set `manifest` in [gates.{table}] (relative to --repo)",
                manifest.display()
            ));
        }
        Ok((repo, manifest))
    }
}

/// A gate's findings and the inputs it examined.
#[derive(Debug, Default)]
pub struct GateResult {
    pub findings: Vec<Finding>,
    pub evidence: Vec<Evidence>,
    /// Artifacts this gate identified, with the digests it computed (the verdict's subjects).
    pub subjects: Vec<Subject>,
    /// Named counts worth recording in the report (e.g. packages in the release build).
    pub counts: BTreeMap<String, u64>,
    /// The SBOM this gate examined or produced; its digest goes into the verdict and the
    /// provenance record.
    pub sbom: Option<Evidence>,
    /// Node configuration files this gate examined; their digests go into the verdict and
    /// the provenance record (`configs`).
    pub configs: Vec<Evidence>,
}

/// A gate's deadline when its table sets no `timeout`.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// One kind of evidence check. `Err` means the gate could not evaluate, which blocks.
pub trait Gate: Send + Sync {
    /// The gate's name in reports (a plugin gate's is its policy `name`).
    fn name(&self) -> &str;
    fn required(&self) -> bool;
    /// The gate's deadline: past it the gate is an error that blocks, and the processes it
    /// started are stopped (see `engine`).
    fn timeout(&self) -> std::time::Duration {
        DEFAULT_TIMEOUT
    }
    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String>;
}

/// A built-in gate's name and what it checks, for `tollgate gates`.
pub struct GateInfo {
    pub name: &'static str,
    pub summary: &'static str,
}

pub use registry::{BUILT_IN, Gates, KNOWN_GATES, RawGates};

/// The gates a policy configures, ready to run.
pub fn from_policy(policy: &Policy) -> Vec<Box<dyn Gate>> {
    policy.gates.build()
}

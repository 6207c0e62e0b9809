//! The promotion policy: validated configuration that gates and the engine rely on.
//! `load` reads and checks a file; gates only ever see these validated types.

mod error;
mod load;
mod raw;
mod waiver;
mod waiver_rules;

#[cfg(test)]
mod tests;

pub use error::unknown_field_hint;
pub use error::{PolicyError, line_col, nearest};
pub use load::{ConfigContext, DEFAULT_MAX_WAIVER_DAYS, KNOWN_GATES, load, parse};
pub use waiver::{Waiver, WaiverExpiry, WaiverMatch};
pub use waiver_rules::check_horizon as check_waiver_horizon;

use crate::keys::TrustedKey;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A promotion target. A policy for one environment never promotes to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Regtest,
    Testnet,
    Mainnet,
}

impl Environment {
    pub const ALL: [&'static str; 3] = ["regtest", "testnet", "mainnet"];

    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Regtest => "regtest",
            Environment::Testnet => "testnet",
            Environment::Mainnet => "mainnet",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "regtest" => Ok(Environment::Regtest),
            "testnet" => Ok(Environment::Testnet),
            "mainnet" => Ok(Environment::Mainnet),
            other => Err(format!(
                "unknown environment `{other}`; expected one of: {}",
                Environment::ALL.join(", ")
            )),
        }
    }
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where the policy was read from, as given.
    pub path: PathBuf,
    /// The directory relative paths in the policy are resolved against.
    pub dir: PathBuf,
    /// SHA-256 of the policy file's exact bytes.
    pub sha256: String,
    pub environment: Environment,
    pub verdict_ttl: Duration,
    /// How far ahead of the evaluation a waiver's `expires` may lie (`max_waiver_days`).
    pub max_waiver_days: u32,
    pub trust: Trust,
    pub gates: Gates,
    pub waivers: Vec<Waiver>,
}

/// Keys trusted, by role: one key list per kind of statement.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Sign releases (SHA256SUMS, artifacts).
    pub artifact_keys: Vec<TrustedKey>,
    /// Sign verdicts; later stages accept only verdicts signed by one of these.
    pub verdict_keys: Vec<TrustedKey>,
    /// Sign ops statements (freeze, unfreeze): only these lift a freeze.
    pub ops_keys: Vec<TrustedKey>,
}

/// The configured gates; a gate whose table is absent does not run.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    pub signatures: Option<crate::gates::signatures::Config>,
    pub real_deps: Option<crate::gates::real_deps::Config>,
    pub sbom: Option<crate::gates::sbom::Config>,
    pub audit: Option<crate::gates::audit::Config>,
    pub drills: Option<crate::gates::drills::Config>,
    /// `[[gates.plugin]]` tables, in policy order; each is a gate of its own name.
    pub smoke: Option<crate::gates::smoke::Config>,
    pub plugins: Vec<crate::gates::plugin::Config>,
}

impl Gates {
    /// Names of the configured gates, in evaluation order.
    pub fn configured(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.signatures.is_some() {
            names.push("signatures");
        }
        if self.real_deps.is_some() {
            names.push("real_deps");
        }
        if self.sbom.is_some() {
            names.push("sbom");
        }
        if self.audit.is_some() {
            names.push("audit");
        }
        if self.drills.is_some() {
            names.push("drills");
        }
        if self.smoke.is_some() {
            names.push("smoke");
        }
        if !self.plugins.is_empty() {
            names.push("plugin");
        }
        names
    }
}

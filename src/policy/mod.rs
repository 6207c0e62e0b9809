//! The promotion policy: validated configuration that gates and the engine rely on.
//! `load` reads and checks a file; gates only ever see these validated types.

mod demo;
mod error;
mod load;
mod raw;
mod waiver;
mod waiver_rules;

#[cfg(test)]
mod tests;

pub use crate::gates::KNOWN_GATES;
pub use demo::Demo;
pub use error::unknown_field_hint;
pub use error::{PolicyError, line_col, nearest};
pub use load::{ConfigContext, DEFAULT_MAX_WAIVER_DAYS, load, parse};
pub use waiver::{Waiver, WaiverExpiry, WaiverMatch};
pub use waiver_rules::check_horizon as check_waiver_horizon;

use crate::keys::TrustedKey;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A promotion target. A policy for one environment never promotes to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// The stage of the environment this policy promotes to (`stage = "wave-10"`), if any.
    pub stage: Option<String>,
    pub verdict_ttl: Duration,
    /// How far ahead of the evaluation a waiver's `expires` may lie (`max_waiver_days`).
    pub max_waiver_days: u32,
    pub trust: Trust,
    pub gates: Gates,
    pub waivers: Vec<Waiver>,
    /// `[demo]`: the bundled demo's committed verdict key (regtest only).
    pub demo: Option<Demo>,
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
    /// SSH keys trusted to sign git tags (`[gates.git] signed_tag = true`).
    pub tag_keys: Vec<crate::ssh_keys::SshTrustedKey>,
    /// Witnesses, and how many must have cosigned a checkpoint of the ledger that `evaluate`
    /// and `audit verify --policy` read (none demanded by default).
    pub witnesses: crate::witness::Witnesses,
}

pub use crate::gates::Gates;

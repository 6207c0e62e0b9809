//! The plugin protocol, version 1, as serde types: the request tollgate writes to a
//! plugin's stdin and the report it reads from the plugin's stdout. docs/plugins.md and
//! docs/plugin-{request,response}.schema.json describe the same documents.

use crate::report::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this tollgate speaks; a plugin answering with another is refused.
pub const PROTOCOL: u64 = 1;

/// What tollgate tells a plugin. Plugins should ignore fields they do not know: later
/// tollgates may add some without changing the protocol version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub protocol: u64,
    /// The plugin gate's name, as in the policy.
    pub gate: String,
    /// The `[gates.plugin.config]` table, as JSON.
    pub config: Map<String, Value>,
    /// The environment the policy promotes to (`regtest`, `testnet`, `mainnet`).
    pub environment: String,
    /// The release directory, absolute.
    pub release: String,
    /// The source repository, absolute.
    pub repo: String,
    /// The evaluation's clock (RFC 3339): use it rather than the system clock.
    pub now: String,
    /// Every file in the release directory, sorted by name.
    pub artifacts: Vec<Artifact>,
}

/// One file of the release directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// `/`-separated path relative to the release directory.
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// What a plugin concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
}

/// A plugin's report. Unknown fields are refused (a misspelt `severity` must not pass).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub protocol: u64,
    pub outcome: Outcome,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl Response {
    /// A report whose outcome follows from its findings: "fail" exactly when one has
    /// severity "error" (the rule tollgate checks a report against).
    pub fn from_findings(findings: Vec<Finding>, evidence: Vec<Evidence>) -> Response {
        let fails = findings.iter().any(|f| f.severity == Severity::Error);
        Response {
            protocol: PROTOCOL,
            outcome: if fails { Outcome::Fail } else { Outcome::Pass },
            findings,
            evidence,
        }
    }
}

/// One finding, with the plugin's own code (tollgate reports it as `plugin.GATE.CODE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub code: String,
    pub message: String,
    pub severity: Severity,
    /// What the finding is about (e.g. an artifact name); waivers with `id` match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Where a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// A file the plugin examined: relative to the release directory, or absolute inside the
/// release or repository directory. Tollgate hashes it itself; a declared digest or size
/// must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A plugin finding code: lower-case kebab-case words, optionally dot-separated
/// (`too-large`, `checks.failed`).
pub fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.split('.').all(|part| {
            !part.is_empty()
                && part.split('-').all(|word| {
                    !word.is_empty()
                        && word
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                })
        })
}

/// For plugins written against this crate: read and check the request on stdin.
pub fn read_request(mut input: impl std::io::Read) -> Result<Request, String> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the request on stdin: {e}"))?;
    let request: Request = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the request on stdin is not a tollgate request: {e}"))?;
    if request.protocol != PROTOCOL {
        return Err(format!(
            "the request is protocol {}, this plugin speaks {PROTOCOL}",
            request.protocol
        ));
    }
    Ok(request)
}

//! The policy file exactly as written: serde types with spans, unknown keys rejected.
//! Nothing here is trusted; `validate` turns it into a `Policy`.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub environment: Spanned<String>,
    pub verdict_ttl: Option<Spanned<String>>,
    pub max_waiver_days: Option<Spanned<i64>>,
    pub trust: Option<RawTrust>,
    pub gates: Option<RawGates>,
    pub waivers: Option<Vec<Spanned<RawWaiver>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrust {
    pub artifact_keys: Option<Vec<Spanned<String>>>,
    pub verdict_keys: Option<Vec<Spanned<String>>>,
    pub ops_keys: Option<Vec<Spanned<String>>>,
}

/// Every gate name the design reserves. Gates not yet built into this version are accepted
/// syntactically only so that validation can say so precisely (and refuse the policy).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGates {
    pub signatures: Option<Spanned<crate::gates::signatures::config::Raw>>,
    pub real_deps: Option<Spanned<crate::gates::real_deps::config::Raw>>,
    pub sbom: Option<Spanned<crate::gates::sbom::config::Raw>>,
    pub audit: Option<Spanned<crate::gates::audit::config::Raw>>,
    pub smoke: Option<Spanned<crate::gates::smoke::config::Raw>>,
    pub drills: Option<Spanned<crate::gates::drills::config::Raw>>,
    pub git: Option<Spanned<toml::Value>>,
    pub plugin: Option<Vec<Spanned<crate::gates::plugin::config::Raw>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    pub gate: Spanned<String>,
    pub code: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    pub reason: Spanned<String>,
    pub owner: Spanned<String>,
    pub expires: Spanned<toml::Value>,
}

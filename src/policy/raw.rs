//! The policy file exactly as written: serde types with spans, unknown keys rejected.
//! Nothing here is trusted; `validate` turns it into a `Policy`.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub environment: Spanned<String>,
    pub verdict_ttl: Option<Spanned<String>>,
    /// The stage this policy promotes to (`wave-10`), recorded in the verdict.
    pub stage: Option<Spanned<String>>,
    pub max_waiver_days: Option<Spanned<i64>>,
    pub trust: Option<RawTrust>,
    pub gates: Option<RawGates>,
    pub waivers: Option<Vec<Spanned<RawWaiver>>>,
    pub demo: Option<Spanned<super::demo::RawDemo>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrust {
    pub artifact_keys: Option<Vec<Spanned<String>>>,
    pub verdict_keys: Option<Vec<Spanned<String>>>,
    pub ops_keys: Option<Vec<Spanned<String>>>,
    pub tag_keys: Option<Vec<Spanned<String>>>,
    /// Witnesses whose cosignatures count on the ledger's checkpoints.
    pub witnesses: Option<Vec<Spanned<RawWitness>>>,
    /// How many of `witnesses` must have cosigned the checkpoint the ledger is read under.
    pub min_witnesses: Option<Spanned<i64>>,
}

/// `{ name = "...", key = "..." }` in `[trust] witnesses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWitness {
    pub name: Spanned<String>,
    pub key: Spanned<String>,
}

pub use crate::gates::RawGates;

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

//! `[gates.drills]`: which drill kinds must be recent, how recent, how fast, and whose
//! signatures count.

use crate::keys::TrustedKey;
use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m); past it the gate is an error that blocks.
    pub timeout: Option<Spanned<String>>,
    /// The drill log (JSON lines), relative to the policy file.
    pub log: Spanned<String>,
    pub restore: Option<RawKind>,
    pub key_rotation: Option<RawKind>,
    pub incident_simulation: Option<RawKind>,
    pub failover: Option<RawKind>,
    /// Requirements for custom drill kinds, by kind name.
    pub custom: Option<BTreeMap<Spanned<String>, RawKind>>,
    /// Minisign public keys of operators; when set, only entries they signed count.
    pub operator_keys: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKind {
    pub max_age: Spanned<String>,
    pub max_rto: Option<Spanned<String>>,
}

/// One drill kind the policy requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub kind: String,
    pub max_age: Duration,
    pub max_rto: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    /// The gate's deadline (`timeout`).
    pub timeout: std::time::Duration,
    pub log: PathBuf,
    pub requirements: Vec<Requirement>,
    pub operator_keys: Vec<TrustedKey>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let mut requirements = Vec::new();
    let fixed = [
        ("restore", raw.restore),
        ("key-rotation", raw.key_rotation),
        ("incident-simulation", raw.incident_simulation),
        ("failover", raw.failover),
    ];
    for (kind, table) in fixed {
        if let Some(table) = table {
            requirements.push(requirement(kind.to_owned(), table, cx)?);
        }
    }
    for (name, table) in raw.custom.unwrap_or_default() {
        if !crate::drills::is_valid_kind(name.get_ref()) {
            return Err(cx.error(
                &name,
                format!(
                    "drill kind {:?} is not a lower-case kebab-case name",
                    name.get_ref()
                ),
            ));
        }
        requirements.push(requirement(name.into_inner(), table, cx)?);
    }
    if requirements.is_empty() {
        return Err(cx
            .error_at(span, "[gates.drills] requires no drill kind")
            .with_hint("add e.g. restore = { max_age = \"92d\", max_rto = \"2h\" }"));
    }
    let operator_keys = raw
        .operator_keys
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            TrustedKey::resolve(entry.get_ref(), cx.dir())
                .map_err(|e| cx.error(entry, format!("`gates.drills.operator_keys`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if raw.log.get_ref().trim().is_empty() {
        return Err(cx.error(&raw.log, "`gates.drills.log` must name the drill log file"));
    }
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        log: cx.dir().join(raw.log.get_ref()),
        requirements,
        operator_keys,
    })
}

fn requirement(
    kind: String,
    raw: RawKind,
    cx: &ConfigContext<'_>,
) -> Result<Requirement, PolicyError> {
    Ok(Requirement {
        max_age: cx.duration("max_age", &raw.max_age)?,
        max_rto: raw
            .max_rto
            .as_ref()
            .map(|r| cx.duration("max_rto", r))
            .transpose()?,
        kind,
    })
}

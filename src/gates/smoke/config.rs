//! `[gates.smoke]`: which smoke spec to run. The spec is read and validated with the
//! policy, so `tollgate policy check` catches a broken spec (with its own file and line).

use crate::policy::{ConfigContext, PolicyError};
use crate::smoke::Spec;
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m); past it the gate is an error that blocks.
    pub timeout: Option<Spanned<String>>,
    /// The smoke spec (TOML), relative to the policy file.
    pub spec: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    /// The gate's deadline (`timeout`).
    pub timeout: std::time::Duration,
    pub spec: Spec,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    if raw.spec.get_ref().trim().is_empty() {
        return Err(cx.error(
            &raw.spec,
            "`gates.smoke.spec` must name the smoke spec file",
        ));
    }
    let path = cx.dir().join(raw.spec.get_ref());
    if !path.is_file() {
        return Err(cx
            .error(&raw.spec, format!("no smoke spec at {}", path.display()))
            .with_hint(
                "`spec` is relative to the policy file; see docs/gates/smoke.md for the format",
            ));
    }
    // The spec's own errors name the spec file, line and column.
    let spec = crate::smoke::spec::load(&path)?;
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        spec,
    })
}

//! `[gates.signatures]`: the raw table as written and its validated form.

use crate::policy::{ConfigContext, PolicyError, Trust};
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m); past it the gate is an error that blocks.
    pub timeout: Option<Spanned<String>>,
    pub sums: Option<Spanned<String>>,
    pub sums_signature: Option<Spanned<String>>,
    pub require_sums_signature: Option<bool>,
    pub artifact_signatures: Option<Spanned<String>>,
    pub allow_legacy: Option<bool>,
}

/// Whether `NAME.minisig` beside each artifact is demanded, checked when present, or ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactSignatures {
    Required,
    Optional,
    Ignore,
}

impl FromStr for ArtifactSignatures {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "required" => Ok(Self::Required),
            "optional" => Ok(Self::Optional),
            "ignore" => Ok(Self::Ignore),
            other => Err(format!(
                "unknown value `{other}`; expected one of: required, optional, ignore"
            )),
        }
    }
}

/// `[gates.signatures]`, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    /// The gate's deadline (`timeout`).
    pub timeout: std::time::Duration,
    /// Sums file, relative to the release directory.
    pub sums: PathBuf,
    /// Signature over the sums file, relative to the release directory.
    pub sums_signature: PathBuf,
    pub require_sums_signature: bool,
    pub artifact_signatures: ArtifactSignatures,
    /// Accept legacy (non-prehashed) minisign signatures.
    pub allow_legacy: bool,
}

/// Validate `[gates.signatures]`; signature checks need at least one trusted key.
pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    trust: &Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let sums = raw
        .sums
        .as_ref()
        .map_or("SHA256SUMS".to_owned(), |s| s.get_ref().clone());
    let sums_signature = raw
        .sums_signature
        .as_ref()
        .map_or(format!("{sums}.minisig"), |s| s.get_ref().clone());
    let artifact_signatures = match &raw.artifact_signatures {
        Some(value) => value.get_ref().parse().map_err(|e| {
            cx.error(
                value,
                format!("`gates.signatures.artifact_signatures`: {e}"),
            )
        })?,
        None => ArtifactSignatures::Optional,
    };
    let config = Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        sums: PathBuf::from(sums),
        sums_signature: PathBuf::from(sums_signature),
        require_sums_signature: raw.require_sums_signature.unwrap_or(true),
        artifact_signatures,
        allow_legacy: raw.allow_legacy.unwrap_or(true),
    };
    let checks_signatures =
        config.require_sums_signature || config.artifact_signatures != ArtifactSignatures::Ignore;
    if checks_signatures && trust.artifact_keys.is_empty() {
        return Err(cx
            .error_at(
                span,
                "[gates.signatures] checks minisign signatures but [trust] artifact_keys is empty",
            )
            .with_hint("add the release signing public key to [trust] artifact_keys"));
    }
    Ok(config)
}

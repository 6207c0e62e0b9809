//! `[gates.config]`: the node configuration files of this environment, each pinned by digest
//! or compared with a documented reference, the node family whose network markers apply,
//! and the policy's own markers.

use super::networks::{CustomMarker, Family};
use super::parse::Format;
use super::security::Security;
use crate::policy::{ConfigContext, Environment, PolicyError};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    pub timeout: Option<Spanned<String>>,
    /// The node family of every file unless a file says otherwise.
    pub family: Option<Family>,
    pub files: Vec<Spanned<RawFile>>,
    /// Extra markers of a network.
    pub markers: Option<Vec<Spanned<RawMarker>>>,
    /// The node security baseline: findings block (`required`) or are warnings (`report`).
    pub security: Option<Security>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// Relative to --release (default) or --repo (`base = "repo"`).
    pub path: Spanned<String>,
    pub base: Option<Base>,
    /// The pinned SHA-256 of the file.
    pub sha256: Option<Spanned<String>>,
    /// The documented reference file (relative to the policy file).
    pub reference: Option<Spanned<String>>,
    pub family: Option<Family>,
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    Release,
    Repo,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarker {
    pub network: Spanned<String>,
    pub key: Option<String>,
    pub value: Option<String>,
    pub flag: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// As written in the policy (relative to its base).
    pub path: String,
    pub base: Base,
    pub sha256: Option<String>,
    pub reference: Option<PathBuf>,
    pub family: Family,
    pub format: Format,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: std::time::Duration,
    pub files: Vec<ConfigFile>,
    pub markers: Vec<CustomMarker>,
    pub security: Option<Security>,
}

fn relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.trim().is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.files.is_empty() {
        return Err(cx
            .error_at(span, "[gates.config] lists no `files`")
            .with_hint("add files = [{ path = \"config/bitcoin.conf\", reference = \"config/bitcoin.mainnet.conf\" }]"));
    }
    let mut files = Vec::new();
    for file in raw.files {
        let file_span = file.span();
        let file = file.into_inner();
        let path = file.path.get_ref().clone();
        if !relative(&path) {
            return Err(cx.error(
                &file.path,
                format!("`path` {path:?} must be relative to --release or --repo, without `..`"),
            ));
        }
        if file.sha256.is_none() && file.reference.is_none() {
            return Err(cx
                .error_at(file_span, format!("config file {path:?} has neither `sha256` nor `reference`"))
                .with_hint("pin it with sha256 = \"...\", or give the documented reference file it must match"));
        }
        if let Some(sha) = &file.sha256 {
            let s = sha.get_ref();
            if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(cx.error(sha, "`sha256` must be 64 hex digits"));
            }
        }
        let reference = match &file.reference {
            Some(r) if r.get_ref().trim().is_empty() => {
                return Err(cx.error(r, "`reference` must name a file"));
            }
            Some(r) => Some(cx.dir().join(r.get_ref())),
            None => None,
        };
        files.push(ConfigFile {
            format: file.format.unwrap_or_else(|| Format::of(&path)),
            path,
            base: file.base.unwrap_or(Base::Release),
            sha256: file.sha256.map(|s| s.into_inner().to_ascii_lowercase()),
            reference,
            family: file.family.or(raw.family).unwrap_or(Family::Generic),
        });
    }
    let mut markers = Vec::new();
    for marker in raw.markers.unwrap_or_default() {
        let marker = marker.into_inner();
        let network = marker
            .network
            .get_ref()
            .parse::<Environment>()
            .map_err(|e| cx.error(&marker.network, format!("`markers.network`: {e}")))?;
        if marker.key.is_some() == marker.flag.is_some()
            || (marker.flag.is_some() && marker.value.is_some())
        {
            return Err(cx
                .error(&marker.network, "a marker names either `key` (with an optional `value`) or `flag`")
                .with_hint("e.g. { network = \"testnet\", key = \"network-id\", value = \"devnet-7\" } or { network = \"regtest\", flag = \"--dev\" }"));
        }
        markers.push(CustomMarker {
            network,
            key: marker.key,
            value: marker.value,
            flag: marker.flag,
        });
    }
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        files,
        markers,
        security: raw.security,
    })
}

//! `[gates.unsafe_code]`: which workspace to scan, which reviewed paths are exempt (each with
//! its reason), and what to do about unsafe code in dependencies.

use crate::policy::{ConfigContext, PolicyError};
use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    pub timeout: Option<Spanned<String>>,
    /// The workspace manifest, relative to --repo (default `Cargo.toml`).
    pub manifest: Option<Spanned<String>>,
    /// Reviewed paths (globs relative to the workspace root) whose unsafe code is exempt.
    pub allow: Option<Vec<Spanned<RawAllow>>>,
    /// `ignore` | `report` (default) | `deny`.
    pub dependencies: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllow {
    pub path: Spanned<String>,
    pub reason: Spanned<String>,
}

/// One exemption: files matching `path` are not reported (their unsafe is counted).
#[derive(Debug, Clone)]
pub struct Allow {
    pub path: String,
    pub reason: String,
    pub matcher: GlobMatcher,
    /// The policy line, for the unused-exemption note.
    pub line: usize,
}

/// What to do with unsafe code in the release build's dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependencies {
    /// Not scanned.
    Ignore,
    /// Counted per dependency into an evidence file; never blocks.
    Report,
    /// Counted, and every dependency with unsafe code blocks (`unsafe.dependency`).
    Deny,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: std::time::Duration,
    pub manifest: PathBuf,
    pub allow: Vec<Allow>,
    pub dependencies: Dependencies,
    /// The policy file, for messages about `allow` entries.
    pub policy: PathBuf,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    let manifest = match &raw.manifest {
        Some(m) if m.get_ref().trim().is_empty() => {
            return Err(cx.error(m, "`gates.unsafe_code.manifest` must not be empty"));
        }
        Some(m) => PathBuf::from(m.get_ref().trim()),
        None => PathBuf::from("Cargo.toml"),
    };
    let dependencies = match &raw.dependencies {
        None => Dependencies::Report,
        Some(value) => match value.get_ref().as_str() {
            "ignore" => Dependencies::Ignore,
            "report" => Dependencies::Report,
            "deny" => Dependencies::Deny,
            other => {
                return Err(cx
                    .error(value, format!("`dependencies`: unknown value {other:?}"))
                    .with_hint(
                        "write dependencies = \"ignore\", \"report\" (the default) or \"deny\"",
                    ));
            }
        },
    };
    let mut allow = Vec::new();
    for entry in raw.allow.unwrap_or_default() {
        let line = cx.line(entry.span());
        let entry = entry.into_inner();
        let path = entry.path.get_ref().trim();
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|c| c == "..") {
            return Err(cx
                .error(
                    &entry.path,
                    format!("`allow.path` {path:?} is not a path inside the workspace"),
                )
                .with_hint("write a glob relative to the workspace root, e.g. \"src/ffi/**\""));
        }
        if entry.reason.get_ref().trim().is_empty() {
            return Err(cx
                .error(&entry.reason, "an `allow` entry needs a `reason`: who reviewed this unsafe code, and why it is needed")
                .with_hint("reason = \"FFI to libsecp256k1, reviewed in SEC-42\""));
        }
        let matcher = GlobBuilder::new(path)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                cx.error(
                    &entry.path,
                    format!("`allow.path`: invalid glob {path:?}: {}", e.kind()),
                )
            })?
            .compile_matcher();
        allow.push(Allow {
            path: path.to_owned(),
            reason: entry.reason.get_ref().trim().to_owned(),
            matcher,
            line,
        });
    }
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        manifest,
        allow,
        dependencies,
        policy: cx.path().to_path_buf(),
    })
}

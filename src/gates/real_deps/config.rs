//! `[gates.real_deps]`: the raw table as written and its validated form.

use crate::policy::{ConfigContext, PolicyError};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

pub const DEFAULT_DENY: &[&str] = &["*mock*", "*stub*", "*fake*", "*dummy*"];
pub const DEFAULT_DENY_FEATURES: &[&str] =
    &["mock", "test-utils", "insecure*", "dangerous*", "unsafe-*"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the gate may run (default 15m); past it the gate is an error that blocks.
    pub timeout: Option<Spanned<String>>,
    pub manifest: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub deny: Option<Vec<Spanned<String>>>,
    pub deny_features: Option<Vec<Spanned<String>>>,
    pub allow_path: Option<bool>,
    pub allow_git: Option<bool>,
    /// Index URLs of registries other than crates.io whose packages are accepted.
    pub allow_registries: Option<Vec<Spanned<String>>>,
}

/// Glob patterns (case-insensitive, `*` and `?` match any character) and their matcher.
#[derive(Debug, Clone)]
pub struct Patterns {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl Patterns {
    /// Compile globs; on failure, the index of the bad pattern and why.
    pub fn compile(patterns: &[String]) -> Result<Patterns, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (index, pattern) in patterns.iter().enumerate() {
            if pattern.trim().is_empty() {
                return Err((index, "a pattern must not be empty".to_owned()));
            }
            let glob = GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| (index, format!("invalid pattern {pattern:?}: {}", e.kind())))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| (0, format!("cannot compile the patterns: {e}")))?;
        Ok(Patterns {
            patterns: patterns.to_vec(),
            set,
        })
    }

    /// The first pattern `name` matches, if any.
    pub fn first_match(&self, name: &str) -> Option<&str> {
        self.set
            .matches(name)
            .first()
            .map(|&i| self.patterns[i].as_str())
    }
}

/// `[gates.real_deps]`, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    /// The gate's deadline (`timeout`).
    pub timeout: std::time::Duration,
    /// The workspace manifest, relative to --repo.
    pub manifest: PathBuf,
    /// Target triple of the release build; `None` means the host's.
    pub target: Option<String>,
    /// Denied package names.
    pub deny: Patterns,
    /// Denied feature names.
    pub deny_features: Patterns,
    /// Allow path dependencies outside the workspace root (and `[patch]`/`[replace]` by path).
    pub allow_path: bool,
    /// Allow git dependencies (and `[patch]`/`[replace]` from git) pinned to a full commit.
    pub allow_git: bool,
    /// Registries other than crates.io whose packages are accepted (index URLs, normalised).
    pub allow_registries: Vec<String>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        manifest: PathBuf::from(
            non_empty(cx, "manifest", raw.manifest.as_ref())?.unwrap_or("Cargo.toml".into()),
        ),
        target: target(cx, "gates.real_deps.target", raw.target.as_ref())?,
        deny: patterns(
            cx,
            "gates.real_deps.deny",
            raw.deny.as_deref(),
            DEFAULT_DENY,
        )?,
        deny_features: patterns(
            cx,
            "gates.real_deps.deny_features",
            raw.deny_features.as_deref(),
            DEFAULT_DENY_FEATURES,
        )?,
        allow_path: raw.allow_path.unwrap_or(false),
        allow_git: raw.allow_git.unwrap_or(false),
        allow_registries: registries(cx, raw.allow_registries.as_deref())?,
    })
}

/// `allow_registries`: index URLs (`https://…`, optionally with cargo's `sparse+` prefix).
fn registries(
    cx: &ConfigContext<'_>,
    value: Option<&[Spanned<String>]>,
) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for entry in value.unwrap_or_default() {
        let url = super::checks::normalise_registry(entry.get_ref());
        if !(url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("file://"))
        {
            return Err(cx
                .error(
                    entry,
                    format!("`gates.real_deps.allow_registries`: {:?} is not a registry index URL", entry.get_ref()),
                )
                .with_hint("write the index URL as cargo records it, e.g. \"sparse+https://my-registry.example/index/\" or \"https://my-registry.example/git/index\""));
        }
        out.push(url);
    }
    Ok(out)
}

fn non_empty(
    cx: &ConfigContext<'_>,
    key: &str,
    value: Option<&Spanned<String>>,
) -> Result<Option<String>, PolicyError> {
    match value {
        Some(v) if v.get_ref().trim().is_empty() => {
            Err(cx.error(v, format!("`{key}` must not be empty")))
        }
        Some(v) => Ok(Some(v.get_ref().trim().to_owned())),
        None => Ok(None),
    }
}

/// A target triple such as `x86_64-unknown-linux-gnu`; cargo checks that it exists.
pub fn target(
    cx: &ConfigContext<'_>,
    key: &str,
    value: Option<&Spanned<String>>,
) -> Result<Option<String>, PolicyError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.get_ref().trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err(cx
            .error(value, format!("`{key}` must be one target triple"))
            .with_hint("e.g. \"x86_64-unknown-linux-gnu\"; leave it out for the host platform"));
    }
    Ok(Some(text.to_owned()))
}

fn patterns(
    cx: &ConfigContext<'_>,
    key: &str,
    values: Option<&[Spanned<String>]>,
    defaults: &[&str],
) -> Result<Patterns, PolicyError> {
    match values {
        Some(values) => {
            let texts: Vec<String> = values.iter().map(|v| v.get_ref().clone()).collect();
            Patterns::compile(&texts).map_err(|(index, e)| {
                cx.error(&values[index], format!("`{key}`: {e}"))
                    .with_hint("use globs such as \"*mock*\" or \"insecure*\"")
            })
        }
        None => {
            let texts: Vec<String> = defaults.iter().map(|d| d.to_string()).collect();
            Patterns::compile(&texts)
                .map_err(|(_, e)| cx.error_at(0..0, format!("default `{key}`: {e}")))
        }
    }
}

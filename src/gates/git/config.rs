//! `[gates.git]`: whether the work tree must be clean, which refs the commit must be
//! reachable from, which tag must point at it, and whether that tag must carry a trusted SSH
//! signature.

use crate::policy::{ConfigContext, Environment, PolicyError, Trust};
use crate::ssh_keys::SshTrustedKey;
use globset::GlobMatcher;
use serde::Deserialize;
use toml::Spanned;

/// `allowed_refs` when the policy names none.
pub const DEFAULT_ALLOWED_REFS: &[&str] = &["refs/heads/main", "refs/tags/v*"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    pub timeout: Option<Spanned<String>>,
    /// `block` (default) or `allow` (regtest only): uncommitted or untracked files.
    pub dirty: Option<Spanned<String>>,
    /// Ref globs (`refs/heads/main`, `refs/tags/v*`) one of which must reach the commit.
    pub allowed_refs: Option<Vec<Spanned<String>>>,
    /// A tag name glob (`v*`): a matching tag must point at the commit.
    pub tag: Option<Spanned<String>>,
    /// The matching tag must be signed by a `[trust] tag_keys` SSH key.
    pub signed_tag: Option<Spanned<bool>>,
}

/// One glob, as written and compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    pub matcher: GlobMatcher,
}

impl Pattern {
    pub fn is_match(&self, name: &str) -> bool {
        self.matcher.is_match(name)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: std::time::Duration,
    /// Whether a dirty tree is tolerated (only ever true on regtest).
    pub allow_dirty: bool,
    pub allowed_refs: Vec<Pattern>,
    /// Tag name glob (without `refs/tags/`).
    pub tag: Option<Pattern>,
    /// Keys a tag signature must verify against; empty when `signed_tag` is off.
    pub tag_keys: Option<Vec<SshTrustedKey>>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    trust: &Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let allow_dirty = match &raw.dirty {
        None => false,
        Some(value) => match value.get_ref().as_str() {
            "block" => false,
            "allow" => {
                if cx.environment() != Some(Environment::Regtest) {
                    return Err(cx
                        .error(value, "`dirty = \"allow\"` is accepted only in a regtest policy")
                        .with_hint(
                            "a testnet or mainnet release is built from committed sources: commit or stash, then evaluate",
                        ));
                }
                true
            }
            other => {
                return Err(cx
                    .error(value, format!("`dirty`: unknown value {other:?}"))
                    .with_hint(
                        "write dirty = \"block\" (the default) or \"allow\" (regtest only)",
                    ));
            }
        },
    };
    let allowed_refs = match &raw.allowed_refs {
        None => DEFAULT_ALLOWED_REFS
            .iter()
            .map(|text| pattern(text).expect("the default globs compile"))
            .collect(),
        Some(list) if list.is_empty() => {
            return Err(cx
                .error_at(span, "`gates.git.allowed_refs` is empty: no commit could pass")
                .with_hint("name the refs a release may come from, e.g. [\"refs/heads/main\", \"refs/tags/v*\"]"));
        }
        Some(list) => list
            .iter()
            .map(|entry| {
                let text = entry.get_ref();
                if !text.starts_with("refs/") {
                    return Err(cx
                        .error(
                            entry,
                            format!("`allowed_refs`: {text:?} is not a full ref name"),
                        )
                        .with_hint(
                            "write full names such as \"refs/heads/main\" or \"refs/tags/v*\"",
                        ));
                }
                pattern(text).map_err(|e| cx.error(entry, format!("`allowed_refs`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let tag = raw
        .tag
        .as_ref()
        .map(|entry| {
            let text = entry.get_ref();
            if text.trim().is_empty() || text.starts_with("refs/") {
                return Err(cx
                    .error(entry, format!("`tag`: {text:?} is not a tag name glob"))
                    .with_hint("write the tag name without refs/tags/, e.g. tag = \"v*\""));
            }
            pattern(text).map_err(|e| cx.error(entry, format!("`tag`: {e}")))
        })
        .transpose()?;
    let tag_keys = match &raw.signed_tag {
        Some(signed) if *signed.get_ref() => {
            if tag.is_none() {
                return Err(cx
                    .error(
                        signed,
                        "`signed_tag = true` needs `tag`: which tag must be signed?",
                    )
                    .with_hint("add tag = \"v*\""));
            }
            if trust.tag_keys.is_empty() {
                return Err(cx
                    .error(signed, "`signed_tag = true` but `[trust] tag_keys` names no SSH key")
                    .with_hint(
                        "add tag_keys = [\"keys/release-tags.pub\"] (OpenSSH public keys) under [trust]",
                    ));
            }
            Some(trust.tag_keys.clone())
        }
        _ => None,
    };
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        allow_dirty,
        allowed_refs,
        tag,
        tag_keys,
    })
}

fn pattern(text: &str) -> Result<Pattern, String> {
    // `*` must not cross `/`: refs/tags/v* is not refs/tags/v1/evil.
    let glob = globset::GlobBuilder::new(text)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob {text:?}: {e}"))?;
    Ok(Pattern {
        text: text.to_owned(),
        matcher: glob.compile_matcher(),
    })
}

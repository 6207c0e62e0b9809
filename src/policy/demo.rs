//! `[demo]`: the bundled demo's own signing key. Only a regtest policy may carry it, the key
//! must be a file beside the policy's tree, and every verdict signed with it says so: the
//! key is committed to the repository, so it proves nothing outside the demo.

use super::{ConfigContext, Environment, PolicyError};
use serde::Deserialize;
use std::path::PathBuf;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemo {
    /// The demo verdict key (a minisign secret key, unencrypted), relative to the policy.
    pub verdict_key: Spanned<String>,
}

/// The validated `[demo]` table.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The demo verdict key: `evaluate` signs with it when no `--key` is given.
    pub verdict_key: PathBuf,
}

/// Validate `[demo]`: regtest only, and the key file must exist.
pub fn validate(
    raw: &Spanned<RawDemo>,
    cx: &ConfigContext<'_>,
    environment: Environment,
) -> Result<Demo, PolicyError> {
    if environment != Environment::Regtest {
        return Err(cx
            .error(
                raw,
                format!("[demo] signs with a key committed to the repository; a {environment} policy must not carry it"),
            )
            .with_hint("remove [demo] and sign with --key (keep the demo to environment = \"regtest\")"));
    }
    let key = &raw.get_ref().verdict_key;
    let path = cx.dir().join(key.get_ref());
    if !path.is_file() {
        return Err(cx
            .error(
                key,
                format!("`demo.verdict_key`: no key file at {}", path.display()),
            )
            .with_hint(
                "the path is relative to the policy file; testdata/regen.sh makes the demo key",
            ));
    }
    Ok(Demo { verdict_key: path })
}

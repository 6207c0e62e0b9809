//! `[gates.real_deps]`: the raw table as written and its validated form.

use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
}

pub fn validate(raw: Spanned<Raw>, _cx: &ConfigContext<'_>) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    Ok(Config {
        required: raw.required.unwrap_or(true),
    })
}

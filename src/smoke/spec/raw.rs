//! The smoke spec exactly as written: serde types with spans, unknown keys rejected.
//! Nothing here is trusted; `validate` turns it into a `Spec`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// Variables passed from tollgate's environment to the node and command steps.
    pub env: Option<Vec<Spanned<String>>>,
    pub node: Spanned<RawNode>,
    pub rpc: Option<Spanned<RawRpc>>,
    pub ready: Spanned<RawProbe>,
    pub steps: Option<Vec<Spanned<RawStep>>>,
    pub restart: Option<Spanned<RawRestart>>,
    pub stop: Option<Spanned<RawStop>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub command: Spanned<Vec<Spanned<String>>>,
    pub env: Option<BTreeMap<String, Spanned<String>>>,
    pub log_max_bytes: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRpc {
    pub url: Spanned<String>,
    pub version: Option<Spanned<String>>,
    pub user: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    pub method: Option<Spanned<String>>,
    pub url: Spanned<String>,
    pub json: Option<toml::Value>,
    pub status: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCall {
    pub method: Spanned<String>,
    pub params: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    pub http: Option<RawHttp>,
    pub rpc: Option<RawCall>,
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    pub expect: Option<Vec<Spanned<String>>>,
    pub deadline: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Option<Spanned<String>>,
    pub http: Option<RawHttp>,
    pub rpc: Option<RawCall>,
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    pub expect: Option<Vec<Spanned<String>>>,
    pub until: Option<Vec<Spanned<String>>>,
    pub interval: Option<Spanned<String>>,
    /// With `until`: how long to keep trying. Without: the request's own timeout.
    pub timeout: Option<Spanned<String>>,
    pub capture: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRestart {
    pub extra_args: Option<Vec<Spanned<String>>>,
    pub checks: Option<Vec<Spanned<RawStep>>>,
    pub unchanged: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStop {
    pub signal: Option<Spanned<String>>,
    pub http: Option<RawHttp>,
    pub rpc: Option<RawCall>,
    pub deadline: Option<Spanned<String>>,
    pub grace: Option<Spanned<String>>,
}

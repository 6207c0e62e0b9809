//! `[gates.health]`: where Prometheus is (and how to authenticate, by environment variable
//! name only), the checks (a PromQL query and the expectation every returned series must
//! meet) and the node health endpoints (a URL and assertions in the smoke language).

use super::expect::Expect;
use crate::policy::{ConfigContext, PolicyError};
use crate::smoke::assertion::Assertion;
use crate::smoke::template;
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

/// Placeholders a query may use.
pub const QUERY_PLACEHOLDERS: &[&str] = &["soak", "since_deploy", "environment"];

/// One HTTP request's deadline when the table sets no `timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// Each HTTP request's deadline (default 30s); the gate's own deadline follows from it.
    pub timeout: Option<Spanned<String>>,
    /// The Prometheus base URL (`http://host:9090`), or the variable that holds it.
    pub prometheus: Option<Spanned<String>>,
    pub prometheus_env: Option<Spanned<String>>,
    /// Names of environment variables holding a bearer token, or `user:password`.
    pub bearer_env: Option<Spanned<String>>,
    pub basic_auth_env: Option<Spanned<String>>,
    /// The soak window, for `{soak}` in queries.
    pub soak: Option<Spanned<String>>,
    /// Where `{since_deploy}` comes from: the prior stage's deployment in the ledger.
    pub since_deploy: Option<Spanned<RawSinceDeploy>>,
    pub checks: Option<Vec<Spanned<RawCheck>>>,
    pub endpoints: Option<Vec<Spanned<RawEndpoint>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSinceDeploy {
    pub environment: Spanned<String>,
    pub stage: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub name: Spanned<String>,
    pub query: Spanned<String>,
    pub expect: Spanned<String>,
    pub min_series: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    pub assertions: Vec<Spanned<String>>,
}

/// Where the Prometheus base URL comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Url(String),
    Env(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    BearerEnv(String),
    BasicEnv(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinceDeploy {
    pub environment: String,
    pub stage: String,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    /// As written, placeholders unresolved.
    pub query: String,
    pub expect: Expect,
    pub min_series: usize,
    /// The policy line, for findings.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub url: String,
    pub assertions: Vec<Assertion>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub request_timeout: Duration,
    pub prometheus: Option<Source>,
    pub auth: Auth,
    pub soak: Option<Duration>,
    pub since_deploy: Option<SinceDeploy>,
    pub checks: Vec<Check>,
    pub endpoints: Vec<Endpoint>,
    /// The policy file as given, for finding locations.
    pub policy_path: String,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let prometheus = match (&raw.prometheus, &raw.prometheus_env) {
        (Some(_), Some(env)) => {
            return Err(cx.error(
                env,
                "`gates.health`: give `prometheus` or `prometheus_env`, not both",
            ));
        }
        (Some(url), None) => {
            base_url(url.get_ref()).map_err(|e| cx.error(url, format!("`prometheus`: {e}")))?;
            Some(Source::Url(url.get_ref().trim().to_owned()))
        }
        (None, Some(env)) => Some(Source::Env(env_name(cx, "prometheus_env", env)?)),
        (None, None) => None,
    };
    let auth = match (&raw.bearer_env, &raw.basic_auth_env) {
        (Some(_), Some(basic)) => {
            return Err(cx.error(
                basic,
                "`gates.health`: give `bearer_env` or `basic_auth_env`, not both",
            ));
        }
        (Some(bearer), None) => Auth::BearerEnv(env_name(cx, "bearer_env", bearer)?),
        (None, Some(basic)) => Auth::BasicEnv(env_name(cx, "basic_auth_env", basic)?),
        (None, None) => Auth::None,
    };
    let soak = raw
        .soak
        .as_ref()
        .map(|s| cx.duration("soak", s))
        .transpose()?;
    let since_deploy = raw
        .since_deploy
        .map(|s| since_deploy(cx, s.into_inner()))
        .transpose()?;
    let mut checks = Vec::new();
    for check in raw.checks.unwrap_or_default() {
        let check = self::check(cx, check, soak.is_some())?;
        if checks.iter().any(|c: &Check| c.name == check.name) {
            return Err(cx.error_at(
                span.clone(),
                format!("two health checks are named {:?}", check.name),
            ));
        }
        checks.push(check);
    }
    let mut endpoints = Vec::new();
    for endpoint in raw.endpoints.unwrap_or_default() {
        let endpoint = self::endpoint(cx, endpoint)?;
        if endpoints.iter().any(|e: &Endpoint| e.name == endpoint.name) {
            return Err(cx.error_at(
                span.clone(),
                format!("two health endpoints are named {:?}", endpoint.name),
            ));
        }
        endpoints.push(endpoint);
    }
    if checks.is_empty() && endpoints.is_empty() {
        return Err(cx
            .error_at(span, "[gates.health] has no check and no endpoint")
            .with_hint("add [[gates.health.checks]] (name, query, expect) or [[gates.health.endpoints]] (name, url, assertions)"));
    }
    if !checks.is_empty() && prometheus.is_none() {
        return Err(cx
            .error_at(span, "[gates.health] has checks but no Prometheus to ask")
            .with_hint("set `prometheus = \"http://host:9090\"` or `prometheus_env = \"VAR\"`"));
    }
    Ok(Config {
        required: raw.required.unwrap_or(true),
        request_timeout: match &raw.timeout {
            Some(t) => cx.duration("timeout", t)?,
            None => DEFAULT_REQUEST_TIMEOUT,
        },
        prometheus,
        auth,
        soak,
        since_deploy,
        checks,
        endpoints,
        policy_path: cx.path().to_string_lossy().into_owned(),
    })
}

/// A Prometheus or endpoint URL: http(s), a host, no credentials inside (they would end up
/// in findings and evidence; use `basic_auth_env`).
pub fn base_url(text: &str) -> Result<reqwest::Url, String> {
    let url =
        reqwest::Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    if !["http", "https"].contains(&url.scheme()) {
        return Err(format!("{text:?}: use an http:// or https:// URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{:?} carries credentials: name the variable that holds them in `basic_auth_env` instead",
            redacted_url(&url)
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{:?}: give the base URL without a query or fragment",
            redacted_url(&url)
        ));
    }
    Ok(url)
}

/// A URL as it may be quoted: without user and password.
pub fn redacted_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

fn env_name(
    cx: &ConfigContext<'_>,
    key: &str,
    name: &Spanned<String>,
) -> Result<String, PolicyError> {
    let text = name.get_ref();
    let valid = !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(cx
            .error(
                name,
                format!("`gates.health.{key}`: {text:?} is not an environment variable name"),
            )
            .with_hint("name the variable (e.g. \"PROMETHEUS_TOKEN\"), never its value"));
    }
    Ok(text.clone())
}

fn since_deploy(cx: &ConfigContext<'_>, raw: RawSinceDeploy) -> Result<SinceDeploy, PolicyError> {
    raw.environment
        .get_ref()
        .parse::<crate::policy::Environment>()
        .map_err(|e| cx.error(&raw.environment, format!("`since_deploy.environment`: {e}")))?;
    let stage = match raw.stage {
        Some(stage) => {
            let text = stage.get_ref();
            let kebab = !text.is_empty()
                && !text.starts_with('-')
                && !text.ends_with('-')
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !kebab {
                return Err(cx.error(
                    &stage,
                    format!("`since_deploy.stage`: {text:?} is not a lower-case kebab-case name"),
                ));
            }
            text.clone()
        }
        None => "all".to_owned(),
    };
    Ok(SinceDeploy {
        environment: raw.environment.into_inner(),
        stage,
    })
}

fn check(
    cx: &ConfigContext<'_>,
    raw: Spanned<RawCheck>,
    has_soak: bool,
) -> Result<Check, PolicyError> {
    let line = cx.line(raw.span());
    let raw = raw.into_inner();
    if raw.name.get_ref().trim().is_empty() {
        return Err(cx.error(&raw.name, "a health check needs a `name`"));
    }
    if raw.query.get_ref().trim().is_empty() {
        return Err(cx.error(&raw.query, "a health check needs a `query` (PromQL)"));
    }
    for name in template::placeholders(raw.query.get_ref()) {
        if !QUERY_PLACEHOLDERS.contains(&name.as_str()) {
            return Err(cx
                .error(&raw.query, format!("unknown placeholder `{{{name}}}` in the query"))
                .with_hint("queries may use {soak}, {since_deploy} and {environment}; write {{ and }} for literal braces"));
        }
        if name == "soak" && !has_soak {
            return Err(cx
                .error(
                    &raw.query,
                    "the query uses `{soak}` but [gates.health] sets no `soak`",
                )
                .with_hint("add soak = \"72h\" to [gates.health]"));
        }
    }
    let expect = Expect::parse(raw.expect.get_ref())
        .map_err(|e| cx.error(&raw.expect, format!("`expect`: {e}")))?;
    let min_series = match &raw.min_series {
        None => 1,
        Some(n) => match usize::try_from(*n.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(cx
                    .error(n, "`min_series` must be at least 1")
                    .with_hint("an empty result never passes: nothing passes by default"));
            }
        },
    };
    Ok(Check {
        name: raw.name.into_inner(),
        query: raw.query.into_inner(),
        expect,
        min_series,
        line,
    })
}

fn endpoint(cx: &ConfigContext<'_>, raw: Spanned<RawEndpoint>) -> Result<Endpoint, PolicyError> {
    let line = cx.line(raw.span());
    let raw = raw.into_inner();
    if raw.name.get_ref().trim().is_empty() {
        return Err(cx.error(&raw.name, "a health endpoint needs a `name`"));
    }
    base_url_with_path(raw.url.get_ref()).map_err(|e| cx.error(&raw.url, format!("`url`: {e}")))?;
    if raw.assertions.is_empty() {
        return Err(cx.error(&raw.url, "a health endpoint needs at least one assertion"));
    }
    let mut assertions = Vec::new();
    for text in &raw.assertions {
        let assertion = Assertion::parse(text.get_ref())
            .map_err(|e| cx.error(text, format!("assertion: {e}")))?;
        for name in template::placeholders(&assertion.operand) {
            if super::endpoint::clock_var(&name, time::OffsetDateTime::UNIX_EPOCH).is_none() {
                return Err(cx
                    .error(text, format!("unknown placeholder `{{{name}}}` in the assertion"))
                    .with_hint("assertions may use {now} and {now_minus_DURATION} (unix seconds), e.g. {now_minus_1h}"));
            }
        }
        assertions.push(assertion);
    }
    Ok(Endpoint {
        name: raw.name.into_inner(),
        url: raw.url.into_inner(),
        assertions,
        line,
    })
}

/// An endpoint URL: like `base_url`, but a query string is allowed.
pub fn base_url_with_path(text: &str) -> Result<reqwest::Url, String> {
    let url =
        reqwest::Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let mut bare = url.clone();
    bare.set_query(None);
    bare.set_fragment(None);
    base_url(bare.as_str())?;
    Ok(url)
}

//! Raw spec → validated `Spec`, with errors that name the spec file, line and column: the
//! whole file, the node and the RPC endpoint here; requests and steps in `steps`.

use super::raw::{RawNode, RawRpc, RawSpec};
use super::{Auth, NodeSpec, Password, RpcEndpoint, RpcVersion, Spec};
use crate::policy::PolicyError;
use crate::smoke::template::{self, Vars};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// Placeholders every spec string may use.
pub const BUILTIN_VARS: &[&str] = &["datadir", "rpc_port", "p2p_port", "release"];

const DEFAULT_LOG_MAX: u64 = 1024 * 1024;
const MAX_LOG_MAX: u64 = 1024 * 1024 * 1024;

/// Read and validate the spec at `path`.
pub fn load(path: &Path) -> Result<Spec, PolicyError> {
    let bytes = std::fs::read(path).map_err(|e| {
        PolicyError::whole_file(path, format!("cannot read the smoke spec: {e}"))
            .with_hint("`spec` in [gates.smoke] is relative to the policy file")
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| PolicyError::whole_file(path, format!("the smoke spec is not UTF-8: {e}")))?;
    parse(path, &text)
}

/// Validate spec `text` as if read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Spec, PolicyError> {
    let raw: RawSpec = toml::from_str(text).map_err(|e| {
        let mut error = PolicyError::at(path, text, e.span().unwrap_or(0..0), e.message().trim());
        error.hint = crate::policy::unknown_field_hint(e.message());
        error
    })?;
    let cx = Cx { path, text };
    let mut env: Vec<String> = Vec::new();
    for name in raw.env.iter().flatten() {
        crate::process::check_env_name(name.get_ref()).map_err(|e| {
            cx.err(name.span(), format!("`env`: {e}")).with_hint(
                "list variable names to pass from tollgate's environment, e.g. env = [\"GITHUB_TOKEN\"]",
            )
        })?;
        if !env.contains(name.get_ref()) {
            env.push(name.get_ref().clone());
        }
    }
    let mut known: Vec<String> = BUILTIN_VARS.iter().map(|s| s.to_string()).collect();
    let node = cx.node(raw.node)?;
    let rpc = raw.rpc.map(|r| cx.rpc(r)).transpose()?;
    let ready = cx.probe(raw.ready, rpc.is_some(), &known)?;
    let mut steps = Vec::new();
    for (i, step) in raw.steps.unwrap_or_default().into_iter().enumerate() {
        steps.push(cx.step(step, format!("step {}", i + 1), rpc.is_some(), &mut known)?);
    }
    let stop = cx.stop(raw.stop, rpc.is_some(), &known)?;
    let restart = raw
        .restart
        .map(|r| cx.restart(r, &steps, rpc.is_some(), &known))
        .transpose()?;
    Ok(Spec {
        path: path.to_path_buf(),
        sha256: crate::digest::sha256_hex(text.as_bytes()),
        size: text.len() as u64,
        env,
        node,
        rpc,
        ready,
        steps,
        restart,
        stop,
    })
}

pub(super) struct Cx<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
}

impl Cx<'_> {
    pub(super) fn err(&self, span: Range<usize>, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.path, self.text, span, message)
    }

    pub(super) fn line(&self, span: &Range<usize>) -> usize {
        crate::policy::line_col(self.text, span.start).0
    }

    pub(super) fn duration(
        &self,
        key: &str,
        value: Option<&Spanned<String>>,
        default: Duration,
    ) -> Result<Duration, PolicyError> {
        let Some(value) = value else {
            return Ok(default);
        };
        let d = humantime::parse_duration(value.get_ref()).map_err(|e| {
            self.err(
                value.span(),
                format!("`{key}`: invalid duration {:?}: {e}", value.get_ref()),
            )
            .with_hint("write a duration such as \"500ms\", \"30s\" or \"2m\"")
        })?;
        if d.is_zero() {
            return Err(self.err(value.span(), format!("`{key}` must be longer than zero")));
        }
        Ok(d)
    }

    /// `text` may only use placeholders in `known`.
    pub(super) fn template(
        &self,
        s: &Spanned<String>,
        known: &[String],
    ) -> Result<String, PolicyError> {
        self.names(s.span(), template::placeholders(s.get_ref()), known)?;
        Ok(s.get_ref().clone())
    }

    pub(super) fn names(
        &self,
        span: Range<usize>,
        used: Vec<String>,
        known: &[String],
    ) -> Result<(), PolicyError> {
        for name in used {
            if !known.contains(&name) {
                return Err(self
                    .err(span, format!("unknown placeholder `{{{name}}}`"))
                    .with_hint(format!(
                        "known here: {}; capture a value in an earlier step, or write `{{{{` for a literal brace",
                        known.iter().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(", ")
                    )));
            }
        }
        Ok(())
    }

    fn node(&self, raw: Spanned<RawNode>) -> Result<NodeSpec, PolicyError> {
        let raw = raw.into_inner();
        let known: Vec<String> = BUILTIN_VARS.iter().map(|s| s.to_string()).collect();
        if raw.command.get_ref().is_empty() || raw.command.get_ref()[0].get_ref().trim().is_empty()
        {
            return Err(self
                .err(
                    raw.command.span(),
                    "`node.command` must name the node program",
                )
                .with_hint(
                    "e.g. command = [\"monerod\", \"--regtest\", \"--data-dir\", \"{datadir}\"]",
                ));
        }
        let command = raw
            .command
            .get_ref()
            .iter()
            .map(|a| self.template(a, &known))
            .collect::<Result<_, _>>()?;
        let mut env = Vec::new();
        for (name, value) in raw.env.unwrap_or_default() {
            if name.is_empty() || name.contains('=') {
                return Err(self.err(
                    value.span(),
                    format!("`node.env`: {name:?} is not a variable name"),
                ));
            }
            env.push((name, self.template(&value, &known)?));
        }
        let log_max_bytes = match raw.log_max_bytes {
            None => DEFAULT_LOG_MAX,
            Some(n) => u64::try_from(*n.get_ref())
                .ok()
                .filter(|n| (1..=MAX_LOG_MAX).contains(n))
                .ok_or_else(|| {
                    self.err(
                        n.span(),
                        format!("`node.log_max_bytes` must be between 1 and {MAX_LOG_MAX}"),
                    )
                })?,
        };
        Ok(NodeSpec {
            command,
            env,
            log_max_bytes,
        })
    }

    fn rpc(&self, raw: Spanned<RawRpc>) -> Result<RpcEndpoint, PolicyError> {
        let span = raw.span();
        let raw = raw.into_inner();
        let known: Vec<String> = BUILTIN_VARS.iter().map(|s| s.to_string()).collect();
        let url = self.url(&raw.url, &known)?;
        let version = match raw.version.as_ref().map(|v| (v, v.get_ref().as_str())) {
            None | Some((_, "2.0")) => RpcVersion::V2,
            Some((_, "1.0")) => RpcVersion::V1,
            Some((v, other)) => {
                return Err(self.err(
                    v.span(),
                    format!("`rpc.version` is \"1.0\" or \"2.0\", not {other:?}"),
                ));
            }
        };
        let password = match (&raw.password, &raw.password_env) {
            (Some(_), Some(env)) => {
                return Err(self.err(
                    env.span(),
                    "give `rpc.password` or `rpc.password_env`, not both",
                ));
            }
            (Some(p), None) => Some(Password::Literal(self.template(p, &known)?)),
            (None, Some(env)) => Some(Password::Env(env.get_ref().clone())),
            (None, None) => None,
        };
        let auth = match (&raw.user, password) {
            (Some(user), Some(password)) => Some(Auth {
                user: self.template(user, &known)?,
                password,
            }),
            (None, None) => None,
            _ => {
                return Err(self
                    .err(span, "basic auth needs both `rpc.user` and a password")
                    .with_hint("set `user` and `password` (or `password_env`), or neither"));
            }
        };
        Ok(RpcEndpoint { url, version, auth })
    }

    /// A URL template that, with sample values, is http:// on a loopback address: sample
    /// ports are `1` and every other placeholder `x`, so one that reaches the host is refused.
    pub(super) fn url(
        &self,
        url: &Spanned<String>,
        known: &[String],
    ) -> Result<String, PolicyError> {
        let text = self.template(url, known)?;
        let sample: Vars = template::placeholders(&text)
            .into_iter()
            .map(|name| {
                let value = if name.ends_with("_port") { "1" } else { "x" };
                (name, serde_json::Value::from(value))
            })
            .collect();
        let rendered = template::render(&text, &sample).map_err(|e| self.err(url.span(), e))?;
        crate::smoke::client::loopback_url(&rendered).map_err(|e| {
            self.err(url.span(), format!("{:?}: {e}", url.get_ref())).with_hint(
                "smoke tests talk to the node on loopback only: http://127.0.0.1:{rpc_port}/...",
            )
        })?;
        Ok(text)
    }
}

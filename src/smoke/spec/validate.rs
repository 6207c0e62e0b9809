//! Raw spec → validated `Spec`, with errors that name the spec file, line and column.

use super::raw::{
    RawCall, RawHttp, RawNode, RawProbe, RawRestart, RawRpc, RawSpec, RawStep, RawStop,
};
use super::{
    Auth, HttpMethod, NodeSpec, Password, Probe, Request, Restart, RpcEndpoint, RpcVersion, Spec,
    Step, Stop, StopMethod, StopSignal, Until,
};
use crate::policy::PolicyError;
use crate::smoke::assertion::Assertion;
use crate::smoke::template::{self, Vars};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// A step's, probe's or stop's request keys as written: exactly one may be set.
type RawRequest = (
    Option<RawHttp>,
    Option<RawCall>,
    Option<Spanned<Vec<Spanned<String>>>>,
);

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
        node,
        rpc,
        ready,
        steps,
        restart,
        stop,
    })
}

struct Cx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Cx<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.path, self.text, span, message)
    }

    fn line(&self, span: &Range<usize>) -> usize {
        crate::policy::line_col(self.text, span.start).0
    }

    fn duration(
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
    fn template(&self, s: &Spanned<String>, known: &[String]) -> Result<String, PolicyError> {
        self.names(s.span(), template::placeholders(s.get_ref()), known)?;
        Ok(s.get_ref().clone())
    }

    fn names(
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
    fn url(&self, url: &Spanned<String>, known: &[String]) -> Result<String, PolicyError> {
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

/// Defaults: every wait is bounded even when the spec says nothing.
const PROBE_DEADLINE: Duration = Duration::from_secs(60);
const PROBE_INTERVAL: Duration = Duration::from_millis(500);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
const UNTIL_TIMEOUT: Duration = Duration::from_secs(60);
const UNTIL_INTERVAL: Duration = Duration::from_secs(1);
const STOP_DEADLINE: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(10);

impl Cx<'_> {
    /// Exactly one of `http`, `rpc`, `command`.
    fn request(
        &self,
        span: Range<usize>,
        (http, rpc, command): RawRequest,
        has_rpc: bool,
        known: &[String],
    ) -> Result<Request, PolicyError> {
        match (http, rpc, command) {
            (Some(http), None, None) => self.http(http, known),
            (None, Some(call), None) => self.call(call, has_rpc, known),
            (None, None, Some(argv)) => {
                if argv.get_ref().is_empty() {
                    return Err(self.err(argv.span(), "`command` must name a program"));
                }
                let argv = argv
                    .get_ref()
                    .iter()
                    .map(|a| self.template(a, known))
                    .collect::<Result<_, _>>()?;
                Ok(Request::Command { argv })
            }
            _ => Err(self
                .err(span, "give exactly one of `http`, `rpc` or `command`")
                .with_hint("e.g. rpc = { method = \"getblockcount\" }")),
        }
    }

    fn http(&self, raw: RawHttp, known: &[String]) -> Result<Request, PolicyError> {
        let method = match raw
            .method
            .as_ref()
            .map(|m| (m, m.get_ref().to_ascii_uppercase()))
        {
            None if raw.json.is_some() => HttpMethod::Post,
            None => HttpMethod::Get,
            Some((_, m)) if m == "GET" => HttpMethod::Get,
            Some((_, m)) if m == "POST" => HttpMethod::Post,
            Some((m, _)) => {
                return Err(self.err(
                    m.span(),
                    format!("`method` is \"GET\" or \"POST\", not {:?}", m.get_ref()),
                ));
            }
        };
        let url = self.url(&raw.url, known)?;
        let json = match raw.json {
            Some(value) => {
                let json = serde_json::to_value(&value).map_err(|e| {
                    self.err(
                        raw.url.span(),
                        format!("`json` cannot be sent as JSON: {e}"),
                    )
                })?;
                let mut used = Vec::new();
                template::json_placeholders(&json, &mut used);
                self.names(raw.url.span(), used, known)?;
                Some(json)
            }
            None => None,
        };
        let status = raw
            .status
            .map(|s| {
                u16::try_from(*s.get_ref())
                    .ok()
                    .filter(|c| (100..=599).contains(c))
                    .ok_or_else(|| {
                        self.err(s.span(), "`status` must be an HTTP status code (100-599)")
                    })
            })
            .transpose()?;
        Ok(Request::Http {
            method,
            url,
            json,
            status,
        })
    }

    fn call(&self, raw: RawCall, has_rpc: bool, known: &[String]) -> Result<Request, PolicyError> {
        if !has_rpc {
            return Err(self
                .err(
                    raw.method.span(),
                    "an `rpc` request needs an [rpc] table (url, version)",
                )
                .with_hint("add [rpc] url = \"http://127.0.0.1:{rpc_port}/\""));
        }
        if raw.method.get_ref().trim().is_empty() {
            return Err(self.err(raw.method.span(), "`rpc.method` must not be empty"));
        }
        let params = match raw.params {
            None => None,
            Some(p) => {
                if !matches!(p.get_ref(), toml::Value::Array(_) | toml::Value::Table(_)) {
                    return Err(self.err(
                        p.span(),
                        "`params` is an array (positional) or a table (named parameters)",
                    ));
                }
                let json = serde_json::to_value(p.get_ref()).map_err(|e| {
                    self.err(p.span(), format!("`params` cannot be sent as JSON: {e}"))
                })?;
                let mut used = Vec::new();
                template::json_placeholders(&json, &mut used);
                self.names(p.span(), used, known)?;
                Some(json)
            }
        };
        Ok(Request::Rpc {
            method: raw.method.get_ref().clone(),
            params,
        })
    }

    fn assertions(
        &self,
        list: Option<Vec<Spanned<String>>>,
        known: &[String],
    ) -> Result<Vec<Assertion>, PolicyError> {
        list.unwrap_or_default()
            .iter()
            .map(|a| {
                self.names(a.span(), template::placeholders(a.get_ref()), known)?;
                Assertion::parse(a.get_ref()).map_err(|e| {
                    self.err(a.span(), e).with_hint(
                        "write POINTER OP VALUE, e.g. \"/result/height >= 11\" or \"/result/status == \\\"OK\\\"\"",
                    )
                })
            })
            .collect()
    }

    fn probe(
        &self,
        raw: Spanned<RawProbe>,
        has_rpc: bool,
        known: &[String],
    ) -> Result<Probe, PolicyError> {
        let span = raw.span();
        let raw = raw.into_inner();
        Ok(Probe {
            request: self.request(span, (raw.http, raw.rpc, raw.command), has_rpc, known)?,
            expect: self.assertions(raw.expect, known)?,
            deadline: self.duration("ready.deadline", raw.deadline.as_ref(), PROBE_DEADLINE)?,
            interval: self.duration("ready.interval", raw.interval.as_ref(), PROBE_INTERVAL)?,
            timeout: self.duration("ready.timeout", raw.timeout.as_ref(), PROBE_TIMEOUT)?,
        })
    }

    /// A step; its captures become known to the steps after it.
    fn step(
        &self,
        raw: Spanned<RawStep>,
        default_name: String,
        has_rpc: bool,
        known: &mut Vec<String>,
    ) -> Result<Step, PolicyError> {
        let span = raw.span();
        let line = self.line(&span);
        let raw = raw.into_inner();
        let name = match &raw.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                return Err(self.err(n.span(), "a step `name` must not be empty"));
            }
            Some(n) => n.get_ref().trim().to_owned(),
            None => default_name,
        };
        let request = self.request(
            span.clone(),
            (raw.http, raw.rpc, raw.command),
            has_rpc,
            known,
        )?;
        let expect = self.assertions(raw.expect, known)?;
        let (until, timeout) = match raw.until {
            Some(list) => {
                if list.is_empty() {
                    return Err(self.err(span, "`until` lists no assertion"));
                }
                let until = Until {
                    assertions: self.assertions(Some(list), known)?,
                    timeout: self.duration("timeout", raw.timeout.as_ref(), UNTIL_TIMEOUT)?,
                    interval: self.duration("interval", raw.interval.as_ref(), UNTIL_INTERVAL)?,
                };
                (Some(until), STEP_TIMEOUT)
            }
            None => {
                if let Some(i) = &raw.interval {
                    return Err(
                        self.err(i.span(), "`interval` only applies to a step with `until`")
                    );
                }
                (
                    None,
                    self.duration("timeout", raw.timeout.as_ref(), STEP_TIMEOUT)?,
                )
            }
        };
        let mut capture = Vec::new();
        for (var, pointer) in raw.capture.unwrap_or_default() {
            if !template::is_ident(&var) || BUILTIN_VARS.contains(&var.as_str()) {
                return Err(self.err(
                    pointer.span(),
                    format!(
                        "cannot capture into `{var}`: use a fresh identifier (letters, digits, _)"
                    ),
                ));
            }
            if !pointer.get_ref().starts_with('/') {
                return Err(self
                    .err(
                        pointer.span(),
                        format!(
                            "capture `{var}`: {:?} is not a JSON pointer",
                            pointer.get_ref()
                        ),
                    )
                    .with_hint("e.g. tip = \"/result/block_header/hash\""));
            }
            if !known.contains(&var) {
                known.push(var.clone());
            }
            capture.push((var, pointer.get_ref().clone()));
        }
        Ok(Step {
            name,
            line,
            request,
            expect,
            until,
            timeout,
            capture,
        })
    }

    fn stop(
        &self,
        raw: Option<Spanned<RawStop>>,
        has_rpc: bool,
        known: &[String],
    ) -> Result<Stop, PolicyError> {
        let Some(raw) = raw else {
            return Ok(Stop {
                method: StopMethod::Signal(StopSignal::Term),
                deadline: STOP_DEADLINE,
                grace: STOP_GRACE,
            });
        };
        let span = raw.span();
        let raw = raw.into_inner();
        let method = match (&raw.signal, raw.http.is_some() || raw.rpc.is_some()) {
            (Some(_), true) => {
                return Err(self.err(span, "give one stop method: `signal`, `rpc` or `http`"));
            }
            (Some(s), false) => StopMethod::Signal(match s.get_ref().as_str() {
                "SIGTERM" | "sigterm" | "TERM" => StopSignal::Term,
                "SIGINT" | "sigint" | "INT" => StopSignal::Int,
                other => {
                    return Err(self.err(
                        s.span(),
                        format!("`stop.signal` is \"SIGTERM\" or \"SIGINT\", not {other:?}"),
                    ));
                }
            }),
            (None, false) => StopMethod::Signal(StopSignal::Term),
            (None, true) => StopMethod::Request(self.request(
                span,
                (raw.http, raw.rpc, None),
                has_rpc,
                known,
            )?),
        };
        Ok(Stop {
            method,
            deadline: self.duration("stop.deadline", raw.deadline.as_ref(), STOP_DEADLINE)?,
            grace: self.duration("stop.grace", raw.grace.as_ref(), STOP_GRACE)?,
        })
    }

    fn restart(
        &self,
        raw: Spanned<RawRestart>,
        steps: &[Step],
        has_rpc: bool,
        known: &[String],
    ) -> Result<Restart, PolicyError> {
        let span = raw.span();
        let raw = raw.into_inner();
        let builtins: Vec<String> = BUILTIN_VARS.iter().map(|s| s.to_string()).collect();
        let extra_args = raw
            .extra_args
            .unwrap_or_default()
            .iter()
            .map(|a| self.template(a, &builtins))
            .collect::<Result<_, _>>()?;
        let mut after = known.to_vec();
        let mut checks = Vec::new();
        for (i, check) in raw.checks.unwrap_or_default().into_iter().enumerate() {
            checks.push(self.step(
                check,
                format!("restart check {}", i + 1),
                has_rpc,
                &mut after,
            )?);
        }
        let mut unchanged = Vec::new();
        for name in raw.unchanged.unwrap_or_default() {
            let before = steps
                .iter()
                .any(|s| s.capture.iter().any(|(v, _)| v == name.get_ref()));
            let again = checks
                .iter()
                .any(|s| s.capture.iter().any(|(v, _)| v == name.get_ref()));
            if !before || !again {
                return Err(self
                    .err(name.span(), format!("`unchanged`: `{}` must be captured by a step before the restart and again by a restart check", name.get_ref()))
                    .with_hint("capture = { tip = \"/result/hash\" } in a [[steps]] entry and in a [[restart.checks]] entry"));
            }
            unchanged.push(name.into_inner());
        }
        if checks.is_empty() && !unchanged.is_empty() {
            return Err(self.err(span, "[restart] compares values but has no `checks`"));
        }
        Ok(Restart {
            extra_args,
            checks,
            unchanged,
        })
    }
}

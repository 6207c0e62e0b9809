//! Validating what a spec sends and checks: requests, the readiness probe, steps, the stop
//! method and the restart.

use super::raw::{RawCall, RawHttp, RawProbe, RawRestart, RawStep, RawStop};
use super::validate::{BUILTIN_VARS, Cx};
use super::{HttpMethod, Probe, Request, Restart, Step, Stop, StopMethod, StopSignal, Until};
use crate::policy::PolicyError;
use crate::smoke::assertion::Assertion;
use crate::smoke::template;
use std::ops::Range;
use std::time::Duration;
use toml::Spanned;

/// A step's, probe's or stop's request keys as written: exactly one may be set.
type RawRequest = (
    Option<RawHttp>,
    Option<RawCall>,
    Option<Spanned<Vec<Spanned<String>>>>,
);

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

    pub(super) fn probe(
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
    pub(super) fn step(
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

    pub(super) fn stop(
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

    pub(super) fn restart(
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

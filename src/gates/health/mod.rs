//! The health gate: live health from a Prometheus HTTP API (each check a PromQL instant
//! query at the evaluation time, every returned series held to the check's expectation)
//! and from node `/health` endpoints (the smoke gate's assertions). Pass, fail, no-data and
//! error per check; everything but pass blocks. Each query, its evaluation time and the raw
//! response are written under `out/health/` and reported as evidence, so the ledger keeps
//! exactly what was measured.

pub mod client;
pub mod config;
pub mod endpoint;
pub mod expect;
pub mod init;
pub mod judge;
mod record;
pub mod replay;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::report::Finding;
use client::{Answer, Client};
use config::{Check, Source};
use judge::Judgement;
use std::path::Path;
use std::time::Duration;

pub const NAME: &str = "health";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str = "every Prometheus health check holds for every series at the evaluation time (no data, a query error or an unreachable server block); node /health endpoints meet their assertions; queries and raw responses kept as evidence";

pub struct HealthGate {
    config: Config,
}

impl Gate for HealthGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    /// Every request may take its full timeout, one after the other, plus a margin.
    fn timeout(&self) -> Duration {
        let requests = (self.config.checks.len() + self.config.endpoints.len()) as u32;
        self.config.request_timeout * requests.max(1) + Duration::from_secs(30)
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let dir = ctx.out.join("health");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let client = Client::new(&self.config.auth, self.config.request_timeout)?;
        let mut out = GateResult::default();
        if !self.config.checks.is_empty() {
            let base = self.prometheus_url()?;
            let mut passed = 0;
            for (index, check) in self.config.checks.iter().enumerate() {
                let stem = dir.join(record::stem("check", index, &check.name));
                if self.run_check(ctx, &client, &base, check, &stem, &mut out)? {
                    passed += 1;
                }
            }
            out.counts.insert("health_checks_passed".into(), passed);
        }
        if !self.config.endpoints.is_empty() {
            let mut passed = 0;
            for (index, endpoint) in self.config.endpoints.iter().enumerate() {
                let stem = dir.join(record::stem("endpoint", index, &endpoint.name));
                let outcome = endpoint::check(&client, endpoint, ctx.now);
                let request = record::EndpointRequest::new(endpoint, ctx.now, outcome.status);
                record::write(&stem, &request, outcome.body.as_deref(), &mut out.evidence)?;
                if outcome.problems.is_empty() {
                    passed += 1;
                    continue;
                }
                let (code, lead) = if outcome.reachable {
                    ("health.endpoint-failed", "assertions do not hold")
                } else {
                    ("health.endpoint-error", "cannot be checked")
                };
                out.findings.push(
                    Finding::error(
                        code,
                        format!(
                            "endpoint {:?} ({}): {lead}: {}",
                            endpoint.name,
                            endpoint.url,
                            outcome.problems.join("; ")
                        ),
                    )
                    .subject(&endpoint.name)
                    .at(&self.config.policy_path, Some(endpoint.line as u64)),
                );
            }
            out.counts.insert("health_endpoints_passed".into(), passed);
        }
        Ok(out)
    }
}

impl HealthGate {
    fn prometheus_url(&self) -> Result<reqwest::Url, String> {
        let text = match &self.config.prometheus {
            Some(Source::Url(url)) => url.clone(),
            Some(Source::Env(name)) => std::env::var(name).map_err(|_| {
                format!("the variable {name} named by `gates.health.prometheus_env` is not set: it must hold the Prometheus URL")
            })?,
            None => return Err("[gates.health] names no Prometheus".to_owned()),
        };
        config::base_url(&text).map_err(|e| format!("the Prometheus URL: {e}"))
    }

    /// Run one check; `Ok(true)` when it passed. Its request and response become evidence.
    fn run_check(
        &self,
        ctx: &GateContext<'_>,
        client: &Client,
        base: &reqwest::Url,
        check: &Check,
        stem: &Path,
        out: &mut GateResult,
    ) -> Result<bool, String> {
        let at = |f: Finding| {
            f.subject(&check.name)
                .at(&self.config.policy_path, Some(check.line as u64))
        };
        let query = match self.render(ctx, &check.query) {
            Ok(query) => query,
            Err(why) => {
                let request =
                    record::CheckRequest::new(check, &check.query, base, ctx.now, None, Some(&why));
                record::write(stem, &request, None, &mut out.evidence)?;
                out.findings.push(at(Finding::error(
                    "health.since-deploy-unknown",
                    format!("check {:?}: {why}; query: {}", check.name, check.query),
                ))
                .hint("configure `since_deploy` in [gates.health] and record the prior stage's deployment, or drop {since_deploy} from the query"));
                return Ok(false);
            }
        };
        let endpoint = query_url(base);
        let mut params = vec![
            ("query", query.clone()),
            ("time", crate::verdict::rfc3339(ctx.now)),
        ];
        // Prometheus stops evaluating at its own deadline, a little before ours.
        let seconds = self.config.request_timeout.as_secs().max(2) - 1;
        params.push(("timeout", format!("{seconds}s")));
        let answer = client.get(&endpoint, &params, "application/json");
        let (judgement, status, body) = match answer {
            Answer::Failed(why) => (Judgement::Error(why), None, None),
            Answer::Http { status, body } => (
                judge::judge(status, &body, &check.expect, check.min_series),
                Some(status),
                Some(body),
            ),
        };
        let error = match &judgement {
            Judgement::Error(e) if status.is_none() => Some(e.as_str()),
            _ => None,
        };
        let request = record::CheckRequest::new(check, &query, base, ctx.now, status, error);
        record::write(stem, &request, body.as_deref(), &mut out.evidence)?;
        if let Some(finding) = finding(check, &query, &judgement) {
            out.findings.push(at(finding));
            return Ok(false);
        }
        Ok(true)
    }

    /// The query with `{soak}`, `{since_deploy}` and `{environment}` filled in.
    fn render(&self, ctx: &GateContext<'_>, query: &str) -> Result<String, String> {
        let names = crate::smoke::template::placeholders(query);
        let mut vars = crate::smoke::template::Vars::new();
        if let Some(soak) = self.config.soak {
            vars.insert("soak".into(), prom_duration(soak).into());
        }
        vars.insert("environment".into(), ctx.policy.environment.as_str().into());
        if names.iter().any(|n| n == "since_deploy") {
            vars.insert("since_deploy".into(), self.since_deploy(ctx)?.into());
        }
        crate::smoke::template::render(query, &vars)
    }

    /// `{since_deploy}`: the time since the newest deployment of these artifacts (the
    /// release's sums-file digests) to the configured environment and stage, by a `deploy`
    /// entry signed by a `[trust] ops_keys` key and logged no later than `--now`.
    fn since_deploy(&self, ctx: &GateContext<'_>) -> Result<String, String> {
        let Some(source) = &self.config.since_deploy else {
            return Err(
                "the query uses {since_deploy} but [gates.health] names no `since_deploy` source"
                    .to_owned(),
            );
        };
        let Some(store) = ctx.store else {
            return Err("{since_deploy} needs the ledger, and evaluate was given none".to_owned());
        };
        let digests = crate::gates::promotion::release::digests(ctx)?;
        let mut history = crate::ledger::history::History::default();
        history.add(store, None, false)?;
        let at = history
            .records
            .iter()
            .rev()
            .filter(|r| r.environment == source.environment)
            .filter_map(|r| match &r.event {
                crate::ledger::history::Event::Deploy(d) => Some((r, d)),
                _ => None,
            })
            .filter(|(_, d)| d.statement.stage == source.stage)
            .filter(|(_, d)| crate::ledger::rollout::digest_set(&d.statement.subjects) == digests)
            .filter(|(_, d)| {
                matches!(
                    crate::ledger::ops::standing(
                        &d.statement,
                        Some(&d.minisig),
                        &ctx.policy.trust.ops_keys
                    ),
                    crate::ledger::ops::Standing::Trusted(_)
                )
            })
            .find_map(|(r, _)| r.at.filter(|at| *at <= ctx.now));
        match at {
            Some(at) => Ok(prom_duration((ctx.now - at).unsigned_abs())),
            None => Err(format!(
                "{{since_deploy}}: no deploy of these artifacts to {} stage {} signed by a [trust] ops_keys key is in {}",
                source.environment,
                source.stage,
                store.location()
            )),
        }
    }
}

/// The finding for a check that did not pass, naming the query.
pub fn finding(check: &Check, query: &str, judgement: &Judgement) -> Option<Finding> {
    let name = &check.name;
    Some(match judgement {
        Judgement::Pass { .. } => return None,
        Judgement::Fail { failing, series } => {
            let list: Vec<String> = failing.iter().map(|(l, v)| format!("{l} = {v}")).collect();
            Finding::error(
                "health.check-failed",
                format!(
                    "check {name:?}: {} of {series} series fail `{}`: {}; query: {query}",
                    failing.len(),
                    check.expect,
                    list.join(", ")
                ),
            )
        }
        Judgement::NoData { series } => Finding::error(
            "health.no-data",
            format!(
                "check {name:?}: {series} series returned, fewer than min_series = {}; query: {query}",
                check.min_series
            ),
        )
        .hint("no data never passes: check the selector, the scrape targets and the evaluation time"),
        Judgement::Error(why) => Finding::error(
            "health.query-error",
            format!("check {name:?}: {why}; query: {query}"),
        )
        .hint("the check could not be measured, which blocks: fix the query or Prometheus, then evaluate again"),
    })
}

fn query_url(base: &reqwest::Url) -> reqwest::Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/query", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// A duration as PromQL writes it: `3d`, `1h30m`, `90s` (whole seconds).
pub fn prom_duration(d: Duration) -> String {
    let mut left = d.as_secs().max(1);
    let mut out = String::new();
    for (unit, secs) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if left >= secs {
            out.push_str(&format!("{}{unit}", left / secs));
            left %= secs;
        }
    }
    out
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(HealthGate { config })
}

/// Whether `audit replay` can re-run this gate from the ledger alone: never, it asks a
/// live Prometheus; `audit replay` re-decides each check from the stored response instead
/// (see [`replay`]).
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err("it asks a live Prometheus and live nodes; each check is re-decided from its stored response instead".to_owned())
}

#[cfg(test)]
mod tests;

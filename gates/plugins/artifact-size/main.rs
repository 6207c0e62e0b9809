//! `tollgate-plugin-artifact-size`: an example plugin gate (docs/plugins.md). Runbooks cap
//! a program's size ("no release artifact over 200 KB"); this plugin fails on every
//! release file larger than `max_kb` (1 KB = 1024 bytes), from the request's `config`, else
//! `--max-kb N`, else 200. Reads the request on stdin, prints the report on stdout; a bad
//! request or bad arguments exit 2 with the reason on stderr.

#[path = "../common.rs"]
mod common;

use common::finish;
use std::process::ExitCode;
use tollgate::gates::plugin::protocol::{
    Evidence, Finding, Location, Request, Response, read_request,
};
use tollgate::report::Severity;

const DEFAULT_MAX_KB: u64 = 200;

fn main() -> ExitCode {
    finish("tollgate-plugin-artifact-size", run())
}

fn run() -> Result<Response, String> {
    let flag = max_kb_flag(std::env::args().skip(1))?;
    let request = read_request(std::io::stdin())?;
    let configured = match request.config.get("max_kb") {
        None => None,
        Some(value) => Some(value.as_u64().filter(|&kb| kb > 0).ok_or_else(|| {
            format!("config `max_kb` must be a whole number of KB above 0, found {value}")
        })?),
    };
    let max_kb = match (configured, flag) {
        (Some(c), Some(f)) if c != f => {
            return Err(format!(
                "config `max_kb` = {c} and `--max-kb {f}` disagree; set one"
            ));
        }
        (c, f) => c.or(f).unwrap_or(DEFAULT_MAX_KB),
    };
    Ok(check(&request, max_kb))
}

/// `--max-kb N`, if given; anything else on the command line is a mistake.
fn max_kb_flag(mut args: impl Iterator<Item = String>) -> Result<Option<u64>, String> {
    let mut max_kb = None;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--max-kb" => args.next().ok_or("--max-kb needs a number")?,
            other => match other.strip_prefix("--max-kb=") {
                Some(value) => value.to_owned(),
                None => return Err(format!("unknown argument {other:?} (usage: --max-kb N)")),
            },
        };
        let kb = value
            .parse::<u64>()
            .ok()
            .filter(|&kb| kb > 0)
            .ok_or_else(|| format!("--max-kb {value:?} is not a whole number above 0"))?;
        max_kb = Some(kb);
    }
    Ok(max_kb)
}

/// One finding per release file over the limit; every file examined is evidence.
fn check(request: &Request, max_kb: u64) -> Response {
    let limit = max_kb * 1024;
    let findings: Vec<Finding> = request
        .artifacts
        .iter()
        .filter(|a| a.size > limit)
        .map(|a| Finding {
            code: "too-large".into(),
            message: format!(
                "{} is {} bytes ({:.1} KB), over the {max_kb} KB limit",
                a.name,
                a.size,
                a.size as f64 / 1024.0
            ),
            severity: Severity::Error,
            subject: Some(a.name.clone()),
            location: Some(Location {
                path: a.name.clone(),
                line: None,
            }),
            hint: Some(format!(
                "shrink the artifact (strip symbols, compress) or raise `max_kb` above {}",
                a.size.div_ceil(1024)
            )),
        })
        .collect();
    let evidence = request
        .artifacts
        .iter()
        .map(|a| Evidence {
            path: a.name.clone(),
            sha256: Some(a.sha256.clone()),
            size: Some(a.size),
        })
        .collect();
    Response::from_findings(findings, evidence)
}

//! `tollgate-plugin-ci-status`: an example plugin gate (docs/plugins.md). Asks the GitHub
//! API whether every check run for the release's commit succeeded: a failed, cancelled or
//! timed-out check fails, one still running fails ("still running"), and no check runs at
//! all fails (nothing proves CI ran). Token from `GITHUB_TOKEN`; API from config `api_url`,
//! else `GITHUB_API_URL` (as GitHub Actions sets it), else https://api.github.com. An API
//! or configuration problem exits 2 with the reason on stderr, which tollgate reports as
//! an error that blocks.

mod github;

#[path = "../common.rs"]
mod common;

use common::finish;
use std::process::ExitCode;
use tollgate::gates::plugin::protocol::{Finding, Request, Response, read_request};
use tollgate::report::Severity;

fn main() -> ExitCode {
    finish("tollgate-plugin-ci-status", run())
}

/// What to ask GitHub about.
struct Settings {
    api: String,
    repository: String,
    sha: String,
    token: String,
    /// Check names not to judge (e.g. the job running tollgate, which is still running).
    ignore: Vec<String>,
}

fn run() -> Result<Response, String> {
    let request = read_request(std::io::stdin())?;
    let settings = settings(&request)?;
    let api = github::Api::new(&settings.api, settings.token.clone())?;
    let runs = api.check_runs(&settings.repository, &settings.sha)?;
    Ok(judge(&settings, &runs))
}

fn settings(request: &Request) -> Result<Settings, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match request.config.get(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                Ok(Some(s.trim().to_owned()))
            }
            Some(other) => Err(format!(
                "config `{key}` must be a non-empty string, found {other}"
            )),
        }
    };
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    let repository = text("repository")?
        .or_else(|| env("GITHUB_REPOSITORY"))
        .ok_or("set config `repository` (\"owner/name\") or GITHUB_REPOSITORY")?;
    if repository.split('/').count() != 2 || repository.split('/').any(str::is_empty) {
        return Err(format!("repository {repository:?} is not \"owner/name\""));
    }
    let sha = match text("commit")? {
        Some(sha) => sha,
        None => head_commit(&request.repo)?,
    };
    if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("commit {sha:?} is not a full 40-digit SHA-1"));
    }
    let ignore = match request.config.get("ignore") {
        None => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or("config `ignore` must be a list of check names")?,
        Some(other) => {
            return Err(format!(
                "config `ignore` must be a list of check names, found {other}"
            ));
        }
    };
    Ok(Settings {
        api: text("api_url")?
            .or_else(|| env("GITHUB_API_URL"))
            .unwrap_or_else(|| "https://api.github.com".to_owned()),
        repository,
        sha,
        token: env("GITHUB_TOKEN")
            .ok_or("GITHUB_TOKEN is not set: give the plugin a token that can read checks")?,
        ignore,
    })
}

/// The commit HEAD points at in the repository the request names.
fn head_commit(repo: &str) -> Result<String, String> {
    let repository = git2::Repository::open(repo)
        .map_err(|e| format!("set config `commit`, or run on a git repository: {repo}: {e}"))?;
    let commit = repository
        .head()
        .and_then(|head| head.peel_to_commit())
        .map_err(|e| format!("cannot read HEAD of {repo}: {e}"))?;
    Ok(commit.id().to_string())
}

fn judge(settings: &Settings, runs: &[github::CheckRun]) -> Response {
    let short = &settings.sha[..12];
    let judged: Vec<&github::CheckRun> = runs
        .iter()
        .filter(|r| !settings.ignore.contains(&r.name))
        .collect();
    let mut findings = Vec::new();
    if judged.is_empty() {
        findings.push(finding(
            "no-check-runs",
            format!(
                "{} has no check runs for commit {short}{}: nothing proves CI ran",
                settings.repository,
                if runs.is_empty() {
                    ""
                } else {
                    " (besides ignored ones)"
                }
            ),
            None,
            "run CI on this commit before promoting it",
        ));
    }
    for run in judged {
        let link = run
            .html_url
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        if run.status != "completed" {
            findings.push(finding(
                "check-pending",
                format!(
                    "check `{}` is still running (status {}){link}",
                    run.name, run.status
                ),
                Some(&run.name),
                "wait for CI to finish, then evaluate again",
            ));
            continue;
        }
        match run.conclusion.as_deref() {
            Some("success" | "neutral" | "skipped") => {}
            other => findings.push(finding(
                "check-failed",
                format!(
                    "check `{}` concluded {}{link}",
                    run.name,
                    other.unwrap_or("nothing")
                ),
                Some(&run.name),
                "fix the failure and re-run CI on this commit",
            )),
        }
    }
    Response::from_findings(findings, Vec::new())
}

fn finding(code: &str, message: String, subject: Option<&str>, hint: &str) -> Finding {
    Finding {
        code: code.to_owned(),
        message,
        severity: Severity::Error,
        subject: subject.map(str::to_owned),
        location: None,
        hint: Some(hint.to_owned()),
    }
}

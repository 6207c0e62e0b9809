//! `[gates.audit]`: the raw table as written and its validated form.

use super::advisory::{Kind, Level};
use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    pub reports: Option<Spanned<Vec<Spanned<String>>>>,
    pub threshold: Option<Spanned<String>>,
    pub unknown_severity: Option<Spanned<String>>,
    pub max_age: Option<Spanned<String>>,
    /// `"mtime"` or `"block"`: how to age a report that carries no timestamp of its own.
    pub undated: Option<Spanned<String>>,
    pub deny_kinds: Option<Vec<Spanned<String>>>,
    pub lockfile: Option<Spanned<String>>,
    pub run: Option<bool>,
    pub db: Option<Spanned<String>>,
    pub no_fetch: Option<Spanned<bool>>,
    /// The gate's deadline (default 15m); with `run = true` also cargo-audit's (default 5m).
    pub timeout: Option<Spanned<String>>,
}

/// How tollgate runs `cargo audit` itself (`run = true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// `--db`: the advisory database, resolved against the policy's directory.
    pub db: Option<PathBuf>,
    /// `--no-fetch`: use the database as it is, without updating it.
    pub no_fetch: bool,
    /// How long `cargo audit` may take before it is killed (and the gate errors).
    pub timeout: Duration,
}

/// `[gates.audit]`, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    /// The gate's deadline (`timeout`).
    pub timeout: std::time::Duration,
    /// Report files, relative to the release directory; the format is read from the content.
    pub reports: Vec<String>,
    /// Vulnerabilities at or above this level block.
    pub threshold: Level,
    /// The level given to an advisory that carries no score and no severity.
    pub unknown_severity: Level,
    /// Reports older than this fail.
    pub max_age: Duration,
    /// How to age a report without its own timestamp; `None`: by environment (mainnet
    /// blocks, others use the file's modification time).
    pub undated: Option<Undated>,
    /// Informational kinds (unmaintained, unsound, yanked, notice) that block.
    pub deny_kinds: Vec<Kind>,
    /// The release's lockfile, relative to the repository.
    pub lockfile: PathBuf,
    pub run: Option<RunConfig>,
}

/// `undated = "mtime" | "block"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undated {
    /// Age it by the file's modification time (which whoever made the file can set).
    Mtime,
    /// Block: its age cannot be known.
    Block,
}

impl Undated {
    /// The policy's choice, or the environment's default: mainnet blocks.
    pub fn effective(set: Option<Undated>, environment: crate::policy::Environment) -> Undated {
        set.unwrap_or(match environment {
            crate::policy::Environment::Mainnet => Undated::Block,
            _ => Undated::Mtime,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Undated::Mtime => "mtime",
            Undated::Block => "block",
        }
    }
}

const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Validate `[gates.audit]`.
pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let reports = reports(&raw.reports, cx)?;
    let run = raw.run.unwrap_or(false);
    if reports.is_empty() && !run {
        return Err(cx
            .error_at(
                span,
                "[gates.audit] has no reports to read and `run` is off",
            )
            .with_hint(
                "list report files in `reports` (relative to --release), or set `run = true`",
            ));
    }
    if !run {
        let run_only = [
            ("db", raw.db.as_ref().map(Spanned::span)),
            ("no_fetch", raw.no_fetch.as_ref().map(Spanned::span)),
        ];
        if let Some((key, Some(at))) = run_only.into_iter().find(|(_, s)| s.is_some()) {
            return Err(cx
                .error_at(
                    at,
                    format!("`gates.audit.{key}` only applies when `run = true`"),
                )
                .with_hint("set `run = true` to have tollgate run `cargo audit`, or remove it"));
        }
    }
    let run = run.then(|| -> Result<RunConfig, PolicyError> {
        Ok(RunConfig {
            db: raw.db.as_ref().map(|db| cx.dir().join(db.get_ref())),
            no_fetch: raw.no_fetch.as_ref().is_some_and(|b| *b.get_ref()),
            timeout: match &raw.timeout {
                Some(t) => cx.duration("gates.audit.timeout", t)?,
                None => DEFAULT_TIMEOUT,
            },
        })
    });
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        reports,
        threshold: level(cx, "threshold", &raw.threshold, Level::Medium)?,
        unknown_severity: level(cx, "unknown_severity", &raw.unknown_severity, Level::High)?,
        max_age: match &raw.max_age {
            Some(age) => cx.duration("gates.audit.max_age", age)?,
            None => DEFAULT_MAX_AGE,
        },
        undated: match &raw.undated {
            None => None,
            Some(v) => Some(match v.get_ref().as_str() {
                "mtime" => Undated::Mtime,
                "block" => Undated::Block,
                other => {
                    return Err(cx
                        .error(v, format!("`gates.audit.undated`: {other:?} is not \"mtime\" or \"block\""))
                        .with_hint("\"mtime\" ages a report without its own timestamp by its file's modification time; \"block\" refuses it (the default on mainnet)"));
                }
            }),
        },
        deny_kinds: deny_kinds(&raw.deny_kinds, cx)?,
        lockfile: match &raw.lockfile {
            Some(path) => PathBuf::from(relative(cx, "lockfile", path, "--repo")?),
            None => PathBuf::from("Cargo.lock"),
        },
        run: run.transpose()?,
    })
}

fn reports(
    raw: &Option<Spanned<Vec<Spanned<String>>>>,
    cx: &ConfigContext<'_>,
) -> Result<Vec<String>, PolicyError> {
    let Some(list) = raw else {
        return Ok(Vec::new());
    };
    let mut reports: Vec<String> = Vec::new();
    for entry in list.get_ref() {
        let name = relative(cx, "reports", entry, "--release")?;
        if reports.contains(&name) {
            return Err(cx.error(entry, format!("`gates.audit.reports` lists `{name}` twice")));
        }
        reports.push(name);
    }
    Ok(reports)
}

/// A non-empty relative path that stays inside the directory it is relative to.
fn relative(
    cx: &ConfigContext<'_>,
    key: &str,
    value: &Spanned<String>,
    base: &str,
) -> Result<String, PolicyError> {
    let text = value.get_ref().trim();
    let escapes = Path::new(text)
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if text.is_empty() || escapes {
        return Err(cx
            .error(
                value,
                format!("`gates.audit.{key}`: {text:?} is not a relative path inside {base}"),
            )
            .with_hint(format!(
                "write a path relative to {base}, without `..` or a leading `/`"
            )));
    }
    Ok(text.to_owned())
}

fn level(
    cx: &ConfigContext<'_>,
    key: &str,
    value: &Option<Spanned<String>>,
    default: Level,
) -> Result<Level, PolicyError> {
    match value {
        None => Ok(default),
        Some(v) => v
            .get_ref()
            .parse()
            .map_err(|e| cx.error(v, format!("`gates.audit.{key}`: {e}"))),
    }
}

fn deny_kinds(
    raw: &Option<Vec<Spanned<String>>>,
    cx: &ConfigContext<'_>,
) -> Result<Vec<Kind>, PolicyError> {
    let mut kinds = Vec::new();
    for entry in raw.iter().flatten() {
        let kind: Kind = entry
            .get_ref()
            .parse()
            .map_err(|e| cx.error(entry, format!("`gates.audit.deny_kinds`: {e}")))?;
        if kind == Kind::Vulnerability {
            return Err(cx
                .error(
                    entry,
                    "`gates.audit.deny_kinds` lists informational kinds; vulnerabilities always count",
                )
                .with_hint(
                    "vulnerabilities block at or above `threshold`; list unmaintained, unsound, yanked or notice here",
                ));
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

//! `[gates.snapshots]`: how fresh full and state snapshots must be, how far back they must
//! reach, where they may live, whose signatures count, and the restore-continuity check.

use crate::keys::TrustedKey;
use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

const DAY: u64 = 24 * 60 * 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    pub timeout: Option<Spanned<String>>,
    /// The snapshot log (JSON lines), relative to the policy file.
    pub log: Spanned<String>,
    /// Newest full snapshot no older than this (default 7d).
    pub full_max_age: Option<Spanned<String>>,
    /// Newest state snapshot no older than this (default 1d).
    pub state_max_age: Option<Spanned<String>>,
    /// Snapshots must reach back at least this far, with no gap (default 14d).
    pub retention: Option<Spanned<String>>,
    /// Re-hash the newest full and state snapshots when reachable as files.
    pub verify_local: Option<bool>,
    /// Where off-node storage is mounted (relative to the policy): a snapshot is looked up
    /// there by its location's file name when `verify_local` is on.
    pub verify_dir: Option<Spanned<String>>,
    /// Minisign public keys of operators; when set, only entries they signed count.
    pub operator_keys: Option<Vec<Spanned<String>>>,
    /// The drill log whose newest passing restore drill must have restored a snapshot as
    /// high as the newest full one (relative to the policy). Absent: no continuity check.
    pub drill_log: Option<Spanned<String>>,
    /// How many blocks the restored snapshot may trail the newest full one (default 0).
    pub max_drift: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: Duration,
    pub log: PathBuf,
    pub full_max_age: Duration,
    pub state_max_age: Duration,
    pub retention: Duration,
    pub verify_local: bool,
    pub verify_dir: Option<PathBuf>,
    pub operator_keys: Vec<TrustedKey>,
    pub drill_log: Option<PathBuf>,
    pub max_drift: u64,
}

fn path(
    cx: &ConfigContext<'_>,
    key: &str,
    value: &Spanned<String>,
) -> Result<PathBuf, PolicyError> {
    if value.get_ref().trim().is_empty() {
        return Err(cx.error(value, format!("`gates.snapshots.{key}` must name a file")));
    }
    Ok(cx.dir().join(value.get_ref()))
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    let duration = |key: &str, value: &Option<Spanned<String>>, default: u64| match value {
        Some(v) => cx.duration(key, v),
        None => Ok(Duration::from_secs(default * DAY)),
    };
    let verify_local = raw.verify_local.unwrap_or(false);
    if let (Some(dir), false) = (&raw.verify_dir, verify_local) {
        return Err(cx
            .error(
                dir,
                "`verify_dir` has no effect without `verify_local = true`",
            )
            .with_hint("add verify_local = true, or remove verify_dir"));
    }
    let max_drift = match &raw.max_drift {
        None => 0,
        Some(value) => u64::try_from(*value.get_ref())
            .map_err(|_| cx.error(value, "`max_drift` is a number of blocks, 0 or more"))?,
    };
    if let (Some(value), None) = (&raw.max_drift, &raw.drill_log) {
        return Err(cx
            .error(value, "`max_drift` has no effect without `drill_log`")
            .with_hint("name the drill log whose restore drills prove continuity"));
    }
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout: cx.gate_timeout(raw.timeout.as_ref())?,
        log: path(cx, "log", &raw.log)?,
        full_max_age: duration("full_max_age", &raw.full_max_age, 7)?,
        state_max_age: duration("state_max_age", &raw.state_max_age, 1)?,
        retention: duration("retention", &raw.retention, 14)?,
        verify_local,
        verify_dir: raw
            .verify_dir
            .as_ref()
            .map(|d| path(cx, "verify_dir", d))
            .transpose()?,
        operator_keys: crate::gates::registry::resolve_keys(
            cx,
            "gates.snapshots.operator_keys",
            &raw.operator_keys.unwrap_or_default(),
        )?,
        drill_log: raw
            .drill_log
            .as_ref()
            .map(|d| path(cx, "drill_log", d))
            .transpose()?,
        max_drift,
    })
}

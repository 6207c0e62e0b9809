//! `[gates.rebuild]`: the command that builds the release from the commit, where it leaves
//! the artifacts, which artifacts must match, and how long it may take.

use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// A rebuild's deadline when the table sets no `timeout`: builds are slow.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45 * 60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub required: Option<bool>,
    /// How long the whole gate (export, fetch, build, compare) may run (default 45m).
    pub timeout: Option<Spanned<String>>,
    /// Program and arguments, run at the root of the exported commit.
    pub command: Spanned<Vec<Spanned<String>>>,
    /// Directory (relative to the commit's root) where the command leaves the artifacts.
    pub outputs: Spanned<String>,
    /// Artifact names (in --release and in `outputs`); default: every name in the sums file.
    pub artifacts: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub required: bool,
    pub timeout: Duration,
    pub command: Vec<String>,
    /// Relative to the exported tree; never escapes it.
    pub outputs: PathBuf,
    /// `None`: every artifact the sums file lists.
    pub artifacts: Option<Vec<String>>,
}

pub fn validate(
    raw: Spanned<Raw>,
    cx: &ConfigContext<'_>,
    _trust: &crate::policy::Trust,
) -> Result<Config, PolicyError> {
    let raw = raw.into_inner();
    let command_span = raw.command.span();
    let command: Vec<String> = raw
        .command
        .into_inner()
        .into_iter()
        .map(Spanned::into_inner)
        .collect();
    if command
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        return Err(cx
            .error_at(command_span, "`gates.rebuild.command` names no program")
            .with_hint("e.g. command = [\"bash\", \"scripts/build-release.sh\"]"));
    }
    if !is_inside(Path::new(raw.outputs.get_ref())) {
        return Err(cx
            .error(
                &raw.outputs,
                format!(
                    "`gates.rebuild.outputs` {:?} is not a relative path inside the commit",
                    raw.outputs.get_ref()
                ),
            )
            .with_hint("name the directory the command writes to, e.g. outputs = \"dist\""));
    }
    let artifacts = match raw.artifacts {
        None => None,
        Some(list) => {
            if list.is_empty() {
                return Err(cx
                    .error_at(
                        raw.outputs.span(),
                        "`gates.rebuild.artifacts` is empty: nothing would be compared",
                    )
                    .with_hint("list artifact names, or leave `artifacts` out to compare every artifact in the sums file"));
            }
            let mut names = Vec::new();
            for name in list {
                if !is_inside(Path::new(name.get_ref())) {
                    return Err(cx.error(
                        &name,
                        format!(
                            "`gates.rebuild.artifacts`: {:?} is not a relative path inside the release directory",
                            name.get_ref()
                        ),
                    ));
                }
                names.push(name.into_inner());
            }
            Some(names)
        }
    };
    let timeout = match raw.timeout.as_ref() {
        Some(value) => cx.duration("timeout", value)?,
        None => DEFAULT_TIMEOUT,
    };
    Ok(Config {
        required: raw.required.unwrap_or(true),
        timeout,
        command,
        outputs: PathBuf::from(raw.outputs.into_inner()),
        artifacts,
    })
}

/// A relative path that stays inside its base (no `..`, no root).
pub fn is_inside(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

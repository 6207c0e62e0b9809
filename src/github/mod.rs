//! Running under GitHub Actions (`GITHUB_ACTIONS=true`): findings as workflow-command
//! annotations, a Markdown job summary in `$GITHUB_STEP_SUMMARY`, and step outputs in
//! `$GITHUB_OUTPUT`, and [`inert`] text that no runner parses as a command. This module
//! builds the text and appends the files; it never prints (`crate::console` does).

mod annotations;
mod command;
pub mod inert;
mod outputs;
mod summary;

pub use annotations::{Paths, annotations};
pub use command::{
    Annotation, Level, escape_data, escape_property, random_bytes_hex, random_token,
};
pub use outputs::output_entry;
pub use summary::summary;

use crate::verdict::Verdict;
use anyhow::Context;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The runner's files, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub workspace: Option<PathBuf>,
}

/// What one evaluation produced, for the summary and the outputs.
pub struct RunInfo<'a> {
    pub verdict_path: &'a Path,
    pub verdict_sha256: &'a str,
    pub provenance_path: &'a Path,
    /// `verdict.intoto.jsonl`, the verdict as a SLSA VSA in a DSSE envelope.
    pub vsa_path: &'a Path,
    pub signed: bool,
    /// The ledger entry `evaluate` appended (`SEQ:SHA256`), for the `entry-id` output.
    pub entry_id: Option<String>,
}

impl Runner {
    /// `Some` when running under GitHub Actions.
    pub fn detect() -> Option<Runner> {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// As `detect`, reading variables through `get` (tests pass a map).
    pub fn from_vars(get: impl Fn(&str) -> Option<OsString>) -> Option<Runner> {
        if get("GITHUB_ACTIONS").as_deref() != Some("true".as_ref()) {
            return None;
        }
        let path = |name: &str| get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Some(Runner {
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
            workspace: path("GITHUB_WORKSPACE"),
        })
    }

    /// Append the job summary and the step outputs. A runner file that cannot be written
    /// is an error: the step's outputs would silently be missing otherwise.
    pub fn publish(&self, verdict: &Verdict, run: &RunInfo<'_>) -> anyhow::Result<()> {
        if let Some(path) = &self.step_summary {
            append(path, &summary(verdict, run)).with_context(|| {
                format!(
                    "cannot append the job summary to GITHUB_STEP_SUMMARY={}",
                    path.display()
                )
            })?;
        }
        if let Some(path) = &self.output {
            let mut text = String::new();
            for (name, value) in outputs(verdict, run) {
                text.push_str(&output_entry(name, &value)?);
            }
            append(path, &text).with_context(|| {
                format!(
                    "cannot append step outputs to GITHUB_OUTPUT={}",
                    path.display()
                )
            })?;
        }
        Ok(())
    }
}

/// The step outputs: `decision`, `verdict-path`, `vsa-path`, `provenance-path`, `verdict-sha256`,
/// `environment`, `signed`, and `entry-id` (the ledger entry that holds the verdict).
pub fn outputs(verdict: &Verdict, run: &RunInfo<'_>) -> Vec<(&'static str, String)> {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .to_string_lossy()
            .into_owned()
    };
    vec![
        ("decision", verdict.decision.as_str().to_owned()),
        ("verdict-path", absolute(run.verdict_path)),
        ("vsa-path", absolute(run.vsa_path)),
        ("provenance-path", absolute(run.provenance_path)),
        ("verdict-sha256", run.verdict_sha256.to_owned()),
        ("environment", verdict.environment.as_str().to_owned()),
        ("signed", run.signed.to_string()),
    ]
    .into_iter()
    .chain(run.entry_id.clone().map(|id| ("entry-id", id)))
    .collect()
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn only_github_actions_true_counts() {
        assert_eq!(Runner::from_vars(vars(&[])), None);
        assert_eq!(Runner::from_vars(vars(&[("GITHUB_ACTIONS", "1")])), None);
        let runner = Runner::from_vars(vars(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", "/tmp/out"),
            ("GITHUB_STEP_SUMMARY", ""),
        ]))
        .unwrap();
        assert_eq!(runner.output.as_deref(), Some(Path::new("/tmp/out")));
        assert_eq!(runner.step_summary, None, "an empty variable names no file");
    }
}

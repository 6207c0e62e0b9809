//! `evaluate` under GitHub Actions: the job summary and step outputs are appended, the
//! report is printed with the runner's command processing stopped (it quotes file names
//! from the release), and then the annotations are printed.

use super::{CommandError, Exit, print, print_stderr};
use crate::cli::{EvaluateArgs, ReportFormat};
use crate::github::{Paths, RunInfo, Runner, annotations, random_token, without_commands};
use crate::policy::Policy;
use crate::verdict::Verdict;
use anyhow::anyhow;

pub struct Step<'a> {
    pub args: &'a EvaluateArgs,
    pub policy: &'a Policy,
    pub verdict: &'a Verdict,
    pub verdict_sha256: &'a str,
    pub signed: bool,
    /// The ledger entry `evaluate_ledger::record` appended.
    pub entry: &'a crate::ledger::EntryId,
}

pub fn finish(runner: &Runner, step: &Step<'_>, report: &str) -> Result<(), CommandError> {
    let verdict_path = step.args.out.join("verdict.json");
    let provenance_path = step.args.out.join("provenance.json");
    let run = RunInfo {
        verdict_path: &verdict_path,
        verdict_sha256: step.verdict_sha256,
        provenance_path: &provenance_path,
        signed: step.signed,
        entry_id: Some(step.entry.to_string()),
    };
    runner
        .publish(step.verdict, &run)
        .map_err(|error| CommandError {
            exit: Exit::Usage,
            error,
        })?;
    let paths = Paths {
        bases: vec![&step.args.release, &step.args.repo, &step.policy.dir],
        workspace: runner.workspace.as_deref(),
    };
    let commands: String = annotations(step.verdict, &paths)
        .iter()
        .map(|a| a.render())
        .collect();
    if step.args.format == ReportFormat::Json {
        // stdout stays pure JSON for machines; the runner reads commands on stderr too.
        print(report)?;
        return print_stderr(&commands);
    }
    let token = random_token()
        .map_err(|e| CommandError::config(anyhow!("cannot draw a random token: {e}")))?;
    print(&format!("{}{commands}", without_commands(report, &token)))
}

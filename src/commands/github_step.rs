//! `evaluate` under GitHub Actions: the job summary and step outputs are appended, the
//! report is printed (inert, like all output: it quotes file names from the release), and
//! then the annotations are written as live commands (see `crate::console`).

use super::{CommandError, Exit, annotate, print};
use crate::cli::EvaluateArgs;
use crate::github::{Paths, RunInfo, Runner, annotations};
use crate::policy::Policy;
use crate::verdict::Verdict;

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
    let vsa_path = step.args.out.join(super::evaluate_outputs::VSA);
    let run = RunInfo {
        verdict_path: &verdict_path,
        verdict_sha256: step.verdict_sha256,
        provenance_path: &provenance_path,
        vsa_path: &vsa_path,
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
    print(report)?;
    annotate(&annotations(step.verdict, &paths))
}

//! The job summary appended to `$GITHUB_STEP_SUMMARY`: the Markdown report (banner, gate
//! table, findings, waivers) and the verdict's digest and paths.

use super::RunInfo;
use crate::render::escape_markdown;
use crate::verdict::Verdict;
use std::fmt::Write as _;

pub fn summary(verdict: &Verdict, run: &RunInfo<'_>) -> String {
    let mut out = crate::render::markdown(verdict);
    let signed = if run.signed {
        "signed"
    } else {
        "⚠️ UNSIGNED (no key given: it cannot be verified)"
    };
    writeln!(
        out,
        "\n**Verdict** {} — sha256 `{}`, {signed}  ",
        escape_markdown(&run.verdict_path.display().to_string()),
        run.verdict_sha256
    )
    .ok();
    writeln!(
        out,
        "**Provenance** {}",
        escape_markdown(&run.provenance_path.display().to_string())
    )
    .ok();
    if let Some(id) = &run.entry_id {
        writeln!(
            out,
            "\n**Ledger entry** `{id}` (`tollgate audit show` / `audit replay` take it)"
        )
        .ok();
    }
    out
}

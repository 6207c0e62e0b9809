//! `tollgate audit replay ID`: re-decide an entry from the ledger and say whether the stored
//! verdict is reproduced (exit 0) or exactly how it differs (exit 1). "Reproduced" is said
//! only of gates that were re-run; when none could be, the output says so plainly (exit 0 if
//! the stored decision still follows from the stored reports).

use super::audit::json_text;
use super::audit::open_existing;
use super::{CommandError, CommandResult, Exit, print};
use crate::cli::{AuditShowArgs, ListFormat};
use crate::ledger::replay::{How, Replay, ReplayError, replay};
use anyhow::anyhow;

pub fn run(args: &AuditShowArgs) -> CommandResult {
    let store = open_existing(&args.store)?;
    let outcome = replay(store.as_ref(), &args.id).map_err(|e| match e {
        ReplayError::Usage(message) => CommandError::config(anyhow!(message)),
        ReplayError::Cannot(message) => CommandError {
            exit: Exit::Failure,
            error: anyhow!("cannot replay {}: {message}", args.id),
        },
    })?;
    let text = match args.format {
        ListFormat::Json => json_text(&outcome)?,
        ListFormat::Text => render(&outcome),
    };
    print(&text)?;
    Ok(if outcome.consistent {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn render(r: &Replay) -> String {
    let mut text = format!(
        "replay of entry {} (sha256 {}): {}, evaluated at {}, stored decision {}\n",
        r.entry.seq, r.entry.sha256, r.environment, r.evaluated_at, r.stored_decision
    );
    let width = r.gates.iter().map(|g| g.gate.len()).max().unwrap_or(0);
    for gate in &r.gates {
        let how = match gate.how {
            How::Replayed => match gate.reproduced {
                Some(true) => "re-ran on the stored evidence: reproduced".to_owned(),
                _ => "re-ran on the stored evidence: DIFFERS from the stored report".to_owned(),
            },
            How::Stored => format!(
                "taken as stored, not reproduced: {}",
                gate.reason.as_deref().unwrap_or_default()
            ),
            How::Derived => format!(
                "re-derived from the ledger: {}",
                gate.reason.as_deref().unwrap_or_default()
            ),
        };
        text.push_str(&format!("  {:<width$}  {how}\n", gate.gate));
        for check in &gate.checks {
            let mark = if check.ok { "re-verified" } else { "FAILED" };
            text.push_str(&format!("  {:<width$}    {mark}: {}\n", "", check.what));
        }
    }
    text.push_str(&format!(
        "waivers re-applied at {}: {} applied, {} expired, {} unused\n",
        r.evaluated_at, r.waivers_applied, r.waivers_expired, r.waivers_unused
    ));
    text.push_str(&format!("ignored in the comparison: {}\n", r.ignored));
    for problem in &r.problems {
        text.push_str(&format!("problem: {problem}\n"));
    }
    let rerun: Vec<&str> = r
        .gates
        .iter()
        .filter(|g| g.how == How::Replayed)
        .map(|g| g.gate.as_str())
        .collect();
    let taken = r.gates.iter().filter(|g| g.how == How::Stored).count();
    if rerun.is_empty() {
        text.push_str(&format!(
            "re-ran no gate: nothing was reproduced; the stored decision is shown as recorded: {} (verdict {})\n",
            r.stored_decision, r.stored_verdict_sha256
        ));
    }
    if r.consistent && !rerun.is_empty() {
        text.push_str(&format!(
            "REPRODUCED: re-ran {}: each gave its stored report; {taken} gate(s) taken as stored; the rebuilt verdict matches the stored verdict {} ({})\n",
            rerun.join(", "),
            r.stored_verdict_sha256,
            r.stored_decision
        ));
    } else if r.consistent {
        text.push_str(&format!(
            "CONSISTENT: re-deciding from the {taken} stored report(s) under the stored policy rebuilds the stored verdict {} ({}); no gate's result was reproduced\n",
            r.stored_verdict_sha256, r.stored_decision
        ));
    } else {
        text.push_str(&format!(
            "DIFFERS: {} difference(s) from the stored verdict {} (stored {}, replayed {})\n",
            r.differences.len(),
            r.stored_verdict_sha256,
            r.stored_decision,
            r.replayed_decision
        ));
        for d in &r.differences {
            text.push_str(&format!("  {d}\n"));
        }
    }
    text
}

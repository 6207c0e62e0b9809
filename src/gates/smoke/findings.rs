//! Smoke problems as findings with stable `smoke.*` codes (documented in
//! docs/gates/smoke.md). Each names the step, the assertion and what came back.

use crate::report::Finding;
use crate::smoke::Problem;
use crate::smoke::problem::At;

fn located(finding: Finding, at: &At, spec: &str) -> Finding {
    finding
        .subject(&at.step)
        .at(spec, at.line.map(|l| l as u64))
}

fn secs(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_millis(d.as_millis() as u64)).to_string()
}

pub fn finding(problem: &Problem, spec: &str) -> Finding {
    match problem {
        Problem::NotReady { at, waited, last } => located(
            Finding::error("smoke.not-ready", format!("the node was not ready ({}) within {}; last answer: {last}", at.step, secs(*waited))),
            at,
            spec,
        )
        .hint("look at the node log; raise `ready.deadline` if the node is just slow to start"),
        Problem::StepFailed { at, error } => located(
            Finding::error("smoke.step-failed", format!("step `{}` failed: {error}", at.step)),
            at,
            spec,
        )
        .hint("run the step by hand against a node started the same way; the node log is in the evidence"),
        Problem::AssertionFailed { at, assertion, got } => located(
            Finding::error("smoke.assertion-failed", format!("step `{}`: expected {assertion}, {got}", at.step)),
            at,
            spec,
        )
        .hint("the node answered, but not as the spec expects"),
        Problem::WaitTimeout { at, waited, assertion, got } => {
            let what = if assertion.is_empty() { got.clone() } else { format!("{assertion} still failed: {got}") };
            located(
                Finding::error("smoke.wait-timeout", format!("step `{}` did not hold within {}: {what}", at.step, secs(*waited))),
                at,
                spec,
            )
            .hint("the condition never became true; raise the step's `timeout` only if the node is known to be slow")
        }
        Problem::Changed { name, before, after } => Finding::error(
            "smoke.tip-changed",
            format!("`{name}` changed across the restart: {before} before, {after} after"),
        )
        .subject(name)
        .at(spec, None)
        .hint("the node lost or rewrote state on restart; do not promote a node that forgets its chain"),
        Problem::ExitedEarly { at, exit, log, tail } => located(
            Finding::error(
                "smoke.exited-early",
                format!("the node exited on its own ({exit}) during `{}`; last lines of {}:\n{tail}", at.step, log.display()),
            ),
            at,
            spec,
        )
        .hint("the node crashed or refused to run: read its log"),
        Problem::StopTimeout { at, waited, request_error } => {
            let request = request_error
                .as_ref()
                .map(|e| format!(" (the stop request failed: {e})"))
                .unwrap_or_default();
            located(
                Finding::error(
                    "smoke.stop-timeout",
                    format!(
                        "the node did not exit within {} of being stopped ({}){request}; it was killed",
                        secs(*waited),
                        at.step
                    ),
                ),
                at,
                spec,
            )
            .hint("a node that ignores its stop method risks a corrupt datadir on every upgrade")
        }
        Problem::UncleanStop { at, exit, tail } => located(
            Finding::error("smoke.unclean-stop", format!("the node exited with {exit} after a graceful stop ({}); last log lines:\n{tail}", at.step)),
            at,
            spec,
        )
        .hint("a graceful stop should exit 0"),
    }
}

//! Human and Markdown renderings of a verdict. Pure formatting over the same data the JSON
//! verdict holds; colour comes from a `Palette` that is plain unless stdout is a terminal.

mod markdown;
mod sarif;
mod visible;

pub use markdown::{escape as escape_markdown, markdown};
pub use sarif::sarif;
pub use visible::visible;

use crate::engine::Decision;
use crate::report::{Finding, GateReport, Outcome, Severity};
use crate::term::{Palette, Role};
use crate::verdict::{Verdict, WaiverRecord};
use std::fmt::Write as _;

pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Waived => "WAIVED",
    }
}

fn outcome_role(outcome: Outcome) -> Role {
    match outcome {
        Outcome::Pass => Role::Good,
        Outcome::Fail | Outcome::Error => Role::Bad,
        Outcome::Waived => Role::Waived,
    }
}

/// `error`, `warning` or `waived`: how a finding weighs after waivers.
pub fn severity_word(f: &Finding) -> &'static str {
    match (f.severity, f.waived_by) {
        (_, Some(_)) => "waived",
        (Severity::Error, None) => "error",
        (Severity::Warning, None) => "warning",
    }
}

fn severity_role(f: &Finding) -> Role {
    match (f.severity, f.waived_by) {
        (_, Some(_)) => Role::Waived,
        (Severity::Error, None) => Role::Bad,
        (Severity::Warning, None) => Role::Warn,
    }
}

/// `path:line`, or `path` when the finding has no line.
pub fn location(f: &Finding) -> Option<String> {
    f.location.as_ref().map(|loc| match loc.line {
        Some(n) => format!("{}:{n}", loc.path),
        None => loc.path.clone(),
    })
}

/// What a waiver matches: its code, its id, or both.
pub fn waiver_target(w: &WaiverRecord) -> String {
    match (&w.code, &w.id) {
        (Some(code), Some(id)) => format!("{code} {id}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => String::new(),
    }
}

/// Column where finding details start, under the gate line.
const INDENT: &str = "        ";

/// The gate-name column: wide enough for every built-in gate, wider for a long plugin name.
fn name_width(verdict: &Verdict) -> usize {
    verdict
        .gates
        .iter()
        .map(|g| g.gate.chars().count())
        .max()
        .unwrap_or(0)
        .max(12)
}

fn gate_block(out: &mut String, report: &GateReport, width: usize, p: Palette) {
    let role = if report.required {
        "required"
    } else {
        "advisory"
    };
    let label = format!("{:<7}", outcome_label(report.outcome));
    writeln!(
        out,
        "{} {:<width$} {role:<9} {:>5} ms",
        p.paint(outcome_role(report.outcome), &label),
        visible(&report.gate),
        report.duration_ms
    )
    .ok();
    if let Some(error) = &report.error {
        writeln!(
            out,
            "{INDENT}{} {}",
            p.paint(Role::Bad, "could not evaluate:"),
            visible(error)
        )
        .ok();
    }
    for f in &report.findings {
        let word = format!("{:<7}", severity_word(f));
        let mut head = format!(
            "{INDENT}{} {}",
            p.paint(severity_role(f), &word),
            p.paint(Role::Code, &visible(&f.code))
        );
        if let Some(at) = location(f) {
            write!(head, " at {}", visible(&at)).ok();
        }
        if let Some(index) = f.waived_by {
            write!(head, " (waiver #{})", index + 1).ok();
        }
        writeln!(out, "{head}").ok();
        writeln!(out, "{INDENT}        {}", visible(&f.message)).ok();
        if let Some(hint) = &f.hint
            && f.waived_by.is_none()
        {
            writeln!(
                out,
                "{INDENT}        {}",
                p.paint(Role::Dim, &format!("hint: {}", visible(hint)))
            )
            .ok();
        }
    }
}

fn waiver_lines(out: &mut String, verdict: &Verdict, p: Palette) {
    for w in &verdict.waivers_applied {
        writeln!(
            out,
            "{} {} {} — {} (owner {}, expires {}, {} finding(s))",
            p.paint(Role::Waived, "waiver applied:"),
            visible(&w.gate),
            visible(&waiver_target(w)),
            visible(&w.reason),
            visible(&w.owner),
            visible(&w.expires),
            w.findings
        )
        .ok();
    }
    for w in &verdict.waivers_expired {
        writeln!(
            out,
            "{} {} {} — expired {}, owner {}",
            p.paint(Role::Warn, "waiver EXPIRED (void):"),
            visible(&w.gate),
            visible(&waiver_target(w)),
            visible(&w.expires),
            visible(&w.owner)
        )
        .ok();
    }
    for w in &verdict.waivers_unused {
        writeln!(
            out,
            "{} {} {} — owner {}",
            p.paint(Role::Warn, "waiver unused (matched nothing):"),
            visible(&w.gate),
            visible(&waiver_target(w)),
            visible(&w.owner)
        )
        .ok();
    }
}

/// The terminal report without colour.
pub fn text(verdict: &Verdict) -> String {
    text_styled(verdict, Palette::plain())
}

/// The terminal report: one line per gate with its outcome and time, findings grouped
/// beneath with code, file:line and a hint, then waivers, subjects and the decision.
pub fn text_styled(verdict: &Verdict, p: Palette) -> String {
    let (body, decision) = text_parts(verdict, p);
    body + &decision
}

/// The terminal report in two parts, so a caller can add lines (the files it wrote) above
/// the decision banner, which always comes last.
pub fn text_parts(verdict: &Verdict, p: Palette) -> (String, String) {
    let mut out = String::new();
    writeln!(
        out,
        "{}",
        p.paint(
            Role::Heading,
            &format!(
                "tollgate {} — {} release, policy {}",
                verdict.tool.version,
                verdict.environment,
                visible(&verdict.policy.path)
            )
        )
    )
    .ok();
    let width = name_width(verdict);
    for report in &verdict.gates {
        gate_block(&mut out, report, width, p);
    }
    waiver_lines(&mut out, verdict, p);
    writeln!(out, "subjects: {} artifact(s)", verdict.subjects.len()).ok();
    for subject in &verdict.subjects {
        writeln!(out, "  {}  {}", subject.sha256, visible(&subject.name)).ok();
    }
    if let Some(sbom) = &verdict.sbom {
        writeln!(out, "sbom: {}  {}", sbom.sha256, visible(&sbom.path)).ok();
    }
    match &verdict.commit {
        Some(c) => writeln!(
            out,
            "commit: {}{}",
            c.sha,
            if c.dirty { " (dirty work tree)" } else { "" }
        )
        .ok(),
        None => writeln!(out, "commit: none (--repo is not a git repository)").ok(),
    };
    (out, decision_banner(verdict, p))
}

/// The last lines of the report: the decision, and why it blocks.
fn decision_banner(verdict: &Verdict, p: Palette) -> String {
    let mut out = String::from("\n");
    match verdict.decision {
        Decision::Promote => {
            let banner = format!("DECISION: PROMOTE to {}", verdict.environment);
            writeln!(
                out,
                "{} (verdict valid until {})",
                p.paint(Role::Good, &banner),
                verdict.expires_at
            )
            .ok();
        }
        Decision::Block => {
            let banner = format!("DECISION: BLOCK promotion to {}", verdict.environment);
            writeln!(out, "{}", p.paint(Role::Bad, &banner)).ok();
            for reason in &verdict.reasons {
                writeln!(out, "  - {}", visible(reason)).ok();
            }
        }
    }
    out
}

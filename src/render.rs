//! Human, JSON and Markdown renderings of a verdict. Pure formatting over the same data.

use crate::report::{Finding, GateReport, Outcome};
use crate::verdict::Verdict;
use std::fmt::Write as _;

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
        Outcome::Waived => "WAIVED",
    }
}

fn finding_line(f: &Finding) -> String {
    let mut line = format!("{} [{}] {}", severity_word(f), f.code, f.message);
    if let Some(loc) = &f.location {
        match loc.line {
            Some(n) => write!(line, " ({}:{n})", loc.path).ok(),
            None => write!(line, " ({})", loc.path).ok(),
        };
    }
    if let Some(index) = f.waived_by {
        write!(line, " — waived by waiver #{}", index + 1).ok();
    }
    line
}

fn severity_word(f: &Finding) -> &'static str {
    match (f.severity, f.waived_by) {
        (_, Some(_)) => "waived",
        (crate::report::Severity::Error, None) => "error",
        (crate::report::Severity::Warning, None) => "warning",
    }
}

fn gate_heading(report: &GateReport) -> String {
    let role = if report.required {
        "required"
    } else {
        "advisory"
    };
    format!(
        "{:<6} {} ({role}, {} ms)",
        outcome_label(report.outcome),
        report.gate,
        report.duration_ms
    )
}

/// The terminal report: one line per gate, findings beneath, the decision last.
pub fn text(verdict: &Verdict) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "tollgate {} — {} release, policy {}",
        verdict.tool.version, verdict.environment, verdict.policy.path
    )
    .ok();
    for report in &verdict.gates {
        writeln!(out, "{}", gate_heading(report)).ok();
        if let Some(error) = &report.error {
            writeln!(out, "       could not evaluate: {error}").ok();
        }
        for finding in &report.findings {
            writeln!(out, "       {}", finding_line(finding)).ok();
            if let Some(hint) = &finding.hint
                && finding.waived_by.is_none()
            {
                writeln!(out, "         hint: {hint}").ok();
            }
        }
    }
    for w in &verdict.waivers_applied {
        writeln!(
            out,
            "waiver applied: {} {} — {} (owner {}, expires {})",
            w.gate,
            w.code.as_deref().or(w.id.as_deref()).unwrap_or(""),
            w.reason,
            w.owner,
            w.expires
        )
        .ok();
    }
    for w in &verdict.waivers_expired {
        writeln!(
            out,
            "waiver EXPIRED (void): {} {} — expired {}, owner {}",
            w.gate,
            w.code.as_deref().or(w.id.as_deref()).unwrap_or(""),
            w.expires,
            w.owner
        )
        .ok();
    }
    for w in &verdict.waivers_unused {
        writeln!(
            out,
            "waiver unused (matched nothing): {} {} — owner {}",
            w.gate,
            w.code.as_deref().or(w.id.as_deref()).unwrap_or(""),
            w.owner
        )
        .ok();
    }
    writeln!(out, "subjects: {} artifact(s)", verdict.subjects.len()).ok();
    for subject in &verdict.subjects {
        writeln!(out, "  {}  {}", subject.sha256, subject.name).ok();
    }
    if let Some(sbom) = &verdict.sbom {
        writeln!(out, "sbom: {}  {}", sbom.sha256, sbom.path).ok();
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
    match verdict.decision {
        crate::engine::Decision::Promote => {
            writeln!(
                out,
                "DECISION: PROMOTE to {} (verdict valid until {})",
                verdict.environment, verdict.expires_at
            )
            .ok();
        }
        crate::engine::Decision::Block => {
            writeln!(out, "DECISION: BLOCK promotion to {}", verdict.environment).ok();
            for reason in &verdict.reasons {
                writeln!(out, "  - {reason}").ok();
            }
        }
    }
    out
}

/// A Markdown report (for job summaries and pull requests).
pub fn markdown(verdict: &Verdict) -> String {
    let mut out = String::new();
    let banner = match verdict.decision {
        crate::engine::Decision::Promote => "✅ **PROMOTE**",
        crate::engine::Decision::Block => "⛔ **BLOCK**",
    };
    writeln!(out, "## tollgate: {banner} to `{}`\n", verdict.environment).ok();
    writeln!(out, "| gate | required | outcome | findings | time |").ok();
    writeln!(out, "|---|---|---|---|---|").ok();
    for r in &verdict.gates {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} ms |",
            r.gate,
            if r.required { "yes" } else { "no" },
            r.outcome.as_str(),
            r.findings.len(),
            r.duration_ms
        )
        .ok();
    }
    let findings: Vec<_> = verdict
        .gates
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
        .collect();
    if !findings.is_empty() {
        writeln!(out, "\n### Findings\n").ok();
        for (r, f) in findings {
            writeln!(
                out,
                "- **{}** `{}`: {}",
                r.gate,
                f.code,
                escape_md(&finding_line(f))
            )
            .ok();
        }
    }
    if !verdict.reasons.is_empty() {
        writeln!(out, "\n### Why it blocks\n").ok();
        for reason in &verdict.reasons {
            writeln!(out, "- {}", escape_md(reason)).ok();
        }
    }
    writeln!(
        out,
        "\nPolicy `{}` (sha256 `{}`), {} subject(s), expires {}.",
        verdict.policy.path,
        verdict.policy.sha256,
        verdict.subjects.len(),
        verdict.expires_at
    )
    .ok();
    if let Some(sbom) = &verdict.sbom {
        writeln!(out, "SBOM `{}` (sha256 `{}`).", sbom.path, sbom.sha256).ok();
    }
    out
}

fn escape_md(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

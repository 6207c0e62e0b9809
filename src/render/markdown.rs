//! The Markdown report, for pull requests and GitHub job summaries. Every piece of text that
//! comes from the release (file names, messages) is escaped: a file name must not be able to
//! inject a link, an image or HTML into a summary people trust.

use super::{location, outcome_label, severity_word, waiver_target};
use crate::engine::Decision;
use crate::report::{Outcome, Severity};
use crate::verdict::{Verdict, WaiverRecord};
use std::fmt::Write as _;

/// Escape text for inline Markdown: punctuation that starts markup is backslash-escaped,
/// HTML is neutralised, line breaks become spaces so a list item stays one item, and other
/// control characters (ANSI escapes) and bidi overrides are written visibly.
pub fn escape(text: &str) -> String {
    let lines: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let text = super::visible(&lines);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Inline code: the content cannot close the span (backticks are replaced) or break the line.
fn code(text: &str) -> String {
    let lines: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let clean: String = super::visible(&lines)
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\r' | '\n' => ' ',
            '|' => '¦',
            c => c,
        })
        .collect();
    format!("`{clean}`")
}

fn outcome_cell(outcome: Outcome) -> String {
    let icon = match outcome {
        Outcome::Pass => "✅",
        Outcome::Fail | Outcome::Error => "❌",
        Outcome::Waived => "⚠️",
    };
    format!("{icon} {}", outcome_label(outcome))
}

fn findings(out: &mut String, verdict: &Verdict) {
    let with_findings: Vec<_> = verdict
        .gates
        .iter()
        .filter(|r| !r.findings.is_empty() || r.error.is_some())
        .collect();
    if with_findings.is_empty() {
        return;
    }
    writeln!(out, "\n### Findings").ok();
    for r in with_findings {
        writeln!(out, "\n#### {}\n", escape(&r.gate)).ok();
        if let Some(error) = &r.error {
            writeln!(out, "- **could not evaluate**: {}", escape(error)).ok();
        }
        for f in &r.findings {
            let icon = match (f.severity, f.waived_by) {
                (_, Some(_)) => "⚠️",
                (Severity::Error, None) => "❌",
                (Severity::Warning, None) => "🟡",
            };
            let mut line = format!(
                "- {icon} **{}** {}: {}",
                severity_word(f),
                code(&f.code),
                escape(&f.message)
            );
            if let Some(at) = location(f) {
                write!(line, " (at {})", code(&at)).ok();
            }
            if let Some(index) = f.waived_by {
                write!(line, " — waived by waiver #{}", index + 1).ok();
            }
            writeln!(out, "{line}").ok();
            if let Some(hint) = &f.hint
                && f.waived_by.is_none()
            {
                writeln!(out, "  - hint: {}", escape(hint)).ok();
            }
        }
    }
}

fn waiver_table(out: &mut String, title: &str, waivers: &[WaiverRecord]) {
    if waivers.is_empty() {
        return;
    }
    writeln!(out, "\n### {title}\n").ok();
    writeln!(
        out,
        "| gate | matches | reason | owner | expires | findings |"
    )
    .ok();
    writeln!(out, "|---|---|---|---|---|---|").ok();
    for w in waivers {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            escape(&w.gate),
            code(&waiver_target(w)),
            escape(&w.reason),
            escape(&w.owner),
            escape(&w.expires),
            w.findings
        )
        .ok();
    }
}

/// A Markdown report: decision banner, one table row per gate, findings grouped by gate,
/// waivers, and why it blocks.
pub fn markdown(verdict: &Verdict) -> String {
    let mut out = String::new();
    let banner = match verdict.decision {
        Decision::Promote => "✅ **PROMOTE**",
        Decision::Block => "⛔ **BLOCK**",
    };
    writeln!(
        out,
        "## tollgate: {banner} to {}\n",
        code(verdict.environment.as_str())
    )
    .ok();
    writeln!(out, "| gate | required | outcome | findings | time |").ok();
    writeln!(out, "|---|---|---|---|---|").ok();
    for r in &verdict.gates {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} ms |",
            escape(&r.gate),
            if r.required { "yes" } else { "no" },
            outcome_cell(r.outcome),
            r.findings.len(),
            r.duration_ms
        )
        .ok();
    }
    findings(&mut out, verdict);
    waiver_table(&mut out, "Waivers applied", &verdict.waivers_applied);
    waiver_table(&mut out, "Waivers expired (void)", &verdict.waivers_expired);
    waiver_table(
        &mut out,
        "Waivers unused (matched nothing)",
        &verdict.waivers_unused,
    );
    if !verdict.reasons.is_empty() {
        writeln!(out, "\n### Why it blocks\n").ok();
        for reason in &verdict.reasons {
            writeln!(out, "- {}", escape(reason)).ok();
        }
    }
    writeln!(
        out,
        "\nPolicy {} (sha256 {}), {} subject(s), evaluated {}, expires {}.",
        code(&verdict.policy.path),
        code(&verdict.policy.sha256),
        verdict.subjects.len(),
        verdict.evaluated_at,
        verdict.expires_at
    )
    .ok();
    if let Some(sbom) = &verdict.sbom {
        writeln!(
            out,
            "SBOM {} (sha256 {}).",
            code(&sbom.path),
            code(&sbom.sha256)
        )
        .ok();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_defuses_links_html_and_line_breaks() {
        let hostile = "x](http://evil)<img src=x>\n- | `y`";
        let escaped = escape(hostile);
        assert_eq!(escaped, "x\\](http://evil)&lt;img src=x&gt; - \\| \\`y\\`");
        assert!(!escaped.contains('\n'));
    }

    /// Issue 15: ANSI sequences and control characters from names are shown, not passed on.
    #[test]
    fn escape_and_code_show_control_characters() {
        let escaped = escape("a\x1b[31mred\x07");
        assert!(
            !escaped.contains('\x1b') && !escaped.contains('\x07'),
            "{escaped:?}"
        );
        assert_eq!(escaped, "a\\\\x1b\\[31mred\\\\x07");
        assert_eq!(code("a\x1b[2J"), "`a\\x1b[2J`");
    }

    #[test]
    fn code_span_cannot_be_closed_early() {
        assert_eq!(code("a`b\nc|d"), "`a'b c¦d`");
    }
}

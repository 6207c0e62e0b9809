//! Findings as GitHub annotations: blocking findings are errors, warnings (and findings of
//! advisory gates, which never block) are warnings, waived findings are notices; a gate
//! that could not evaluate and a blocking decision are errors too.

use super::command::{Annotation, Level};
use crate::engine::Decision;
use crate::report::{Finding, GateReport, Severity};
use crate::verdict::{Verdict, WaiverRecord};
use std::path::{Path, PathBuf};

/// Where relative finding locations may live, and the root GitHub wants paths relative to.
pub struct Paths<'a> {
    /// Directories a finding's relative path may be relative to, most likely first (the
    /// release directory, then the repository, then the policy's directory).
    pub bases: Vec<&'a Path>,
    /// `GITHUB_WORKSPACE`: annotation paths are made relative to it when they lie inside.
    pub workspace: Option<&'a Path>,
}

impl Paths<'_> {
    /// The path GitHub should annotate: found under one of the bases, relative to the
    /// workspace when possible (GitHub matches annotations against repository paths).
    pub fn resolve(&self, path: &str) -> String {
        let found = self
            .bases
            .iter()
            .map(|base| base.join(path))
            .find(|candidate| candidate.exists())
            .unwrap_or_else(|| PathBuf::from(path));
        if let Some(workspace) = self.workspace
            && let (Ok(abs), Ok(root)) =
                (std::path::absolute(&found), std::path::absolute(workspace))
            && let Ok(relative) = abs.strip_prefix(&root)
        {
            return relative.to_string_lossy().into_owned();
        }
        found.to_string_lossy().into_owned()
    }
}

fn level_of(report: &GateReport, finding: &Finding) -> Level {
    match (finding.severity, finding.waived_by) {
        (_, Some(_)) => Level::Notice,
        (Severity::Error, None) if report.required => Level::Error,
        _ => Level::Warning,
    }
}

fn finding_annotation(report: &GateReport, finding: &Finding, paths: &Paths<'_>) -> Annotation {
    let mut message = finding.message.clone();
    if let Some(index) = finding.waived_by {
        message.push_str(&format!(" (waived by waiver #{})", index + 1));
    } else if let Some(hint) = &finding.hint {
        message.push_str(&format!("\nhint: {hint}"));
    }
    if !report.required && finding.severity == Severity::Error && finding.waived_by.is_none() {
        message.push_str("\n(advisory gate: reported, not blocking)");
    }
    let mut annotation = Annotation::new(level_of(report, finding), message)
        .title(format!("tollgate {}: {}", report.gate, finding.code));
    if let Some(location) = &finding.location {
        annotation.file = Some(paths.resolve(&location.path));
        annotation.line = location.line;
    }
    annotation
}

fn waiver_annotation(w: &WaiverRecord, what: &str, policy: &str) -> Annotation {
    let target = crate::render::waiver_target(w);
    let mut a = Annotation::new(
        Level::Warning,
        format!(
            "waiver for {} {target} (owner {}, expires {}) {what}",
            w.gate, w.owner, w.expires
        ),
    )
    .title(format!("tollgate waiver {what}"));
    a.file = Some(policy.to_owned());
    a
}

/// Every annotation for a verdict, in report order, the decision last.
pub fn annotations(verdict: &Verdict, paths: &Paths<'_>) -> Vec<Annotation> {
    let mut out = Vec::new();
    for report in &verdict.gates {
        if let Some(error) = &report.error {
            let level = if report.required {
                Level::Error
            } else {
                Level::Warning
            };
            out.push(
                Annotation::new(level, format!("could not evaluate: {error}"))
                    .title(format!("tollgate {}: gate error", report.gate)),
            );
        }
        for finding in &report.findings {
            out.push(finding_annotation(report, finding, paths));
        }
    }
    let policy = paths.resolve(&verdict.policy.path);
    for w in &verdict.waivers_expired {
        out.push(waiver_annotation(w, "expired and is void", &policy));
    }
    for w in &verdict.waivers_unused {
        out.push(waiver_annotation(w, "matched nothing", &policy));
    }
    out.push(match verdict.decision {
        Decision::Promote => Annotation::new(
            Level::Notice,
            format!(
                "promote to {}: every required gate passed (verdict valid until {})",
                verdict.environment, verdict.expires_at
            ),
        )
        .title("tollgate: PROMOTE"),
        Decision::Block => Annotation::new(
            Level::Error,
            format!(
                "promotion to {} blocked:\n- {}",
                verdict.environment,
                verdict.reasons.join("\n- ")
            ),
        )
        .title("tollgate: BLOCK"),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_against_the_first_base_holding_the_file_then_the_workspace() {
        let ws = tempfile::tempdir().unwrap();
        let release = ws.path().join("dist");
        std::fs::create_dir(&release).unwrap();
        std::fs::write(release.join("SHA256SUMS"), b"").unwrap();
        std::fs::write(ws.path().join("Cargo.toml"), b"").unwrap();
        let paths = Paths {
            bases: vec![&release, ws.path()],
            workspace: Some(ws.path()),
        };
        assert_eq!(paths.resolve("SHA256SUMS"), "dist/SHA256SUMS");
        assert_eq!(paths.resolve("Cargo.toml"), "Cargo.toml");
        // Not found anywhere: left as the gate wrote it.
        assert_eq!(paths.resolve("nowhere.txt"), "nowhere.txt");
    }

    #[test]
    fn levels_follow_blocking() {
        let mut report = GateReport::from_findings("g", vec![], vec![]);
        let error = Finding::error("g.e", "e");
        let warning = Finding::warning("g.w", "w");
        let mut waived = Finding::error("g.e", "e");
        waived.waived_by = Some(0);
        assert_eq!(level_of(&report, &error), Level::Error);
        assert_eq!(level_of(&report, &warning), Level::Warning);
        assert_eq!(level_of(&report, &waived), Level::Notice);
        report.required = false;
        assert_eq!(level_of(&report, &error), Level::Warning);
    }
}

//! Gate reports: outcomes, findings with stable codes, and the evidence a gate examined.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a gate concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every check passed.
    Pass,
    /// At least one blocking finding that no live waiver covers.
    Fail,
    /// The gate could not evaluate; blocks exactly like `Fail`.
    Error,
    /// Blocking findings exist, and every one of them is covered by a live waiver.
    Waived,
}

impl Outcome {
    /// Whether a required gate with this outcome allows promotion.
    pub fn allows_promotion(self) -> bool {
        matches!(self, Outcome::Pass | Outcome::Waived)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Waived => "waived",
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Reported, never blocking.
    Warning,
    /// Blocks unless waived.
    Error,
}

/// Where in a file a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u64>,
}

/// One policy violation or observation, identified by a stable kebab-case code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// What the finding is about (an artifact name, an advisory id); waivers may match it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subject: Option<String>,
    /// Other names of the subject (an advisory's CVE and GHSA aliases); waivers match these too.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hint: Option<String>,
    /// Set by the engine when a live waiver covers this finding.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waived_by: Option<usize>,
}

impl Finding {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    fn new(code: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            code: code.to_owned(),
            severity,
            message: message.into(),
            subject: None,
            aliases: Vec::new(),
            location: None,
            hint: None,
            waived_by: None,
        }
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    pub fn aliases(mut self, aliases: Vec<String>) -> Self {
        self.aliases = aliases;
        self
    }

    pub fn at(mut self, path: impl Into<String>, line: Option<u64>) -> Self {
        self.location = Some(Location {
            path: path.into(),
            line,
        });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A blocking finding that no waiver covers.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error && self.waived_by.is_none()
    }
}

/// One input a gate examined, recorded so an auditor can prove what was looked at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// An artifact the verdict is bound to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub sha256: String,
}

/// A gate's whole answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateReport {
    pub gate: String,
    pub required: bool,
    pub outcome: Outcome,
    /// Why the gate could not evaluate, when `outcome` is `Error`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    pub findings: Vec<Finding>,
    pub evidence: Vec<Evidence>,
    /// Named counts the gate recorded (e.g. `release_build_packages`); absent when none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub counts: BTreeMap<String, u64>,
    /// Wall-clock time the gate took, in milliseconds (an integer: verdicts hold no floats).
    pub duration_ms: u64,
}

impl GateReport {
    /// A report whose outcome follows from its findings (before waivers).
    pub fn from_findings(gate: &str, findings: Vec<Finding>, evidence: Vec<Evidence>) -> Self {
        let mut report = GateReport {
            gate: gate.to_owned(),
            required: true,
            outcome: Outcome::Pass,
            error: None,
            findings,
            evidence,
            counts: BTreeMap::new(),
            duration_ms: 0,
        };
        report.settle_outcome();
        report
    }

    /// A report for a gate that could not evaluate.
    pub fn errored(gate: &str, reason: impl Into<String>) -> Self {
        GateReport {
            gate: gate.to_owned(),
            required: true,
            outcome: Outcome::Error,
            error: Some(reason.into()),
            findings: Vec::new(),
            evidence: Vec::new(),
            counts: BTreeMap::new(),
            duration_ms: 0,
        }
    }

    /// Recompute the outcome from the findings; an `Error` outcome is never softened.
    pub fn settle_outcome(&mut self) {
        if self.outcome == Outcome::Error {
            return;
        }
        let blocking = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error);
        let (mut any, mut all_waived) = (false, true);
        for finding in blocking {
            any = true;
            all_waived &= finding.waived_by.is_some();
        }
        self.outcome = match (any, all_waived) {
            (false, _) => Outcome::Pass,
            (true, true) => Outcome::Waived,
            (true, false) => Outcome::Fail,
        };
    }
}

/// Render a path for reports: relative to `base` when it lies under it.
pub fn display_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_follows_unwaived_errors() {
        let warn = Finding::warning("x.warn", "w");
        let err = Finding::error("x.err", "e");
        assert_eq!(
            GateReport::from_findings("g", vec![], vec![]).outcome,
            Outcome::Pass
        );
        assert_eq!(
            GateReport::from_findings("g", vec![warn.clone()], vec![]).outcome,
            Outcome::Pass
        );
        assert_eq!(
            GateReport::from_findings("g", vec![warn, err.clone()], vec![]).outcome,
            Outcome::Fail
        );
        let mut waived = err;
        waived.waived_by = Some(0);
        assert_eq!(
            GateReport::from_findings("g", vec![waived], vec![]).outcome,
            Outcome::Waived
        );
    }

    #[test]
    fn error_outcome_is_never_softened() {
        let mut report = GateReport::errored("g", "boom");
        report.settle_outcome();
        assert_eq!(report.outcome, Outcome::Error);
    }
}

//! Promote or block: the one small function that decides, kept apart from everything else.

use crate::report::{GateReport, Subject};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Promote,
    Block,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Promote => "promote",
            Decision::Block => "block",
        }
    }
}

/// An environment's freeze as the decision needs it: who froze it, since when, and why, as
/// text the caller takes from the ledger (the decision never reads the ledger itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freeze {
    pub environment: String,
    /// Who froze it (the freeze entry's `by`).
    pub by: String,
    /// Since when (the freeze entry's time, RFC 3339).
    pub since: String,
    /// Why, in the freezer's words (and, where it applies, why a later unfreeze did not count).
    pub reason: String,
}

impl std::fmt::Display for Freeze {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is frozen since {} by {}: {}",
            self.environment, self.since, self.by, self.reason
        )
    }
}

/// What the ledger says about the target environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreezeState<'a> {
    /// Not frozen.
    Open,
    Frozen(&'a Freeze),
    /// The freeze state could not be read: why. Unknown blocks (fail closed).
    Unknown(&'a str),
}

/// Everything a decision depends on, and nothing else: no clock, no I/O.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInputs<'a> {
    /// The gates' reports, waivers already applied (the `freeze` report is not one of them:
    /// the freeze is [`DecisionInputs::freeze`]).
    pub reports: &'a [GateReport],
    /// The artifacts the verdict binds; none blocks.
    pub subjects: &'a [Subject],
    /// Problems met while identifying the subjects; each blocks.
    pub subject_errors: &'a [String],
    pub freeze: FreezeState<'a>,
}

/// Promote only if at least one required gate ran, every required gate passed (or was fully
/// waived), the subjects were identified without error, there is at least one, and the
/// environment is known not to be frozen. Advisory gates never block. Returns the reasons
/// for a block, in that order.
pub fn decide(inputs: &DecisionInputs<'_>) -> (Decision, Vec<String>) {
    let reports = inputs.reports;
    let mut reasons = Vec::new();
    let mut required = 0;
    for report in reports.iter().filter(|r| r.required) {
        required += 1;
        if !report.outcome.allows_promotion() {
            reasons.push(format!(
                "required gate `{}` {}",
                report.gate,
                outcome_words(report)
            ));
        }
    }
    if required == 0 {
        reasons.push(if reports.is_empty() {
            "the policy configures no gates; an empty policy never promotes".to_owned()
        } else {
            "the policy has only advisory gates (required = false); at least one gate must be required".to_owned()
        });
    }
    reasons.extend(inputs.subject_errors.iter().cloned());
    if inputs.subjects.is_empty() {
        reasons.push("the release has no artifacts to bind a verdict to".to_owned());
    }
    match inputs.freeze {
        FreezeState::Open => {}
        FreezeState::Frozen(freeze) => reasons.push(freeze.to_string()),
        FreezeState::Unknown(why) => {
            reasons.push(format!("required gate `freeze` could not evaluate: {why}"))
        }
    }
    let decision = if reasons.is_empty() {
        Decision::Promote
    } else {
        Decision::Block
    };
    (decision, reasons)
}

impl super::Evaluation {
    /// Decide again, now with the environment's freeze state, then add `record` (the report
    /// that shows the freeze in the verdict; it is not a gate, so it is not decided on).
    /// Call it once, after the gates: [`super::evaluate`] decides as if the environment were
    /// open.
    pub fn decide_with_freeze(&mut self, freeze: FreezeState<'_>, record: Option<GateReport>) {
        (self.decision, self.reasons) = decide(&DecisionInputs {
            reports: &self.reports,
            subjects: &self.subjects,
            subject_errors: &self.subject_errors,
            freeze,
        });
        self.reports.extend(record);
    }
}

fn outcome_words(report: &GateReport) -> String {
    match &report.error {
        Some(error) => format!("could not evaluate: {error}"),
        None => {
            let blocking = report.findings.iter().filter(|f| f.blocks()).count();
            format!("failed with {blocking} blocking finding(s)")
        }
    }
}

#[cfg(test)]
mod tests;

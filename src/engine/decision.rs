//! Promote or block: the one small function that decides, kept apart from everything else.

use crate::report::GateReport;
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

/// Promote only if at least one required gate ran and every required gate passed (or was
/// fully waived). Advisory gates never block. Returns the reasons for a block.
pub fn decide(reports: &[GateReport]) -> (Decision, Vec<String>) {
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
    let decision = if reasons.is_empty() {
        Decision::Promote
    } else {
        Decision::Block
    };
    (decision, reasons)
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
mod tests {
    use super::*;
    use crate::report::Outcome;

    fn report(required: bool, outcome: Outcome) -> GateReport {
        let mut r = GateReport::from_findings("g", vec![], vec![]);
        r.required = required;
        r.outcome = outcome;
        r
    }

    const OUTCOMES: [Outcome; 4] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Waived,
    ];

    #[test]
    fn empty_policy_blocks() {
        assert_eq!(decide(&[]).0, Decision::Block);
    }

    #[test]
    fn truth_table_single_gate() {
        for outcome in OUTCOMES {
            for required in [true, false] {
                let expected = if required && outcome.allows_promotion() {
                    Decision::Promote
                } else {
                    // Not required: advisory only, so nothing required ran.
                    Decision::Block
                };
                assert_eq!(
                    decide(&[report(required, outcome)]).0,
                    expected,
                    "required={required} outcome={outcome:?}"
                );
            }
        }
    }

    #[test]
    fn truth_table_two_gates() {
        for a in OUTCOMES {
            for b in OUTCOMES {
                for (ra, rb) in [(true, true), (true, false), (false, true), (false, false)] {
                    let reports = [report(ra, a), report(rb, b)];
                    let required_ok =
                        (!ra || a.allows_promotion()) && (!rb || b.allows_promotion());
                    let expected = if (ra || rb) && required_ok {
                        Decision::Promote
                    } else {
                        Decision::Block
                    };
                    assert_eq!(decide(&reports).0, expected, "{a:?}/{ra} {b:?}/{rb}");
                }
            }
        }
    }

    #[test]
    fn advisory_failure_never_blocks_and_reasons_name_the_gate() {
        let mut failing = report(true, Outcome::Error);
        failing.gate = "signatures".into();
        failing.error = Some("sums missing".into());
        let (decision, reasons) = decide(&[failing, report(false, Outcome::Fail)]);
        assert_eq!(decision, Decision::Block);
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].contains("`signatures` could not evaluate: sums missing"));
        assert_eq!(
            decide(&[report(true, Outcome::Pass), report(false, Outcome::Error)]).0,
            Decision::Promote
        );
    }
}

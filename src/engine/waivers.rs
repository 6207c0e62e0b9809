//! Applying the policy's waivers to findings: live ones cover, expired ones are void and
//! reported, and ones that matched nothing are reported.

use crate::policy::Waiver;
use crate::report::{GateReport, Outcome, Severity};
use serde::Serialize;
use time::OffsetDateTime;

/// A waiver as it appears in the verdict, with how many findings it covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverUse {
    #[serde(flatten)]
    pub waiver: Waiver,
    pub findings: usize,
}

/// What became of every waiver in the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaiverSummary {
    /// Live waivers that covered at least one finding.
    pub applied: Vec<WaiverUse>,
    /// Expired waivers: void, whatever they would have matched.
    pub expired: Vec<WaiverUse>,
    /// Live waivers that matched no finding.
    pub unused: Vec<WaiverUse>,
}

/// Mark covered findings in `reports`, settle each report's outcome, and summarise.
/// A gate that could not evaluate is never waived into passing.
pub fn apply(waivers: &[Waiver], reports: &mut [GateReport], now: OffsetDateTime) -> WaiverSummary {
    let mut covered = vec![0usize; waivers.len()];
    let mut would_cover = vec![0usize; waivers.len()];
    for report in reports.iter_mut() {
        if report.outcome == Outcome::Error {
            continue;
        }
        for finding in report
            .findings
            .iter_mut()
            .filter(|f| f.severity == Severity::Error)
        {
            for (index, waiver) in waivers.iter().enumerate() {
                if !waiver.covers(&report.gate, finding) {
                    continue;
                }
                if waiver.is_live(now) {
                    if finding.waived_by.is_none() {
                        finding.waived_by = Some(index);
                        covered[index] += 1;
                    }
                } else {
                    would_cover[index] += 1;
                }
            }
        }
        report.settle_outcome();
    }
    let mut summary = WaiverSummary::default();
    for (index, waiver) in waivers.iter().enumerate() {
        let live = waiver.is_live(now);
        let entry = WaiverUse {
            waiver: waiver.clone(),
            findings: if live {
                covered[index]
            } else {
                would_cover[index]
            },
        };
        match (live, covered[index]) {
            (false, _) => summary.expired.push(entry),
            (true, 0) => summary.unused.push(entry),
            (true, _) => summary.applied.push(entry),
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{WaiverExpiry, WaiverMatch};
    use crate::report::Finding;
    use time::macros::datetime;

    fn waiver(code: &str, void_from: OffsetDateTime) -> Waiver {
        Waiver {
            gate: "signatures".into(),
            matches: WaiverMatch {
                code: code.into(),
                id: None,
            },
            reason: "tracked in OPS-1".into(),
            owner: "rm@example.org".into(),
            expires: "x".into(),
            expiry: WaiverExpiry { void_from },
            line: 1,
        }
    }

    fn failing() -> GateReport {
        GateReport::from_findings(
            "signatures",
            vec![Finding::error("sig.unlisted-file", "x")],
            vec![],
        )
    }

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    #[test]
    fn live_waiver_turns_fail_into_waived() {
        let mut reports = [failing()];
        let summary = apply(
            &[waiver("sig.unlisted-file", datetime!(2027-01-01 0:00 UTC))],
            &mut reports,
            NOW,
        );
        assert_eq!(reports[0].outcome, Outcome::Waived);
        assert_eq!(summary.applied.len(), 1);
        assert_eq!(summary.applied[0].findings, 1);
    }

    #[test]
    fn expired_waiver_is_void_and_reported() {
        let mut reports = [failing()];
        let summary = apply(
            &[waiver("sig.unlisted-file", datetime!(2026-01-01 0:00 UTC))],
            &mut reports,
            NOW,
        );
        assert_eq!(reports[0].outcome, Outcome::Fail);
        assert_eq!(summary.expired.len(), 1);
        assert!(summary.applied.is_empty());
    }

    #[test]
    fn unused_waiver_is_reported() {
        let mut reports = [failing()];
        let summary = apply(
            &[waiver(
                "sig.digest-mismatch",
                datetime!(2027-01-01 0:00 UTC),
            )],
            &mut reports,
            NOW,
        );
        assert_eq!(reports[0].outcome, Outcome::Fail);
        assert_eq!(summary.unused.len(), 1);
    }

    #[test]
    fn errored_gate_is_never_waived() {
        let mut reports = [GateReport::errored("signatures", "cannot read")];
        let summary = apply(
            &[waiver("sig.unlisted-file", datetime!(2027-01-01 0:00 UTC))],
            &mut reports,
            NOW,
        );
        assert_eq!(reports[0].outcome, Outcome::Error);
        assert_eq!(summary.unused.len(), 1);
    }
}

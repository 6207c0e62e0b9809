//! Truth tables for `decide`: exhaustive over gate outcomes × `required` (up to three gates),
//! subject errors, subjects present or not, and the freeze state.

use super::*;
use crate::report::Outcome;

fn report(gate: &str, required: bool, outcome: Outcome) -> GateReport {
    let mut r = GateReport::from_findings(gate, vec![], vec![]);
    r.required = required;
    r.outcome = outcome;
    r
}

/// Every outcome; the match fails to compile when an outcome is added, so the table grows.
fn outcomes() -> [Outcome; 4] {
    let all = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::Waived,
    ];
    for o in all {
        match o {
            Outcome::Pass | Outcome::Fail | Outcome::Error | Outcome::Waived => {}
        }
    }
    all
}

/// Every (outcome, required) list of length 0 to 3.
fn gate_lists() -> Vec<Vec<(Outcome, bool)>> {
    let one: Vec<(Outcome, bool)> = outcomes()
        .into_iter()
        .flat_map(|o| [(o, true), (o, false)])
        .collect();
    let mut lists = vec![vec![]];
    let mut previous = vec![vec![]];
    for _ in 0..3 {
        let next: Vec<Vec<(Outcome, bool)>> = previous
            .iter()
            .flat_map(|list: &Vec<(Outcome, bool)>| {
                one.iter().map(move |g| {
                    let mut l = list.clone();
                    l.push(*g);
                    l
                })
            })
            .collect();
        lists.extend(next.iter().cloned());
        previous = next;
    }
    lists
}

fn subject() -> Subject {
    Subject {
        name: "app.tar.gz".into(),
        sha256: "ab".repeat(32),
    }
}

fn freeze() -> Freeze {
    Freeze {
        environment: "mainnet".into(),
        by: "ops <ops@example.org>".into(),
        since: "2026-11-20T08:00:00Z".into(),
        reason: "incident OPS-7".into(),
    }
}

#[test]
fn truth_table() {
    let frozen = freeze();
    let freezes = [
        FreezeState::Open,
        FreezeState::Frozen(&frozen),
        FreezeState::Unknown("cannot read the ledger's freeze state for mainnet: gone"),
    ];
    let lists = gate_lists();
    assert_eq!(lists.len(), 1 + 8 + 64 + 512);
    let mut cases = 0;
    for gates in &lists {
        let reports: Vec<GateReport> = gates
            .iter()
            .enumerate()
            .map(|(i, (o, r))| report(&format!("g{i}"), *r, *o))
            .collect();
        for subject_errors in [vec![], vec!["cannot hash release file a: gone".to_owned()]] {
            for subjects in [vec![], vec![subject()]] {
                for freeze in freezes {
                    let (decision, reasons) = decide(&DecisionInputs {
                        reports: &reports,
                        subjects: &subjects,
                        subject_errors: &subject_errors,
                        freeze,
                    });
                    // Expected, from the rules as the docs state them.
                    let required: Vec<_> = gates.iter().filter(|(_, r)| *r).collect();
                    let required_ok = required
                        .iter()
                        .all(|(o, _)| matches!(o, Outcome::Pass | Outcome::Waived));
                    let promote = !required.is_empty()
                        && required_ok
                        && subject_errors.is_empty()
                        && !subjects.is_empty()
                        && freeze == FreezeState::Open;
                    let case = format!(
                        "gates={gates:?} subject_errors={} subjects={} freeze={freeze:?}",
                        subject_errors.len(),
                        subjects.len()
                    );
                    assert_eq!(
                        decision,
                        if promote {
                            Decision::Promote
                        } else {
                            Decision::Block
                        },
                        "{case}"
                    );
                    // One reason per cause, never a block without one.
                    let expected_reasons = required
                        .iter()
                        .filter(|(o, _)| matches!(o, Outcome::Fail | Outcome::Error))
                        .count()
                        + usize::from(required.is_empty())
                        + subject_errors.len()
                        + usize::from(subjects.is_empty())
                        + usize::from(freeze != FreezeState::Open);
                    assert_eq!(reasons.len(), expected_reasons, "{case}: {reasons:?}");
                    assert_eq!(decision == Decision::Block, !reasons.is_empty(), "{case}");
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 585 * 2 * 2 * 3);
}

#[test]
fn reasons_name_each_cause_in_order() {
    let mut failing = report("signatures", true, Outcome::Error);
    failing.error = Some("sums missing".into());
    let frozen = freeze();
    let (decision, reasons) = decide(&DecisionInputs {
        reports: &[failing, report("drills", false, Outcome::Fail)],
        subjects: &[],
        subject_errors: &["cannot list release directory r: gone".to_owned()],
        freeze: FreezeState::Frozen(&frozen),
    });
    assert_eq!(decision, Decision::Block);
    assert_eq!(
        reasons,
        [
            "required gate `signatures` could not evaluate: sums missing",
            "cannot list release directory r: gone",
            "the release has no artifacts to bind a verdict to",
            "mainnet is frozen since 2026-11-20T08:00:00Z by ops <ops@example.org>: incident OPS-7",
        ]
    );
    let (_, reasons) = decide(&DecisionInputs {
        reports: &[report("drills", true, Outcome::Pass)],
        subjects: &[subject()],
        subject_errors: &[],
        freeze: FreezeState::Unknown("cannot read the ledger's freeze state for mainnet: gone"),
    });
    assert_eq!(
        reasons,
        [
            "required gate `freeze` could not evaluate: cannot read the ledger's freeze state for mainnet: gone"
        ]
    );
}

#[test]
fn empty_and_advisory_only_policies_block_and_say_which() {
    let subjects = [subject()];
    let inputs = |reports: &[GateReport]| {
        decide(&DecisionInputs {
            reports,
            subjects: &subjects,
            subject_errors: &[],
            freeze: FreezeState::Open,
        })
    };
    let (decision, reasons) = inputs(&[]);
    assert_eq!(decision, Decision::Block);
    assert_eq!(
        reasons,
        ["the policy configures no gates; an empty policy never promotes"]
    );
    let (decision, reasons) = inputs(&[report("drills", false, Outcome::Pass)]);
    assert_eq!(decision, Decision::Block);
    assert!(reasons[0].contains("only advisory gates"), "{reasons:?}");
}

#[test]
fn deciding_with_the_freeze_adds_its_record_after_deciding() {
    let mut evaluation = super::super::Evaluation {
        decision: Decision::Promote,
        reasons: vec![],
        reports: vec![report("drills", true, Outcome::Pass)],
        subjects: vec![subject()],
        waivers: Default::default(),
        subject_errors: vec![],
        sbom: None,
        configs: Vec::new(),
    };
    let frozen = freeze();
    let record = report("freeze", true, Outcome::Fail);
    evaluation.decide_with_freeze(FreezeState::Frozen(&frozen), Some(record));
    assert_eq!(evaluation.decision, Decision::Block);
    // The record is shown, not decided on: one reason, the freeze's own words.
    assert_eq!(evaluation.reasons, [frozen.to_string()]);
    assert_eq!(evaluation.reports.len(), 2);
    assert_eq!(evaluation.reports[1].gate, "freeze");
}

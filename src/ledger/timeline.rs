//! One release's path through the ledger (`audit timeline`) and the last release known good
//! in an environment (`audit last-good`), both read from a [`History`]. Signers are named,
//! not judged against a policy: `last-good` takes the ops keys to trust when given.

use super::history::{Event, History, Record, overlaps};
use super::ops::{self, Standing};
use super::rollout::digest_set;
use crate::engine::Decision;
use crate::keys::TrustedKey;
use crate::report::Subject;
use serde::Serialize;

/// One step of a release's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub seq: u64,
    pub entry_sha256: String,
    /// The ledger's time of the entry.
    pub time: String,
    pub environment: String,
    /// `verdict`, `deploy`, `rollback`, `freeze`, `unfreeze`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// `promote`/`block` for a verdict; for a rollback `to-this-release` or
    /// `away-from-this-release`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Who signed it (a key id), when signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// A rollback's or freeze's reason, a deploy's target, a block verdict's reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every step touching a release (an artifact digest, or a verdict's exact digest set): its verdicts, its deploys, rollbacks to
/// or away from it, and freezes of the environments it reached, from its first step on.
pub fn timeline(history: &History, digests: &[String]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut reached: Vec<String> = Vec::new();
    let mut deployed: Vec<String> = Vec::new();
    for record in &history.records {
        let env = &record.environment;
        let step = match &record.event {
            Event::Verdict(v) if concerns(&v.verdict.subjects, digests) => {
                push_env(&mut reached, env);
                Some(Step {
                    kind: "verdict".into(),
                    stage: v.verdict.stage.clone(),
                    outcome: Some(v.verdict.decision.as_str().to_owned()),
                    verdict_sha256: Some(v.sha256.clone()),
                    commit: v.verdict.commit.as_ref().map(|c| c.sha.clone()),
                    signer: v
                        .signature
                        .as_deref()
                        .and_then(|s| ops::signer_of(s).ok())
                        .map(|k| k.to_string()),
                    note: (v.verdict.decision == Decision::Block)
                        .then(|| v.verdict.reasons.join("; ")),
                    ..base(record)
                })
            }
            Event::Deploy(d) if concerns(&d.statement.subjects, digests) => {
                push_env(&mut reached, env);
                push_env(&mut deployed, env);
                Some(Step {
                    kind: "deploy".into(),
                    stage: Some(d.statement.stage.clone()),
                    verdict_sha256: Some(d.statement.verdict_sha256.clone()),
                    commit: d.statement.commit.clone(),
                    signer: ops::signer_of(&d.minisig).ok().map(|k| k.to_string()),
                    note: d.statement.target.clone(),
                    ..base(record)
                })
            }
            Event::Rollback(r) => {
                let to_this = concerns(&r.statement.to_subjects, digests);
                (to_this || deployed.contains(env)).then(|| Step {
                    kind: "rollback".into(),
                    outcome: Some(
                        if to_this {
                            "to-this-release"
                        } else {
                            "away-from-this-release"
                        }
                        .into(),
                    ),
                    verdict_sha256: Some(r.statement.to_verdict_sha256.clone()),
                    commit: r.statement.to_commit.clone(),
                    signer: ops::signer_of(&r.minisig).ok().map(|k| k.to_string()),
                    note: Some(r.statement.reason.clone()),
                    ..base(record)
                })
            }
            Event::Freeze { reason, by } if reached.contains(env) => Some(Step {
                kind: "freeze".into(),
                note: Some(format!("{reason} (by {by})")),
                ..base(record)
            }),
            Event::Unfreeze { by } if reached.contains(env) => Some(Step {
                kind: "unfreeze".into(),
                note: Some(format!("by {by}")),
                ..base(record)
            }),
            _ => None,
        };
        steps.extend(step);
    }
    steps
}

/// Whether `subjects` are the release: one artifact's digest among them, or exactly the
/// digest set of a verdict.
fn concerns(subjects: &[Subject], digests: &[String]) -> bool {
    match digests {
        [one] => overlaps(subjects, std::slice::from_ref(one)),
        _ => digest_set(subjects) == digests,
    }
}

fn push_env(list: &mut Vec<String>, env: &str) {
    if !list.iter().any(|e| e == env) {
        list.push(env.to_owned());
    }
}

fn base(record: &Record) -> Step {
    Step {
        seq: record.seq,
        entry_sha256: record.entry_sha256.clone(),
        time: record.time.clone(),
        environment: record.environment.clone(),
        kind: String::new(),
        stage: None,
        outcome: None,
        verdict_sha256: None,
        commit: None,
        signer: None,
        note: None,
    }
}

/// The last release known good in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastGood {
    pub environment: String,
    pub verdict_sha256: String,
    /// The verdict's ledger entry.
    pub verdict_seq: u64,
    pub commit: Option<String>,
    pub subjects: Vec<Subject>,
    /// The deploy (or rollback) that put it there: its entry, stage (`rollback` for a
    /// rollback), time and signer.
    pub deploy_seq: u64,
    pub stage: String,
    pub deployed_at: String,
    pub signer: String,
}

/// The release most recently deployed to `environment` (and `stage`, when given) by a deploy
/// whose signature verifies (by one of `ops_keys` when any are given), whose verdict in the
/// ledger promotes, and that no rollback to another release followed.
pub fn last_good(
    history: &History,
    environment: &str,
    stage: Option<&str>,
    ops_keys: &[TrustedKey],
) -> Option<LastGood> {
    let records: Vec<&Record> = history
        .records
        .iter()
        .filter(|r| r.environment == environment)
        .collect();
    records.iter().rev().find_map(|record| {
        // A deploy puts its release there; so does a rollback (to the release it names).
        let (verdict_sha256, subjects, commit, how, signer) = match &record.event {
            Event::Deploy(d) => {
                let s = &d.statement;
                if stage.is_some_and(|stage| stage != s.stage) || s.environment != environment {
                    return None;
                }
                let signer = signer(history, record, s, &d.minisig, ops_keys)?;
                (&s.verdict_sha256, &s.subjects, &s.commit, s.stage.clone(), signer)
            }
            Event::Rollback(r) => {
                let s = &r.statement;
                if s.environment != environment {
                    return None;
                }
                let signer = signer(history, record, s, &r.minisig, ops_keys)?;
                (&s.to_verdict_sha256, &s.to_subjects, &s.to_commit, "rollback".to_owned(), signer)
            }
            _ => return None,
        };
        let (verdict_seq, verdict) = records.iter().find_map(|r| match &r.event {
            Event::Verdict(v) if v.sha256 == *verdict_sha256 => Some((r.seq, v)),
            _ => None,
        })?;
        if verdict.verdict.decision != Decision::Promote {
            return None;
        }
        let digests = digest_set(subjects);
        let rolled_back = records.iter().any(|r| {
            r.after(record)
                && matches!(&r.event, Event::Rollback(rb) if digest_set(&rb.statement.to_subjects) != digests)
        });
        (!rolled_back).then(|| LastGood {
            environment: environment.to_owned(),
            verdict_sha256: verdict_sha256.clone(),
            verdict_seq,
            commit: commit.clone(),
            subjects: subjects.clone(),
            deploy_seq: record.seq,
            stage: how,
            deployed_at: record.time.clone(),
            signer: signer.to_string(),
        })
    })
}

/// Who signed a deploy or rollback: one of `ops_keys` (verified with that key) when any
/// are given, else the key the entry records (the signature verified with it).
fn signer<S: ops::OpsStatement>(
    history: &History,
    record: &Record,
    statement: &S,
    minisig: &str,
    ops_keys: &[TrustedKey],
) -> Option<crate::keys::KeyId> {
    if ops_keys.is_empty() {
        let key = history_public_key(history, record)?;
        let value = serde_json::to_value(statement).ok()?;
        super::signed::verify_signature(&value, minisig, &key).ok()
    } else {
        match ops::standing(statement, Some(minisig), ops_keys) {
            Standing::Trusted(id) => Some(id),
            _ => None,
        }
    }
}

/// The public key a signed record's entry recorded.
fn history_public_key(history: &History, record: &Record) -> Option<String> {
    history
        .public_keys
        .get(&(record.source, record.seq))
        .cloned()
}

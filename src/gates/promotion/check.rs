//! One `after` requirement judged against the history: a promote verdict for exactly these
//! artifacts signed by a verdict key, deployed to the stage by an ops-signed deploy at least
//! `soak` ago (ledger time), and no block verdict, rollback or freeze there since.

use super::config::After;
use crate::engine::Decision;
use crate::keys::TrustedKey;
use crate::ledger::history::{Event, History, Record, overlaps};
use crate::ledger::ops::{self, Standing};
use crate::ledger::rollout::digest_set;
use crate::report::Finding;
use crate::verdict::rfc3339;
use std::time::Duration;
use time::OffsetDateTime;

pub const NEVER_PROMOTED: &str = "promotion.never-promoted";
pub const NEVER_DEPLOYED: &str = "promotion.never-deployed";
pub const UNTRUSTED_DEPLOY: &str = "promotion.untrusted-deploy";
pub const SOAKING: &str = "promotion.soaking";
pub const BLOCKED_SINCE: &str = "promotion.blocked-since";
pub const ROLLED_BACK: &str = "promotion.rolled-back";
pub const FROZEN_SINCE: &str = "promotion.frozen-since";

/// What one requirement came to: its findings and the entries it rested on.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// The records consulted (index into `History::records`).
    pub consulted: Vec<usize>,
}

pub struct Keys<'a> {
    pub verdict: &'a [TrustedKey],
    pub ops: &'a [TrustedKey],
    /// Counting key revocations: a signature by a revoked key counts only when the ledger
    /// logged it before the key's cutoff.
    pub revocations: &'a crate::ledger::revocation::Revocations,
}

pub fn check(
    after: &After,
    history: &History,
    digests: &[String],
    keys: &Keys<'_>,
    now: OffsetDateTime,
) -> Outcome {
    let mut out = Outcome::default();
    let name = after.name();
    let env = after.environment.as_str();
    let finding = |code: &str, message: String| Finding::error(code, message).subject(&name);
    let in_env = |r: &&(usize, &Record)| r.1.environment == env;
    let records: Vec<(usize, &Record)> = history.records.iter().enumerate().collect();

    // Promote verdicts for exactly this artifact set, signed by a verdict key.
    let mut promotes = Vec::new();
    let mut refused = Vec::new();
    for (index, record) in records.iter().filter(in_env) {
        let Event::Verdict(v) = &record.event else {
            continue;
        };
        if v.verdict.decision != Decision::Promote || v.digests() != digests {
            continue;
        }
        match v.signed_by(keys.verdict) {
            Ok(id) if keys.revocations.check(&id, Some(&record.time)).is_err() => {
                let why = keys.revocations.check(&id, Some(&record.time)).unwrap_err();
                refused.push(format!("{} ({why})", record.id(history)));
            }
            Ok(_) => promotes.push((*index, v.sha256.clone())),
            Err(why) => refused.push(format!("{} ({why})", record.id(history))),
        }
    }
    if promotes.is_empty() {
        let also = if refused.is_empty() {
            String::new()
        } else {
            format!(
                "; promote verdicts that do not count: {}",
                refused.join(", ")
            )
        };
        out.findings.push(
            finding(
                NEVER_PROMOTED,
                format!(
                    "these {} artifact(s) were never promoted to {env} by a verdict signed by a [trust] verdict_keys key{also}",
                    digests.len()
                ),
            )
            .hint(format!(
                "evaluate this exact release with the {env} policy, deploy it to {name}, and let it soak",
            )),
        );
        return out;
    }

    // Deploys of one of those verdicts to the stage, by an ops key.
    let mut deploys: Vec<usize> = Vec::new();
    let mut untrusted = Vec::new();
    for (index, record) in records.iter().filter(in_env) {
        let Event::Deploy(d) = &record.event else {
            continue;
        };
        let s = &d.statement;
        if !promotes.iter().any(|(_, sha)| *sha == s.verdict_sha256)
            || after.stage.as_ref().is_some_and(|stage| *stage != s.stage)
            || s.environment != env
            || digest_set(&s.subjects) != digests
        {
            continue;
        }
        match ops::standing(s, Some(&d.minisig), keys.ops) {
            Standing::Trusted(id) => match keys.revocations.check(&id, Some(&record.time)) {
                Ok(()) => deploys.push(*index),
                Err(why) => untrusted.push(format!("{} ({why})", record.id(history))),
            },
            Standing::Unsigned => untrusted.push(format!("{} (unsigned)", record.id(history))),
            Standing::Untrusted(why) => untrusted.push(format!("{} ({why})", record.id(history))),
        }
    }
    let latest_promote = promotes.last().map(|(i, _)| *i);
    out.consulted.extend(latest_promote);
    let Some(deployed) = deploys
        .iter()
        .copied()
        .max_by(|a, b| order(&history.records[*a], &history.records[*b]))
    else {
        let (code, message, hint) = if untrusted.is_empty() {
            (
                NEVER_DEPLOYED,
                format!(
                    "promoted to {env} ({}), but never deployed to {name}",
                    latest_promote
                        .map(|i| history.records[i].id(history))
                        .unwrap_or_default()
                ),
                format!(
                    "deploy it and record it: tollgate deploy record --verdict VERDICT --pubkey PUB --stage {} --key OPSKEY",
                    after.stage.as_deref().unwrap_or("STAGE")
                ),
            )
        } else {
            (
                UNTRUSTED_DEPLOY,
                format!(
                    "promoted to {env}, but no deploy to {name} is signed by a [trust] ops_keys key: {}",
                    untrusted.join(", ")
                ),
                "only a deploy signed by a key in the policy's [trust] ops_keys counts: record it again with an ops key".to_owned(),
            )
        };
        out.findings.push(finding(code, message).hint(hint));
        return out;
    };
    out.consulted.push(deployed);
    let deploy = &history.records[deployed];

    // Anything since that deploy that takes the release out of service there.
    for (index, record) in records.iter().filter(in_env) {
        if !record.after(deploy) {
            continue;
        }
        let at = format!("{} at {}", record.id(history), record.time);
        let found = match &record.event {
            Event::Verdict(v)
                if v.verdict.decision == Decision::Block && overlaps(&v.verdict.subjects, digests) =>
            {
                Some(finding(
                    BLOCKED_SINCE,
                    format!(
                        "a block verdict for these artifacts in {env} came after the deploy ({at}, verdict {}): {}",
                        v.sha256,
                        v.verdict.reasons.join("; ")
                    ),
                )
                .hint(format!("fix what blocked, promote and deploy to {name} again, and let it soak")))
            }
            Event::Rollback(r) if digest_set(&r.statement.to_subjects) != digests => {
                let signer = match ops::standing(&r.statement, Some(&r.minisig), keys.ops) {
                    Standing::Trusted(id) => format!("signed by ops key {id}"),
                    Standing::Unsigned => "unsigned; it blocks even so".to_owned(),
                    Standing::Untrusted(why) => format!("not ops-signed ({why}); it blocks even so"),
                };
                Some(finding(
                    ROLLED_BACK,
                    format!(
                        "{env} was rolled back to another release (verdict {}) after the deploy ({at}, {signer}): {}",
                        r.statement.to_verdict_sha256, r.statement.reason
                    ),
                )
                .hint(format!("once fixed, deploy this release to {name} again and let it soak")))
            }
            Event::Freeze { reason, by } => Some(
                finding(
                    FROZEN_SINCE,
                    format!("{env} was frozen after the deploy ({at}, by {by}): {reason}"),
                )
                .hint(format!(
                    "after the freeze is lifted, deploy this release to {name} again: the soak counts from that deploy"
                )),
            ),
            _ => None,
        };
        if let Some(f) = found {
            out.findings.push(f);
            out.consulted.push(*index);
        }
    }

    // The soak, by the ledger's clock.
    let Some(since) = deploy.at else {
        out.findings.push(finding(
            SOAKING,
            format!(
                "the deploy ({}) has an unreadable time {:?}",
                deploy.id(history),
                deploy.time
            ),
        ));
        return out;
    };
    let soaked = if now > since {
        (now - since).unsigned_abs()
    } else {
        Duration::ZERO
    };
    if soaked < after.soak {
        let ready = since + after.soak;
        out.findings.push(
            finding(
                SOAKING,
                format!(
                    "deployed to {name} at {} ({}): soaked {} of {}; ready at {}",
                    deploy.time,
                    deploy.id(history),
                    hours(soaked),
                    hours(after.soak),
                    rfc3339(ready)
                ),
            )
            .hint(format!("evaluate again after {}", rfc3339(ready))),
        );
    }
    out
}

/// Later of two records: by time, then source and chain order.
fn order(a: &Record, b: &Record) -> std::cmp::Ordering {
    (a.at, a.source, a.seq).cmp(&(b.at, b.source, b.seq))
}

/// `31h` or `23h 59m`: whole minutes.
fn hours(d: Duration) -> String {
    let minutes = d.as_secs() / 60;
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h}h"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_read_well() {
        use std::time::Duration;
        assert_eq!(super::hours(Duration::from_secs(31 * 3600)), "31h");
        assert_eq!(
            super::hours(Duration::from_secs(23 * 3600 + 59 * 60 + 5)),
            "23h 59m"
        );
        assert_eq!(super::hours(Duration::from_secs(120)), "2m");
        assert_eq!(super::hours(Duration::ZERO), "0h");
    }
}

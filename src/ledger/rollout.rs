//! Deploy and rollback records: the statements `tollgate deploy record` and `tollgate
//! rollback record` sign and append as signed entries (see [`super::signed`]). Whether one
//! counts is decided by the reader against the policy's `[trust] ops_keys`; the time that
//! counts is the entry's (the ledger's clock), never the statement's.

use crate::ledger::ops::OpsStatement;
use crate::report::Subject;
use serde::{Deserialize, Serialize};

/// What a `deploy` entry states: this verdict's release went to this stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployStatement {
    /// Always `deploy` (binds the signature to the kind of record).
    pub action: String,
    /// SHA-256 of the verdict.json deployed.
    pub verdict_sha256: String,
    pub environment: String,
    /// `canary`, `wave-10`, `all`, … (lower-case kebab-case).
    pub stage: String,
    /// Where it went (a host group, a cluster), free text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target: Option<String>,
    /// The verdict's subjects: the artifact digests deployed.
    pub subjects: Vec<Subject>,
    /// The verdict's commit.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
    /// The entry's time (RFC 3339, UTC).
    pub time: String,
}

/// What a `rollback` entry states: this environment went back to that release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackStatement {
    /// Always `rollback`.
    pub action: String,
    pub environment: String,
    /// SHA-256 of the verdict of the release rolled back to.
    pub to_verdict_sha256: String,
    /// That release's subjects (artifact digests).
    pub to_subjects: Vec<Subject>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub to_commit: Option<String>,
    pub reason: String,
    pub time: String,
}

impl OpsStatement for DeployStatement {
    fn action(&self) -> &str {
        "deploy"
    }
    fn environment(&self) -> &str {
        &self.environment
    }
    fn time(&self) -> &str {
        &self.time
    }
}

impl OpsStatement for RollbackStatement {
    fn action(&self) -> &str {
        "rollback"
    }
    fn environment(&self) -> &str {
        &self.environment
    }
    fn time(&self) -> &str {
        &self.time
    }
}

/// A stage name: lower-case kebab-case (`canary`, `wave-10`, `all`), 1 to 64 characters.
pub fn is_valid_stage(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The sorted, de-duplicated digests of `subjects`: a release's identity for stage order.
pub fn digest_set(subjects: &[Subject]) -> Vec<String> {
    let mut digests: Vec<String> = subjects
        .iter()
        .map(|s| s.sha256.to_ascii_lowercase())
        .collect();
    digests.sort();
    digests.dedup();
    digests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_are_kebab_case() {
        for good in ["canary", "wave-10", "all", "a", "wave-50-eu"] {
            assert!(is_valid_stage(good), "{good}");
        }
        for bad in [
            "",
            "Wave",
            "wave_10",
            "-a",
            "a-",
            "a--b",
            "wave 10",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_stage(bad), "{bad:?}");
        }
    }

    #[test]
    fn digest_sets_ignore_names_and_order() {
        let s = |n: &str, d: &str| Subject {
            name: n.into(),
            sha256: d.into(),
        };
        assert_eq!(
            digest_set(&[s("b", "BB"), s("a", "aa"), s("c", "bb")]),
            vec!["aa".to_owned(), "bb".to_owned()]
        );
    }
}

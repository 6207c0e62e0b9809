//! The statements a proposal and an approval sign. Both are canonical JSON
//! (`crate::verdict::canonical_json`) and carry no time: the ledger entry's time is the only
//! time that counts, so nothing a signer writes can move a review window.

use crate::report::Subject;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// `schema` of a proposal statement.
pub const PROPOSAL_SCHEMA: &str = "https://tollgate.dev/schemas/proposal/v1";
/// `schema` of an approval statement.
pub const APPROVAL_SCHEMA: &str = "https://tollgate.dev/schemas/approval/v1";

/// Attachment roles in a proposal entry (`SignedRecord::attachments`).
pub const ROLLBACK_PLAN: &str = "rollback-plan";
pub const CHANGE_LOG: &str = "change-log";

/// What kind of change a proposal is (the runbooks' categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Ops,
    Governance,
    Protocol,
}

impl Category {
    pub const ALL: [&'static str; 3] = ["ops", "governance", "protocol"];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ops => "ops",
            Category::Governance => "governance",
            Category::Protocol => "protocol",
        }
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ops" => Ok(Category::Ops),
            "governance" => Ok(Category::Governance),
            "protocol" => Ok(Category::Protocol),
            other => Err(format!(
                "unknown category `{other}`; expected one of: {}",
                Category::ALL.join(", ")
            )),
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file a proposal refers to by digest (its bytes are an attachment of the entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// The file's name as given (for people; the digest is what binds).
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

impl FileRef {
    pub fn of(name: &str, bytes: &[u8]) -> FileRef {
        FileRef {
            name: name.to_owned(),
            sha256: crate::digest::sha256_hex(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// What `tollgate propose` signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalStatement {
    pub schema: String,
    pub environment: String,
    pub category: Category,
    pub summary: String,
    /// Every artifact of the release, from its sums file, sorted by name then digest.
    pub subjects: Vec<Subject>,
    pub rollback_plan: FileRef,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub change_log: Option<FileRef>,
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    Approve,
    Reject,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Approve => "approve",
            Choice::Reject => "reject",
        }
    }
}

/// What `tollgate approve` signs (or writes with `--statement-out` for stock `minisign -S`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalStatement {
    pub schema: String,
    /// The proposal's ledger entry id, `SEQ:SHA256` (the entry's bytes, so its time too).
    pub proposal: String,
    pub environment: String,
    pub category: Category,
    /// The policy role the approver acts in (`security`, `maintainers`, …).
    pub role: String,
    pub decision: Choice,
    /// Why (required for a rejection).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The proposal's subjects, repeated so the signer sees (and signs) what they approve.
    pub subjects: Vec<Subject>,
}

impl ApprovalStatement {
    /// The statement approving (or rejecting) `proposal`, the entry `id`.
    pub fn new(
        id: &str,
        proposal: &ProposalStatement,
        role: &str,
        decision: Choice,
        reason: Option<String>,
    ) -> ApprovalStatement {
        ApprovalStatement {
            schema: APPROVAL_SCHEMA.to_owned(),
            proposal: id.to_owned(),
            environment: proposal.environment.clone(),
            category: proposal.category,
            role: role.to_owned(),
            decision,
            reason,
            subjects: proposal.subjects.clone(),
        }
    }
}

/// A role name: lower-case letters, digits, `-` and `_`, starting with a letter.
pub fn is_valid_role(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal() -> ProposalStatement {
        ProposalStatement {
            schema: PROPOSAL_SCHEMA.to_owned(),
            environment: "mainnet".into(),
            category: Category::Ops,
            summary: "raise peer limit".into(),
            subjects: vec![Subject {
                name: "node.tar.gz".into(),
                sha256: "ab".repeat(32),
            }],
            rollback_plan: FileRef::of("rollback.md", b"revert"),
            change_log: None,
        }
    }

    #[test]
    fn approval_statement_is_canonical_and_timeless() {
        let statement =
            ApprovalStatement::new("3:abc", &proposal(), "security", Choice::Approve, None);
        let text = String::from_utf8(crate::verdict::canonical_json(&statement)).unwrap();
        assert_eq!(
            crate::verdict::canonical_json(
                &serde_json::from_str::<serde_json::Value>(&text).unwrap()
            ),
            text.as_bytes(),
            "canonical bytes are stable"
        );
        assert!(!text.contains("time"), "{text}");
        assert!(!text.contains("reason"), "{text}");
        let back: ApprovalStatement = serde_json::from_str(&text).unwrap();
        assert_eq!(back, statement);
    }

    #[test]
    fn roles_and_categories_parse() {
        assert!(is_valid_role("security"));
        assert!(is_valid_role("core-ops_2"));
        assert!(!is_valid_role("Security"));
        assert!(!is_valid_role("2x"));
        assert!(!is_valid_role(""));
        assert_eq!("protocol".parse::<Category>(), Ok(Category::Protocol));
        assert!("Ops".parse::<Category>().is_err());
    }
}

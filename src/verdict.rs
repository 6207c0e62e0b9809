//! The verdict: the decision bound to artifacts, commit, environment and policy, in
//! canonical JSON, and the trusted comment its signature carries.

use crate::engine::{Decision, Evaluation, WaiverUse};
use crate::policy::{Environment, Policy};
use crate::report::{GateReport, Subject};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const SCHEMA: &str = "https://tollgate.dev/schemas/verdict/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub path: String,
    pub sha256: String,
}

/// A document the verdict is bound to by digest (the SBOM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The source commit the release was built from, as git2 saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    /// Uncommitted changes in the work tree at evaluation time.
    pub dirty: bool,
}

/// What happened to the policy's waivers, as recorded in the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRecord {
    pub gate: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    pub findings: usize,
}

impl From<&WaiverUse> for WaiverRecord {
    fn from(used: &WaiverUse) -> Self {
        let w = &used.waiver;
        WaiverRecord {
            gate: w.gate.clone(),
            code: Some(w.matches.code.clone()),
            id: w.matches.id.clone(),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.clone(),
            findings: used.findings,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub schema: String,
    pub decision: Decision,
    /// Why the verdict blocks (empty when it promotes).
    pub reasons: Vec<String>,
    pub environment: Environment,
    /// The stage the policy promotes to (`stage = "wave-10"`); absent when the policy names
    /// none, so verdicts without one keep their exact bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stage: Option<String>,
    pub subjects: Vec<Subject>,
    /// `null` when the repository is not a git repository.
    pub commit: Option<Commit>,
    pub policy: PolicyRef,
    /// The SBOM the sbom gate examined or generated; absent when that gate did not run or
    /// could not read one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sbom: Option<DocumentRef>,
    /// Node configuration files the config gate examined, with their digests; absent when
    /// that gate did not run.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub configs: Vec<DocumentRef>,
    pub gates: Vec<GateReport>,
    pub waivers_applied: Vec<WaiverRecord>,
    pub waivers_expired: Vec<WaiverRecord>,
    pub waivers_unused: Vec<WaiverRecord>,
    pub evaluated_at: String,
    pub expires_at: String,
    pub tool: Tool,
}

impl Verdict {
    pub fn new(
        evaluation: &Evaluation,
        policy: &Policy,
        commit: Option<Commit>,
        now: OffsetDateTime,
    ) -> Verdict {
        let records = |list: &[WaiverUse]| list.iter().map(WaiverRecord::from).collect();
        Verdict {
            schema: SCHEMA.to_owned(),
            decision: evaluation.decision,
            reasons: evaluation.reasons.clone(),
            environment: policy.environment,
            stage: policy.stage.clone(),
            subjects: evaluation.subjects.clone(),
            commit,
            policy: PolicyRef {
                path: policy.path.to_string_lossy().into_owned(),
                sha256: policy.sha256.clone(),
            },
            sbom: evaluation.sbom.as_ref().map(|e| DocumentRef {
                path: e.path.clone(),
                sha256: e.sha256.clone(),
            }),
            configs: evaluation
                .configs
                .iter()
                .map(|e| DocumentRef {
                    path: e.path.clone(),
                    sha256: e.sha256.clone(),
                })
                .collect(),
            gates: evaluation.reports.clone(),
            waivers_applied: records(&evaluation.waivers.applied),
            waivers_expired: records(&evaluation.waivers.expired),
            waivers_unused: records(&evaluation.waivers.unused),
            evaluated_at: rfc3339(now),
            expires_at: rfc3339(now + policy.verdict_ttl),
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
        }
    }

    /// Canonical bytes (see [`crate::canonical`]): keys sorted at every level by UTF-16 code
    /// units, RFC 8785 escaping, integers only, two-space indentation, one trailing newline.
    /// The same verdict always serialises to the same bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_json(self)
    }

    /// The trusted comment that binds environment, decision and the verdict's digest.
    pub fn trusted_comment(&self, verdict_sha256: &str) -> String {
        TrustedComment {
            environment: self.environment.as_str().to_owned(),
            decision: self.decision.as_str().to_owned(),
            sha256: verdict_sha256.to_owned(),
            expires_at: self.expires_at.clone(),
        }
        .render()
    }
}

/// Canonical JSON for tollgate's own documents (verdict, provenance, ledger entries and
/// heads, freeze statements): [`crate::canonical`] in its indented layout.
///
/// Infallible because every type tollgate signs holds strings, booleans and integers only; a
/// float or a non-string map key is a bug in tollgate, so it stops here, loudly, rather than
/// signing anything (the old `unwrap_or(Null)` would have signed `null`).
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    match crate::canonical::to_vec(value, crate::canonical::Layout::Indented) {
        Ok(bytes) => bytes,
        Err(e) => panic!("tollgate bug: a document it signs has no canonical form: {e}"),
    }
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// The fields of a verdict signature's trusted comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedComment {
    pub environment: String,
    pub decision: String,
    pub sha256: String,
    pub expires_at: String,
}

impl TrustedComment {
    const PREFIX: &'static str = "tollgate-verdict";

    pub fn render(&self) -> String {
        format!(
            "{} environment:{} decision:{} sha256:{} expires:{}",
            Self::PREFIX,
            self.environment,
            self.decision,
            self.sha256,
            self.expires_at
        )
    }

    pub fn parse(text: &str) -> Option<TrustedComment> {
        let mut words = text.split(' ');
        if words.next()? != Self::PREFIX {
            return None;
        }
        let mut field = |name: &str| {
            words
                .next()?
                .strip_prefix(name)?
                .strip_prefix(':')
                .map(str::to_owned)
        };
        let comment = TrustedComment {
            environment: field("environment")?,
            decision: field("decision")?,
            sha256: field("sha256")?,
            expires_at: field("expires")?,
        };
        words.next().is_none().then_some(comment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_comment_round_trips_and_rejects_extras() {
        let c = TrustedComment {
            environment: "mainnet".into(),
            decision: "promote".into(),
            sha256: "ab".repeat(32),
            expires_at: "2026-11-24T00:00:00Z".into(),
        };
        assert_eq!(TrustedComment::parse(&c.render()), Some(c.clone()));
        assert_eq!(
            TrustedComment::parse(&format!("{} extra:1", c.render())),
            None
        );
        assert_eq!(TrustedComment::parse("timestamp:1 file:x"), None);
    }

    #[test]
    fn canonical_json_sorts_keys_and_is_stable() {
        #[derive(Serialize)]
        struct T {
            zeta: u8,
            alpha: u8,
        }
        let bytes = canonical_json(&T { zeta: 1, alpha: 2 });
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.find("alpha").unwrap() < text.find("zeta").unwrap());
        assert_eq!(bytes, canonical_json(&T { zeta: 1, alpha: 2 }));
        assert!(text.ends_with("}\n"));
    }
}

//! The verdict as a SLSA Verification Summary Attestation (VSA v1): an in-toto Statement v1
//! whose subjects are the verdict's artifacts, and the claims `tollgate verify` reads back
//! from one. What tollgate adds beyond the VSA fields (environment, decision, expiry, the
//! verdict's own digest) sits in one extension field whose name is a URI, as the VSA
//! parsing rules allow; consumers that do not know it ignore it.

use crate::engine::Decision;
use crate::policy::Environment;
use crate::provenance::STATEMENT_TYPE;
use crate::report::{Outcome, Subject};
use crate::verdict::{Verdict, canonical_json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
pub const VERIFIER_ID: &str = "https://tollgate.dev/verifiers/tollgate";
/// The extension field holding tollgate's own claims.
pub const EXTENSION: &str = "https://tollgate.dev/vsa/verdict/v1";

/// Everything the VSA states beyond the verdict itself.
pub struct VsaInputs<'a> {
    pub verdict: &'a Verdict,
    pub verdict_sha256: &'a str,
    /// What the VSA is about: `--resource-uri`, else the release directory as a file URI.
    pub resource_uri: &'a str,
}

/// `TOLLGATE_<GATE>_PASSED`: the verified-level property of a gate that passed (never
/// starting with `SLSA_`, which the VSA spec reserves).
pub fn passed_level(gate: &str) -> String {
    let name: String = gate
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TOLLGATE_{name}_PASSED")
}

/// The Statement's canonical bytes: the DSSE payload.
pub fn statement(v: &VsaInputs<'_>) -> Vec<u8> {
    let verdict = v.verdict;
    let promote = verdict.decision == Decision::Promote;
    let mut levels: Vec<String> = if promote {
        Vec::new()
    } else {
        vec!["FAILED".to_owned()]
    };
    levels.extend(
        verdict
            .gates
            .iter()
            .filter(|g| g.outcome == Outcome::Pass)
            .map(|g| passed_level(&g.gate)),
    );
    // Every input a gate examined, once per (path, digest), in a stable order.
    let evidence: BTreeMap<(&str, &str), ()> = verdict
        .gates
        .iter()
        .flat_map(|g| &g.evidence)
        .map(|e| ((e.path.as_str(), e.sha256.as_str()), ()))
        .collect();
    let inputs: Vec<Value> = evidence
        .keys()
        .map(|(path, sha)| json!({"uri": uri_reference(path), "digest": {"sha256": sha}}))
        .collect();
    let subjects: Vec<Value> = verdict
        .subjects
        .iter()
        .map(|s| json!({"name": s.name, "digest": {"sha256": s.sha256}}))
        .collect();
    let value = json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"tollgate": verdict.tool.version}},
            "timeVerified": verdict.evaluated_at,
            "resourceUri": v.resource_uri,
            "policy": {
                "uri": uri_reference(&verdict.policy.path),
                "digest": {"sha256": verdict.policy.sha256},
            },
            "inputAttestations": inputs,
            "verificationResult": if promote { "PASSED" } else { "FAILED" },
            "verifiedLevels": levels,
            EXTENSION: {
                "environment": verdict.environment,
                "decision": verdict.decision,
                "reasons": verdict.reasons,
                "expiresAt": verdict.expires_at,
                "verdictSha256": v.verdict_sha256,
                "commit": verdict.commit.as_ref().map(|c| c.sha.clone()),
            },
        },
    });
    canonical_json(&value)
}

/// A path as a URI reference: unreserved characters and `/` kept, the rest percent-encoded.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The release directory as a `file://` URI (the default resource URI).
pub fn file_uri(absolute: &str) -> String {
    format!("file://{}", uri_reference(absolute))
}

/// What a verified VSA claims, for `verify` to check like a verdict's.
#[derive(Debug, Clone)]
pub struct VsaClaims {
    pub environment: Environment,
    pub decision: Decision,
    pub reasons: Vec<String>,
    pub passed: bool,
    pub subjects: Vec<Subject>,
    pub commit: Option<String>,
    pub policy_uri: String,
    pub policy_sha256: String,
    pub time_verified: String,
    pub expires_at: String,
    pub verdict_sha256: String,
    pub resource_uri: String,
}

#[derive(Deserialize)]
struct RawHeader {
    #[serde(rename = "_type")]
    kind: String,
    #[serde(rename = "predicateType")]
    predicate_type: String,
}

#[derive(Deserialize)]
struct RawStatement {
    subject: Vec<RawSubject>,
    predicate: RawPredicate,
}

#[derive(Deserialize)]
struct RawSubject {
    name: String,
    digest: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawPredicate {
    verifier: RawVerifier,
    #[serde(rename = "timeVerified")]
    time_verified: String,
    #[serde(rename = "resourceUri")]
    resource_uri: String,
    policy: RawSubjectLike,
    #[serde(rename = "verificationResult")]
    verification_result: String,
    #[serde(rename = "https://tollgate.dev/vsa/verdict/v1")]
    tollgate: RawExtension,
}

#[derive(Deserialize)]
struct RawVerifier {
    id: String,
}

#[derive(Deserialize)]
struct RawSubjectLike {
    uri: String,
    digest: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawExtension {
    environment: Environment,
    decision: Decision,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(rename = "expiresAt")]
    expires_at: String,
    #[serde(rename = "verdictSha256")]
    verdict_sha256: String,
    #[serde(default)]
    commit: Option<String>,
}

/// Read a (signature-checked) Statement's claims; a statement of another kind, another
/// verifier, or missing tollgate's claims is refused with the reason.
pub fn claims(payload: &[u8]) -> Result<VsaClaims, String> {
    // The statement's kind first, so a provenance envelope is named as one.
    let header: RawHeader = serde_json::from_slice(payload)
        .map_err(|e| format!("the envelope's payload is not an in-toto statement: {e}"))?;
    if header.kind != STATEMENT_TYPE {
        return Err(format!(
            "the payload's _type is {:?}, not {STATEMENT_TYPE}",
            header.kind
        ));
    }
    if header.predicate_type != PREDICATE_TYPE {
        return Err(format!(
            "the payload's predicateType is {:?}, not {PREDICATE_TYPE} (is this provenance.intoto.jsonl?)",
            header.predicate_type
        ));
    }
    let raw: RawStatement = serde_json::from_slice(payload)
        .map_err(|e| format!("the envelope's payload is not a tollgate VSA statement: {e}"))?;
    let p = raw.predicate;
    if p.verifier.id != VERIFIER_ID {
        return Err(format!(
            "the VSA's verifier is {:?}, not tollgate ({VERIFIER_ID})",
            p.verifier.id
        ));
    }
    let passed = match p.verification_result.as_str() {
        "PASSED" => true,
        "FAILED" => false,
        other => return Err(format!("unknown verificationResult {other:?}")),
    };
    if passed != (p.tollgate.decision == Decision::Promote) {
        return Err(format!(
            "verificationResult {} contradicts the decision {}",
            p.verification_result,
            p.tollgate.decision.as_str()
        ));
    }
    let mut subjects = Vec::new();
    for s in raw.subject {
        let sha256 = s
            .digest
            .get("sha256")
            .ok_or_else(|| format!("subject {:?} has no sha256 digest", s.name))?;
        subjects.push(Subject {
            name: s.name,
            sha256: sha256.to_ascii_lowercase(),
        });
    }
    Ok(VsaClaims {
        environment: p.tollgate.environment,
        decision: p.tollgate.decision,
        reasons: p.tollgate.reasons,
        passed,
        subjects,
        commit: p.tollgate.commit,
        policy_sha256: p.policy.digest.get("sha256").cloned().unwrap_or_default(),
        policy_uri: p.policy.uri,
        time_verified: p.time_verified,
        expires_at: p.tollgate.expires_at,
        verdict_sha256: p.tollgate.verdict_sha256,
        resource_uri: p.resource_uri,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_names_become_tollgate_levels() {
        assert_eq!(passed_level("signatures"), "TOLLGATE_SIGNATURES_PASSED");
        assert_eq!(passed_level("real_deps"), "TOLLGATE_REAL_DEPS_PASSED");
        assert_eq!(
            passed_level("artifact-size"),
            "TOLLGATE_ARTIFACT_SIZE_PASSED"
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("dist/app v1+x.tar"), "dist/app%20v1%2Bx.tar");
        assert_eq!(file_uri("/tmp/rel"), "file:///tmp/rel");
    }
}

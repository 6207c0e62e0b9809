//! Verifying a signed verdict (`verdict.json` + minisign, or the VSA in a DSSE envelope):
//! signature and its binding, expiry, environment, pins, and that given artifacts are among
//! its subjects. Every problem found is reported, not just the first.

pub mod proof;

use crate::digest::{DigestCache, sha256_hex};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::engine::Decision;
use crate::keys::{KeyId, TrustedKey};
use crate::policy::Environment;
use crate::report::Subject;
use crate::verdict::{SCHEMA, TrustedComment, Verdict, parse_rfc3339};
use crate::vsa::VsaClaims;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// What the caller demands of the verdict beyond a valid signature.
pub struct Expectations<'a> {
    pub environment: Option<Environment>,
    /// The SHA-256 the verdict's policy must have (`--policy-sha256`), lower-case hex.
    pub policy_sha256: Option<&'a str>,
    /// The commit the verdict must be about (`--commit`): a full SHA (checked by the caller).
    pub commit: Option<&'a str>,
    pub artifacts: &'a [PathBuf],
    pub now: OffsetDateTime,
    /// Hashes the artifacts (a cache with progress counters shows a bar for large ones).
    pub digests: &'a DigestCache,
}

/// What a signed verdict or VSA claims, in the terms `verify` checks.
#[derive(Debug, Clone)]
pub struct Claims {
    pub environment: Environment,
    pub decision: Decision,
    /// Why it blocks (empty when it promotes).
    pub reasons: Vec<String>,
    pub subjects: Vec<Subject>,
    pub commit: Option<String>,
    pub policy_path: String,
    pub policy_sha256: String,
    pub evaluated_at: String,
    pub expires_at: String,
}

impl Claims {
    fn of_verdict(verdict: &Verdict) -> Claims {
        Claims {
            environment: verdict.environment,
            decision: verdict.decision,
            reasons: verdict.reasons.clone(),
            subjects: verdict.subjects.clone(),
            commit: verdict.commit.as_ref().map(|c| c.sha.clone()),
            policy_path: verdict.policy.path.clone(),
            policy_sha256: verdict.policy.sha256.clone(),
            evaluated_at: verdict.evaluated_at.clone(),
            expires_at: verdict.expires_at.clone(),
        }
    }

    fn of_vsa(vsa: &VsaClaims) -> Claims {
        Claims {
            environment: vsa.environment,
            decision: vsa.decision,
            reasons: vsa.reasons.clone(),
            subjects: vsa.subjects.clone(),
            commit: vsa.commit.clone(),
            policy_path: vsa.policy_uri.clone(),
            policy_sha256: vsa.policy_sha256.clone(),
            evaluated_at: vsa.time_verified.clone(),
            expires_at: vsa.expires_at.clone(),
        }
    }
}

/// Which signed document was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `verdict.json` with its minisign signature.
    Verdict,
    /// `verdict.intoto.jsonl`: the VSA in a DSSE envelope.
    Vsa,
}

/// A verdict (or its VSA) that verified, for the caller to summarise.
#[derive(Debug)]
pub struct Verified {
    pub claims: Claims,
    /// The SHA-256 of `verdict.json` (for a VSA, the digest it binds), what the ledger records.
    pub sha256: String,
    pub form: Form,
    /// The verdict itself, when the verdict form was verified (a VSA carries only claims).
    pub verdict: Option<Box<Verdict>>,
}

/// Why a verdict is not valid: every problem, in the order checked.
#[derive(Debug)]
pub struct Invalid {
    pub problems: Vec<String>,
}

fn fail(problem: String) -> Invalid {
    Invalid {
        problems: vec![problem],
    }
}

/// Verify `verdict.json` (with `verdict.json.minisig` beside it) or `verdict.intoto.jsonl`
/// (the VSA in a DSSE envelope; told apart by its content).
pub fn verify(
    verdict_path: &Path,
    key: &TrustedKey,
    expect: &Expectations<'_>,
) -> Result<Verified, Invalid> {
    let bytes = std::fs::read(verdict_path).map_err(|e| {
        fail(format!(
            "cannot read verdict {}: {e}",
            verdict_path.display()
        ))
    })?;
    if let Some(envelope) = envelope(&bytes) {
        return verify_vsa(verdict_path, &envelope, key, expect);
    }
    let sig_path = signature_path(verdict_path);
    let sig_text = std::fs::read_to_string(&sig_path).map_err(|e| {
        fail(format!(
            "cannot read the verdict's signature {}: {e} (evaluate writes it when given --key)",
            sig_path.display()
        ))
    })?;
    let signature = minisign_verify::Signature::decode(&sig_text).map_err(|e| {
        fail(format!(
            "{} is not a minisign signature: {e}",
            sig_path.display()
        ))
    })?;
    if let Some((_, signer)) = KeyId::of_signature(&sig_text)
        && signer != key.key_id
    {
        return Err(fail(format!(
            "the verdict was signed by key {signer}, not by the given public key {}",
            key.key_id
        )));
    }
    key.key.verify(&bytes, &signature, false).map_err(|e| {
        fail(format!(
            "signature check failed ({e}): {} or its trusted comment was altered after signing",
            verdict_path.display()
        ))
    })?;

    let sha256 = sha256_hex(&bytes);
    let mut problems = Vec::new();
    let comment = TrustedComment::parse(signature.trusted_comment());
    let verdict: Verdict = serde_json::from_slice(&bytes).map_err(|e| {
        fail(format!(
            "{} is not a tollgate verdict: {e}",
            verdict_path.display()
        ))
    })?;
    match &comment {
        None => problems.push(format!(
            "the signature's trusted comment is not a tollgate verdict binding: {:?}",
            signature.trusted_comment()
        )),
        Some(c) => {
            if c.sha256 != sha256 {
                problems.push(format!(
                    "the trusted comment binds digest {}, but the verdict's SHA-256 is {sha256}",
                    c.sha256
                ));
            }
            if c.environment != verdict.environment.as_str() {
                problems.push(format!(
                    "the trusted comment says environment {}, the verdict says {}",
                    c.environment, verdict.environment
                ));
            }
            if c.decision != verdict.decision.as_str() {
                problems.push(format!(
                    "the trusted comment says decision {}, the verdict says {}",
                    c.decision,
                    verdict.decision.as_str()
                ));
            }
            if c.expires_at != verdict.expires_at {
                problems.push(format!(
                    "the trusted comment says expiry {}, the verdict says {}",
                    c.expires_at, verdict.expires_at
                ));
            }
        }
    }
    if verdict.schema != SCHEMA {
        problems.push(format!(
            "unknown verdict schema {:?} (expected {SCHEMA})",
            verdict.schema
        ));
    }
    let claims = Claims::of_verdict(&verdict);
    problems.extend(check_claims(&claims, expect));
    if problems.is_empty() {
        Ok(Verified {
            claims,
            sha256,
            form: Form::Verdict,
            verdict: Some(Box::new(verdict)),
        })
    } else {
        Err(Invalid { problems })
    }
}

/// The DSSE envelope a file holds, if it is one (a verdict is canonical JSON, never one line
/// with `payloadType`).
fn envelope(bytes: &[u8]) -> Option<Envelope> {
    let text = std::str::from_utf8(bytes).ok()?;
    Envelope::parse_jsonl(text).ok()
}

fn verify_vsa(
    path: &Path,
    envelope: &Envelope,
    key: &TrustedKey,
    expect: &Expectations<'_>,
) -> Result<Verified, Invalid> {
    let payload = envelope
        .verify(key)
        .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(fail(format!(
            "the envelope's payloadType is {:?}, not {IN_TOTO_PAYLOAD_TYPE}",
            envelope.payload_type
        )));
    }
    let vsa = crate::vsa::claims(&payload).map_err(fail)?;
    let claims = Claims::of_vsa(&vsa);
    let mut problems = Vec::new();
    if !crate::ledger::entry::is_sha256(&vsa.verdict_sha256) {
        problems.push(format!(
            "the VSA binds verdict digest {:?}, not a SHA-256",
            vsa.verdict_sha256
        ));
    }
    problems.extend(check_claims(&claims, expect));
    if problems.is_empty() {
        Ok(Verified {
            claims,
            sha256: vsa.verdict_sha256,
            form: Form::Vsa,
            verdict: None,
        })
    } else {
        Err(Invalid { problems })
    }
}

/// What the caller demands beyond a valid signature, checked the same way for both forms.
fn check_claims(claims: &Claims, expect: &Expectations<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    if claims.decision != Decision::Promote {
        let why = if claims.reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", claims.reasons.join("; "))
        };
        problems.push(format!("the verdict says block{why}"));
    }
    match parse_rfc3339(&claims.expires_at) {
        Some(expires) if expires <= expect.now => {
            problems.push(format!(
                "the verdict expired at {} (now {})",
                claims.expires_at,
                crate::verdict::rfc3339(expect.now)
            ));
        }
        Some(_) => {}
        None => problems.push(format!(
            "the verdict's expires_at {:?} is not an RFC 3339 time",
            claims.expires_at
        )),
    }
    if let Some(evaluated) = parse_rfc3339(&claims.evaluated_at)
        && evaluated > expect.now + time::Duration::minutes(5)
    {
        problems.push(format!(
            "the verdict was evaluated at {}, in the future",
            claims.evaluated_at
        ));
    }
    if let Some(env) = expect.environment
        && env != claims.environment
    {
        problems.push(format!(
            "the verdict is for {}, not {env}",
            claims.environment
        ));
    }
    if let Some(wanted) = expect.policy_sha256
        && !wanted.eq_ignore_ascii_case(&claims.policy_sha256)
    {
        problems.push(format!(
            "the verdict was made with policy {} (sha256 {}), not the pinned --policy-sha256 {wanted}",
            claims.policy_path, claims.policy_sha256
        ));
    }
    if let Some(wanted) = expect.commit {
        match &claims.commit {
            Some(commit) if commit.eq_ignore_ascii_case(wanted) => {}
            Some(commit) => problems.push(format!(
                "the verdict is about commit {commit}, not the pinned --commit {wanted}"
            )),
            None => problems.push(format!(
                "the verdict records no commit, so it cannot match the pinned --commit {wanted}"
            )),
        }
    }
    for artifact in expect.artifacts {
        match expect.digests.digest(artifact) {
            Ok(digest) => {
                let hex = digest.hex();
                if !claims.subjects.iter().any(|s| s.sha256 == hex) {
                    problems.push(format!(
                        "artifact {} (SHA-256 {hex}) is not among the verdict's {} subjects",
                        artifact.display(),
                        claims.subjects.len()
                    ));
                }
            }
            Err(e) => problems.push(format!("cannot read artifact {}: {e}", artifact.display())),
        }
    }
    problems
}

/// Whether `text` is a full commit SHA (SHA-1: 40 hex digits, SHA-256: 64): a pin must not
/// be a prefix another commit could share.
pub fn is_full_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `verdict.json` → `verdict.json.minisig`.
pub fn signature_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".minisig");
    PathBuf::from(name)
}

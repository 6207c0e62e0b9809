//! Verifying a signed verdict: signature and trusted comment, expiry, environment, and that
//! given artifacts are among its subjects. Every problem found is reported, not just the first.

use crate::digest::{DigestCache, sha256_hex};
use crate::engine::Decision;
use crate::keys::{KeyId, TrustedKey};
use crate::policy::Environment;
use crate::verdict::{SCHEMA, TrustedComment, Verdict, parse_rfc3339};
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

/// A verdict that verified, for the caller to summarise.
#[derive(Debug)]
pub struct Verified {
    pub verdict: Verdict,
    pub sha256: String,
}

/// Why a verdict is not valid: every problem, in the order checked.
#[derive(Debug)]
pub struct Invalid {
    pub problems: Vec<String>,
}

pub fn verify(
    verdict_path: &Path,
    key: &TrustedKey,
    expect: &Expectations<'_>,
) -> Result<Verified, Invalid> {
    let fail = |problem: String| Invalid {
        problems: vec![problem],
    };
    let bytes = std::fs::read(verdict_path).map_err(|e| {
        fail(format!(
            "cannot read verdict {}: {e}",
            verdict_path.display()
        ))
    })?;
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
    if verdict.decision != Decision::Promote {
        let why = if verdict.reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", verdict.reasons.join("; "))
        };
        problems.push(format!("the verdict says block{why}"));
    }
    match parse_rfc3339(&verdict.expires_at) {
        Some(expires) if expires <= expect.now => {
            problems.push(format!(
                "the verdict expired at {} (now {})",
                verdict.expires_at,
                crate::verdict::rfc3339(expect.now)
            ));
        }
        Some(_) => {}
        None => problems.push(format!(
            "the verdict's expires_at {:?} is not an RFC 3339 time",
            verdict.expires_at
        )),
    }
    if let Some(evaluated) = parse_rfc3339(&verdict.evaluated_at)
        && evaluated > expect.now + time::Duration::minutes(5)
    {
        problems.push(format!(
            "the verdict was evaluated at {}, in the future",
            verdict.evaluated_at
        ));
    }
    if let Some(env) = expect.environment
        && env != verdict.environment
    {
        problems.push(format!(
            "the verdict is for {}, not {env}",
            verdict.environment
        ));
    }
    if let Some(wanted) = expect.policy_sha256
        && !wanted.eq_ignore_ascii_case(&verdict.policy.sha256)
    {
        problems.push(format!(
            "the verdict was made with policy {} (sha256 {}), not the pinned --policy-sha256 {wanted}",
            verdict.policy.path, verdict.policy.sha256
        ));
    }
    if let Some(wanted) = expect.commit {
        match &verdict.commit {
            Some(commit) if commit.sha.eq_ignore_ascii_case(wanted) => {}
            Some(commit) => problems.push(format!(
                "the verdict is about commit {}, not the pinned --commit {wanted}",
                commit.sha
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
                if !verdict.subjects.iter().any(|s| s.sha256 == hex) {
                    problems.push(format!(
                        "artifact {} (SHA-256 {hex}) is not among the verdict's {} subjects",
                        artifact.display(),
                        verdict.subjects.len()
                    ));
                }
            }
            Err(e) => problems.push(format!("cannot read artifact {}: {e}", artifact.display())),
        }
    }
    if problems.is_empty() {
        Ok(Verified { verdict, sha256 })
    } else {
        Err(Invalid { problems })
    }
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

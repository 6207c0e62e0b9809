//! Checking one listed artifact: its place, its digest against the sums file, and its own
//! signature, all from a single read of the file.

use super::SumsEntry;
use super::config::{ArtifactSignatures, Config};
use super::findings;
use super::{
    describe, escape_finding, evidence_of, normalize, parse_signature, read_small, special_finding,
};
use crate::bounded::caps;
use crate::digest::{FileDigest, Sink, hash_file};
use crate::gates::GateContext;
use crate::keys::TrustedKey;
use crate::minisig::{self, Check, StreamCheck};
use crate::release::{ReleaseDir, Resolved};
use crate::report::{Evidence, Finding, Subject};
use std::path::Path;

/// Legacy signatures sign the whole file, not a hash; verifying one means holding the file
/// in memory, which tollgate allows only up to this size.
const LEGACY_MAX: u64 = caps::LEGACY_SIGNED.bytes;

#[derive(Default)]
pub struct ArtifactOutcome {
    pub findings: Vec<Finding>,
    pub evidence: Vec<Evidence>,
    pub subject: Option<Subject>,
}

pub fn check(
    ctx: &GateContext<'_>,
    release: &ReleaseDir,
    config: &Config,
    keys: &[TrustedKey],
    entry: &SumsEntry,
    sums_name: &str,
) -> ArtifactOutcome {
    let mut out = ArtifactOutcome::default();
    let name = normalize(&entry.name);
    let path = match release.resolve(&entry.name) {
        Resolved::File(path) => path,
        Resolved::Escapes(why) => {
            out.findings
                .push(escape_finding(&entry.name, why).at(sums_name, Some(entry.line)));
            return out;
        }
        Resolved::NotAFile(kind) => {
            out.findings
                .push(special_finding(&name, kind).at(sums_name, Some(entry.line)));
            return out;
        }
        other => {
            out.findings.push(
                Finding::error(
                    "sig.listed-missing",
                    format!(
                        "{} is listed in {sums_name} (line {}) but {}",
                        entry.name,
                        entry.line,
                        describe(&other)
                    ),
                )
                .subject(&name)
                .at(sums_name, Some(entry.line))
                .hint("publish the artifact, or remove its line from the sums file"),
            );
            return out;
        }
    };

    let signature = match config.artifact_signatures {
        ArtifactSignatures::Ignore => None,
        mode => load_signature(release, &name, mode, &mut out),
    };
    let (digest, check) =
        match digest_and_verify(ctx, &path, signature.as_ref(), keys, config.allow_legacy) {
            Ok(pair) => pair,
            Err(e) => {
                out.findings.push(
                    Finding::error("sig.unreadable", format!("cannot read {name}: {e}"))
                        .subject(&name)
                        .hint("check the file's permissions"),
                );
                return out;
            }
        };
    if let (Some(check), Some(sig_name)) = (check, signature.as_ref().map(|s| s.0.clone())) {
        out.findings
            .extend(findings::finding(&check, &name, &sig_name, keys));
    }
    let actual = digest.hex();
    if actual != entry.sha256 {
        out.findings.push(
            Finding::error("sig.digest-mismatch", format!("{name}: SHA-256 is {actual}, {sums_name} says {}", entry.sha256))
                .subject(&name)
                .at(sums_name, Some(entry.line))
                .hint("the artifact changed after the sums were made: rebuild the sums from the published files, or re-download"),
        );
    }
    out.evidence.push(Evidence {
        path: name.clone(),
        sha256: actual.clone(),
        size: digest.size,
    });
    out.subject = Some(Subject {
        name,
        sha256: actual,
    });
    out
}

/// `NAME.minisig` beside the artifact, parsed; or the finding that says why not.
fn load_signature(
    release: &ReleaseDir,
    name: &str,
    mode: ArtifactSignatures,
    out: &mut ArtifactOutcome,
) -> Option<(String, minisig::SignatureFile)> {
    let sig_name = format!("{name}.minisig");
    let sig_path = match release.resolve(&sig_name) {
        Resolved::File(path) => path,
        Resolved::Escapes(why) => {
            out.findings.push(escape_finding(&sig_name, why));
            return None;
        }
        Resolved::NotAFile(kind) => {
            out.findings.push(special_finding(&sig_name, kind));
            return None;
        }
        _ if mode == ArtifactSignatures::Required => {
            out.findings.push(
                Finding::error(
                    "sig.signature-missing",
                    format!("{name} has no signature {sig_name}, and the policy requires one"),
                )
                .subject(name)
                .hint(format!("sign it: minisign -S -s KEY -m {name}")),
            );
            return None;
        }
        _ => return None,
    };
    let bytes = match read_small(&sig_path, caps::SIGNATURE) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.findings
                .push(Finding::error("sig.unreadable", e).subject(name));
            return None;
        }
    };
    out.evidence.push(evidence_of(&sig_name, &bytes));
    match parse_signature(&bytes, &sig_name, name) {
        Ok(file) => Some((sig_name, file)),
        Err(finding) => {
            out.findings.push(*finding);
            None
        }
    }
}

/// The artifact's SHA-256 and, when it has a signature, the signature check, reading the
/// file once whenever the signature is prehashed.
fn digest_and_verify(
    ctx: &GateContext<'_>,
    path: &Path,
    signature: Option<&(String, minisig::SignatureFile)>,
    keys: &[TrustedKey],
    allow_legacy: bool,
) -> std::io::Result<(FileDigest, Option<Check>)> {
    let Some((_, file)) = signature else {
        return Ok((ctx.digests.digest(path).map_err(unshare)?, None));
    };
    let Some(key) = file.trusted_key(keys) else {
        let digest = ctx.digests.digest(path).map_err(unshare)?;
        return Ok((digest, Some(Check::UntrustedKey(file.key_id))));
    };
    if !file.is_prehashed() {
        let digest = ctx.digests.digest(path).map_err(unshare)?;
        if !allow_legacy {
            return Ok((digest, Some(Check::LegacyRefused)));
        }
        if digest.size > LEGACY_MAX {
            return Ok((digest, Some(Check::LegacyTooLarge)));
        }
        let bytes = crate::bounded::read_capped(path, caps::LEGACY_SIGNED)
            .map_err(|e| std::io::Error::other(e.describe(path)))?;
        return Ok((digest, Some(file.check_bytes(keys, &bytes, allow_legacy))));
    }
    let Some(mut stream) = StreamCheck::start(key, file) else {
        return Ok((
            ctx.digests.digest(path).map_err(unshare)?,
            Some(Check::Invalid),
        ));
    };
    let (digest, fed) = {
        let sinks: &mut [&mut dyn Sink] = &mut [&mut stream];
        ctx.digests.digest_feeding(path, sinks)
    };
    let digest = digest.map_err(unshare)?;
    if !fed {
        // Another gate hashed this file first; the signature still needs its bytes.
        hash_file(path, &mut [&mut stream])?;
    }
    Ok((digest, Some(stream.finish())))
}

fn unshare(e: std::sync::Arc<std::io::Error>) -> std::io::Error {
    std::io::Error::new(e.kind(), e.to_string())
}

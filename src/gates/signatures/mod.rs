//! The signatures gate: every artifact matches SHA256SUMS, the sums file is signed by a
//! trusted key, and (as the policy says) each artifact's own minisign signature verifies.

mod artifact;
pub mod config;
mod findings;
pub mod init;
mod revoked;
pub(crate) mod sums;

pub use sums::{ParsedSums, SumsEntry, parse as parse_sums};

use super::{Gate, GateContext, GateResult};
use crate::bounded::{Cap, caps};
use crate::digest::sha256_hex;
use crate::keys::TrustedKey;
use crate::minisig::SignatureFile;
use crate::release::{ReleaseDir, Resolved};
use crate::report::{Evidence, Finding};
use config::ArtifactSignatures;
pub use config::Config;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub const NAME: &str = "signatures";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str =
    "artifacts match SHA256SUMS (GNU or BSD form); minisign signatures verify against trusted keys";

pub struct SignaturesGate {
    config: Config,
}

impl SignaturesGate {
    pub fn new(config: Config) -> Self {
        SignaturesGate { config }
    }
}

impl Gate for SignaturesGate {
    fn name(&self) -> &'static str {
        NAME
    }

    fn required(&self) -> bool {
        self.config.required
    }

    fn timeout(&self) -> std::time::Duration {
        self.config.timeout
    }

    fn evaluate(&self, ctx: &GateContext<'_>) -> Result<GateResult, String> {
        let release = ReleaseDir::open(ctx.release).map_err(|e| {
            format!(
                "cannot open release directory {}: {e}",
                ctx.release.display()
            )
        })?;
        let keys = &ctx.policy.trust.artifact_keys;
        let mut out = GateResult::default();

        let sums_name = normalize(&self.config.sums.to_string_lossy());
        let sums_bytes = match release.resolve(&sums_name) {
            Resolved::File(path) => read_small(&path, caps::SUMS)?,
            other => {
                return Err(format!(
                    "sums file `{sums_name}` in {}: {}; publish it or set `sums` in [gates.signatures]",
                    ctx.release.display(),
                    describe(&other)
                ));
            }
        };
        out.evidence.push(evidence_of(&sums_name, &sums_bytes));

        let sig_name = normalize(&self.config.sums_signature.to_string_lossy());
        if self.config.require_sums_signature {
            let sums = (sums_name.as_str(), sums_bytes.as_slice());
            self.check_sums_signature(&release, keys, sums, &sig_name, &mut out)?;
        }

        let text = String::from_utf8(sums_bytes)
            .map_err(|_| format!("sums file `{sums_name}` is not UTF-8 text"))?;
        let parsed = sums::parse(&text);
        for bad in &parsed.malformed {
            out.findings.push(
                Finding::error(
                    "sig.malformed-line",
                    format!("{sums_name} line {}: {}", bad.line, bad.reason),
                )
                .at(&sums_name, Some(bad.line))
                .hint("regenerate the file with `sha256sum FILE... > SHA256SUMS`"),
            );
        }
        let entries = unique_entries(&parsed, &sums_name, &mut out.findings);
        if entries.is_empty() {
            out.findings.push(
                Finding::error(
                    "sig.no-artifacts",
                    format!("{sums_name} lists no artifacts"),
                )
                .at(&sums_name, None)
                .hint("a release needs at least one artifact listed in its sums file"),
            );
        }

        let checks: Vec<artifact::ArtifactOutcome> = entries
            .par_iter()
            .map(|entry| artifact::check(ctx, &release, &self.config, keys, entry, &sums_name))
            .collect();
        let listed: HashSet<String> = entries.iter().map(|e| normalize(&e.name)).collect();
        for check in checks {
            out.findings.extend(check.findings);
            out.evidence.extend(check.evidence);
            out.subjects.extend(check.subject);
        }

        let listing = release.list().map_err(|e| {
            format!(
                "cannot list release directory {}: {e}",
                ctx.release.display()
            )
        })?;
        let names = Names {
            sums: &sums_name,
            signature: &sig_name,
            listed: &listed,
        };
        let examined = self.examined_elsewhere(&names);
        for name in listing {
            out.findings
                .extend(unlisted_or_special(&release, &name, &names, &examined));
        }
        let mut signatures = Vec::new();
        if self.config.require_sums_signature {
            signatures.push(sig_name.clone());
        }
        if self.config.artifact_signatures != ArtifactSignatures::Ignore {
            signatures.extend(
                entries
                    .iter()
                    .map(|e| format!("{}.minisig", normalize(&e.name))),
            );
        }
        out.findings
            .extend(revoked::findings(ctx, &release, &signatures)?);
        out.evidence.sort();
        Ok(out)
    }
}

/// The release's names the gate treats specially.
struct Names<'a> {
    sums: &'a str,
    /// The configured sums signature (exempt from listing even when not required).
    signature: &'a str,
    listed: &'a HashSet<String>,
}

impl Names<'_> {
    /// Only the sums file, its configured signature and `<listed artifact>.minisig` need no
    /// line in the sums file; any other `*.minisig` (a stray `evil.minisig`) is unlisted.
    fn exempt(&self, name: &str) -> bool {
        name == self.sums
            || name == self.signature
            || name
                .strip_suffix(".minisig")
                .is_some_and(|artifact| self.listed.contains(artifact))
    }
}

impl SignaturesGate {
    /// Names whose kind another check already resolved and reported on.
    fn examined_elsewhere(&self, names: &Names<'_>) -> HashSet<String> {
        let mut examined: HashSet<String> = names.listed.clone();
        examined.insert(names.sums.to_owned());
        if self.config.require_sums_signature {
            examined.insert(names.signature.to_owned());
        }
        if self.config.artifact_signatures != config::ArtifactSignatures::Ignore {
            examined.extend(names.listed.iter().map(|n| format!("{n}.minisig")));
        }
        examined
    }
}

/// The finding for one name of the directory listing: a special file or a symlink leaving
/// the release (never opened), or a regular file the sums file does not list.
fn unlisted_or_special(
    release: &ReleaseDir,
    name: &str,
    names: &Names<'_>,
    examined: &HashSet<String>,
) -> Option<Finding> {
    if !examined.contains(name) {
        match release.resolve(name) {
            Resolved::File(_) => {}
            Resolved::Escapes(why) => return Some(escape_finding(name, why)),
            Resolved::NotAFile(kind) => return Some(special_finding(name, kind)),
            Resolved::Missing => return Some(special_finding(name, "a symlink to nothing")),
        }
    }
    if names.exempt(name) || names.listed.contains(name) {
        return None;
    }
    let sums_name = names.sums;
    let why = if name.ends_with(".minisig") {
        " (a signature is exempt only beside an artifact the sums file lists)"
    } else {
        ""
    };
    Some(
        Finding::error(
            "sig.unlisted-file",
            format!("{name} is in the release directory but not in {sums_name}{why}"),
        )
        .subject(name)
        .hint(format!(
            "list it in {sums_name}, or remove it from the release"
        )),
    )
}

/// A release name that is not a regular file, or a symlink to one that is not.
fn special_finding(name: &str, kind: &str) -> Finding {
    Finding::error(
        "sig.special-file",
        format!("`{name}` is {kind}, not a regular file; tollgate does not read it"),
    )
    .subject(name)
    .hint("publish regular files only: remove it, or replace the link with the file itself")
}

impl SignaturesGate {
    fn check_sums_signature(
        &self,
        release: &ReleaseDir,
        keys: &[TrustedKey],
        (sums_name, sums_bytes): (&str, &[u8]),
        sig_name: &str,
        out: &mut GateResult,
    ) -> Result<(), String> {
        let sig_path = match release.resolve(sig_name) {
            Resolved::File(path) => path,
            Resolved::Escapes(why) => {
                out.findings.push(escape_finding(sig_name, why));
                return Ok(());
            }
            Resolved::NotAFile(kind) => {
                out.findings.push(special_finding(sig_name, kind));
                return Ok(());
            }
            Resolved::Missing => {
                out.findings.push(
                    Finding::error(
                        "sig.sums-signature-missing",
                        format!("signature over {sums_name}: {sig_name} is missing"),
                    )
                    .subject(sums_name)
                    .hint(format!("sign it: minisign -S -s KEY -m {sums_name}")),
                );
                return Ok(());
            }
        };
        let sig_bytes = read_small(&sig_path, caps::SIGNATURE)?;
        out.evidence.push(evidence_of(sig_name, &sig_bytes));
        match parse_signature(&sig_bytes, sig_name, sums_name) {
            Ok(file) => {
                let check = file.check_bytes(keys, sums_bytes, self.config.allow_legacy);
                out.findings
                    .extend(findings::finding(&check, sums_name, sig_name, keys));
            }
            Err(finding) => out.findings.push(*finding),
        }
        Ok(())
    }
}

/// A name as the release listing spells it: `/`-separated, without `./` segments.
fn normalize(name: &str) -> String {
    name.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn describe(resolved: &Resolved) -> String {
    ReleaseDir::describe(resolved)
}

/// Read a small evidence file (sums, signature) whole: a regular file within `cap`.
fn read_small(path: &Path, cap: Cap) -> Result<Vec<u8>, String> {
    crate::bounded::read_capped(path, cap).map_err(|e| e.describe(path))
}

fn evidence_of(name: &str, bytes: &[u8]) -> Evidence {
    Evidence {
        path: name.to_owned(),
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
    }
}

fn escape_finding(name: &str, why: &str) -> Finding {
    Finding::error(
        "sig.path-escape",
        format!("`{name}` points outside the release directory: {why}"),
    )
    .subject(name)
    .hint("list artifacts by plain relative names inside the release directory")
}

/// Parse a `.minisig` file, or the finding that says why it cannot be.
fn parse_signature(
    bytes: &[u8],
    sig_name: &str,
    subject: &str,
) -> Result<SignatureFile, Box<Finding>> {
    std::str::from_utf8(bytes)
        .map_err(|_| "not UTF-8 text".to_owned())
        .and_then(SignatureFile::parse)
        .map_err(|reason| {
            Box::new(
                Finding::error(
                    "sig.signature-malformed",
                    format!("{sig_name} is not a minisign signature: {reason}"),
                )
                .subject(subject)
                .at(sig_name, None)
                .hint("regenerate it with minisign -S"),
            )
        })
}

/// The first entry for each name; later ones are reported as duplicates.
fn unique_entries(
    parsed: &ParsedSums,
    sums_name: &str,
    findings: &mut Vec<Finding>,
) -> Vec<SumsEntry> {
    let mut first: HashMap<String, &SumsEntry> = HashMap::new();
    let mut unique = Vec::new();
    for entry in &parsed.entries {
        let key = normalize(&entry.name);
        match first.get(&key) {
            Some(earlier) => {
                let conflict = if earlier.sha256 == entry.sha256 {
                    ""
                } else {
                    " with a different digest"
                };
                findings.push(
                    Finding::error(
                        "sig.duplicate-entry",
                        format!(
                            "{sums_name} line {} lists `{}` again{conflict} (first on line {})",
                            entry.line, entry.name, earlier.line
                        ),
                    )
                    .subject(&entry.name)
                    .at(sums_name, Some(entry.line))
                    .hint("list each artifact exactly once"),
                );
            }
            None => {
                first.insert(key, entry);
                unique.push(entry.clone());
            }
        }
    }
    unique
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(SignaturesGate::new(config))
}

/// Whether `audit replay` can re-run this gate from the ledger alone (see
/// `crate::ledger::replay::rules`).
pub fn replayable(
    _stored: Option<&crate::report::GateReport>,
    _facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    Err(
        "artifacts are not stored (only their digests), so their signatures cannot be re-verified"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests;

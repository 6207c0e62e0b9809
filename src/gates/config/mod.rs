//! The config gate: each node configuration file of the release (or repository) matches its
//! pinned digest or its documented reference, carries no marker of another network, and all
//! of them are for one network (no mixed profile). Each file's digest goes into the verdict
//! and the provenance (`configs`).

// Every gate's table is `<gate>::config` (the registry's contract); this gate is named config.
#[allow(clippy::module_inception)]
pub mod config;
mod diff;
pub mod init;
mod networks;
mod parse;
mod security;

pub use config::Config;

use super::{Gate, GateContext, GateResult};
use crate::policy::Environment;
use crate::report::{Evidence, Finding};
use config::{Base, ConfigFile};
use networks::Family;
use std::collections::BTreeSet;
use std::path::Path;

pub const NAME: &str = "config";

/// What the gate checks, for `tollgate gates`.
pub const SUMMARY: &str =
    "node config files match their pinned digest or documented reference, for this network only";

pub struct ConfigGate {
    config: Config,
}

impl Gate for ConfigGate {
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
        let environment = ctx.policy.environment;
        let mut out = GateResult::default();
        let mut profiles: Vec<(String, BTreeSet<Environment>)> = Vec::new();
        for file in &self.config.files {
            let base = match file.base {
                Base::Release => ctx.release,
                Base::Repo => ctx.repo,
            };
            if let Some(networks) = self.check_file(file, base, environment, &mut out)? {
                profiles.push((file.path.clone(), networks));
            }
        }
        let all: BTreeSet<Environment> = profiles
            .iter()
            .flat_map(|(_, n)| n.iter().copied())
            .collect();
        if all.len() > 1 {
            let listing: Vec<String> = profiles
                .iter()
                .map(|(path, networks)| {
                    let names: Vec<&str> = networks.iter().map(|n| n.as_str()).collect();
                    format!("{path}: {}", names.join(" + "))
                })
                .collect();
            out.findings.push(
                Finding::error(
                    "config.mixed-profile",
                    format!(
                        "the {environment} release carries configuration for more than one network ({})",
                        listing.join("; ")
                    ),
                )
                .hint(format!("ship only {environment} configuration: one pinned profile per environment")),
            );
        }
        Ok(out)
    }
}

impl ConfigGate {
    /// Check one file; its networks (for the mixed-profile check), or `None` when it could
    /// not be read (already a finding).
    fn check_file(
        &self,
        file: &ConfigFile,
        base: &Path,
        environment: Environment,
        out: &mut GateResult,
    ) -> Result<Option<BTreeSet<Environment>>, String> {
        let path = &file.path;
        let missing = |why: String| {
            Finding::error("config.missing", why)
                .subject(path)
                .at(path, None)
                .hint("ship the node configuration in the release, or fix `path` (and `base`) in [gates.config]")
        };
        let full = base.join(path);
        let inside = match (full.canonicalize(), base.canonicalize()) {
            (Ok(f), Ok(b)) => f.starts_with(b),
            _ => true, // the read below reports the missing file
        };
        if !inside {
            out.findings.push(missing(format!(
                "{path} leads out of {} (a symlink?)",
                base.display()
            )));
            return Ok(None);
        }
        let bytes = match crate::bounded::read_capped(&full, crate::bounded::caps::NODE_CONFIG) {
            Ok(bytes) => bytes,
            Err(e) => {
                out.findings.push(missing(e.describe(&full)));
                return Ok(None);
            }
        };
        let evidence = Evidence {
            path: path.clone(),
            sha256: crate::digest::sha256_hex(&bytes),
            size: bytes.len() as u64,
        };
        if let Some(pinned) = &file.sha256
            && *pinned != evidence.sha256
        {
            out.findings.push(
                Finding::error(
                    "config.digest-mismatch",
                    format!(
                        "{path} has sha256 {}; the policy pins {pinned}",
                        evidence.sha256
                    ),
                )
                .subject(path)
                .at(path, None)
                .hint("if the change is intended, review it and pin the new digest in the policy"),
            );
        }
        // Bound by digest in the verdict and provenance; the bytes go into the gate's evidence
        // (which the ledger stores) only once parsed and known to hold no secret.
        out.configs.push(evidence.clone());
        let unparsable = |why: String| {
            Finding::error("config.unparsable", format!("{path}: {why}"))
                .subject(path)
                .at(path, None)
        };
        let Ok(text) = String::from_utf8(bytes) else {
            out.findings.push(unparsable("not UTF-8 text".to_owned()));
            return Ok(None);
        };
        let settings = match parse::parse(&text, file.format) {
            Ok(s) => s,
            Err(why) => {
                out.findings.push(unparsable(why));
                return Ok(None);
            }
        };
        if holds_secrets(&settings) {
            // Never stored in the ledger; redacted from every log and capture from now on.
            for s in settings.iter().filter(|s| parse::is_secret(&s.key)) {
                crate::redact::register(&s.value);
                if let Some((_, password)) = s.value.split_once(':') {
                    crate::redact::register(password);
                }
            }
        } else {
            out.evidence.push(evidence);
        }
        let markers = networks::markers(
            file.family,
            &settings,
            &parse::flags(&text),
            &self.config.markers,
        );
        for m in markers.iter().filter(|m| m.network != environment) {
            out.findings.push(
                Finding::error(
                    "config.network-mismatch",
                    format!(
                        "{path}{}: {} marks {}, but this policy is for {environment}",
                        m.line.map(|l| format!(" line {l}")).unwrap_or_default(),
                        m.what,
                        m.network
                    ),
                )
                .subject(path)
                .at(path, m.line.map(|l| l as u64))
                .hint(format!(
                    "ship the {environment} configuration for a {environment} release"
                )),
            );
        }
        if let Some(mode) = self.config.security {
            out.findings
                .extend(security::check(file.family, &settings, path, mode));
        }
        if let Some(reference) = &file.reference {
            self.compare(file, &settings, reference, out)?;
        }
        let mut networks: BTreeSet<Environment> = markers.iter().map(|m| m.network).collect();
        if networks.is_empty() && file.family != Family::Generic {
            // bitcoind and monerod run mainnet unless told otherwise.
            networks.insert(Environment::Mainnet);
        }
        Ok(Some(networks))
    }

    fn compare(
        &self,
        file: &ConfigFile,
        settings: &[parse::Setting],
        reference: &Path,
        out: &mut GateResult,
    ) -> Result<(), String> {
        let bytes = crate::bounded::read_capped(reference, crate::bounded::caps::NODE_CONFIG)
            .map_err(|e| {
                format!(
                    "the reference of {}: {}; fix `reference` in [gates.config]",
                    file.path,
                    e.describe(reference)
                )
            })?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|_| format!("the reference {} is not UTF-8 text", reference.display()))?;
        let format = parse::Format::of(&reference.to_string_lossy());
        let expected = parse::parse(&text, format)
            .map_err(|e| format!("the reference {}: {e}", reference.display()))?;
        if !holds_secrets(&expected) {
            out.evidence.push(Evidence {
                path: reference.to_string_lossy().into_owned(),
                sha256: crate::digest::sha256_hex(&bytes),
                size: bytes.len() as u64,
            });
        }
        let reference_name = reference.to_string_lossy();
        for d in diff::diff(settings, &expected) {
            out.findings.push(
                Finding::error(
                    "config.undocumented-change",
                    format!("{}: {} ({reference_name})", file.path, d.message),
                )
                .subject(format!("{}:{}", file.path, d.key))
                .at(&file.path, d.line.map(|l| l as u64))
                .hint(
                    "document the change in the reference file (reviewed like code), or revert it",
                ),
            );
        }
        Ok(())
    }
}

/// Whether a parsed file sets a secret (a password, a login): such a file is bound by digest
/// only, never stored as evidence.
fn holds_secrets(settings: &[parse::Setting]) -> bool {
    settings
        .iter()
        .any(|s| parse::is_secret(&s.key) && !s.value.is_empty())
}

/// The gate, ready to run (see `super::registry`).
pub fn build(config: Config) -> Box<dyn super::Gate> {
    Box::new(ConfigGate { config })
}

/// Whether `audit replay` can re-run this gate from the ledger alone.
pub fn replayable(
    stored: Option<&crate::report::GateReport>,
    facts: &crate::ledger::replay::rules::Facts<'_>,
) -> Result<(), String> {
    crate::ledger::replay::rules::evidence_complete(NAME, stored, facts)
}

#[cfg(test)]
mod tests;

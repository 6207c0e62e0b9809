//! The report formats the audit gate reads, recognised by content (never by file name):
//! cargo-audit JSON, cargo-deny JSON lines and osv-scanner JSON.

mod cargo_audit;
mod cargo_deny;
mod osv_scanner;

use super::advisory::Advisory;
use serde::Deserialize;
use std::fmt;
use time::OffsetDateTime;

/// A RustSec advisory's metadata, as cargo-audit and cargo-deny both embed it.
#[derive(Debug, Deserialize)]
struct RustsecMetadata {
    id: String,
    title: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    cvss: Option<String>,
    informational: Option<String>,
    withdrawn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CargoAudit,
    CargoDeny,
    OsvScanner,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CargoAudit => "cargo-audit",
            Format::CargoDeny => "cargo-deny",
            Format::OsvScanner => "osv-scanner",
        })
    }
}

/// What a report says, normalised.
#[derive(Debug, Default)]
pub struct Parsed {
    pub advisories: Vec<Advisory>,
    /// When the report was made, if the format records it.
    pub generated_at: Option<OffsetDateTime>,
    /// How many packages the audited lockfile held (cargo-audit only).
    pub dependency_count: Option<usize>,
    /// The lockfiles the report says it scanned (osv-scanner's `results[].source.path`).
    pub lockfiles: Vec<String>,
    /// Packages the report lists as `(name, version)` (osv-scanner, crates.io ones).
    pub packages: Vec<(String, String)>,
    /// The report shows no sign of having scanned anything: no packages counted, no lockfile
    /// named. An audit of nothing finds nothing, which proves nothing.
    pub scanned_nothing: bool,
    /// Ways the tool was told to hide advisories (ignore lists, severity floors): waivers
    /// belong in the policy, where they have an owner and an expiry.
    pub filters: Vec<String>,
    /// Problems the tool itself reported (it could not check something).
    pub tool_errors: Vec<String>,
}

/// Why a file could not be read as a report.
#[derive(Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Nothing but whitespace.
    Empty,
    /// Not one of the formats, or malformed; the reason says which.
    Unrecognised(String),
}

/// Recognise a report's format from its content and parse it.
pub fn parse(bytes: &[u8]) -> Result<(Format, Parsed), Unreadable> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Unreadable::Unrecognised(format!("it is not UTF-8 text ({e})")))?;
    if text.trim().is_empty() {
        return Err(Unreadable::Empty);
    }
    let unrecognised = |why: String| Unreadable::Unrecognised(why);
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => match classify(&value) {
            Some(Format::CargoAudit) => cargo_audit::parse(value)
                .map(|p| (Format::CargoAudit, p))
                .map_err(unrecognised),
            Some(Format::OsvScanner) => osv_scanner::parse(value)
                .map(|p| (Format::OsvScanner, p))
                .map_err(unrecognised),
            // A cargo-deny run that printed a single line is one JSON object.
            Some(Format::CargoDeny) => cargo_deny::parse(text)
                .map(|p| (Format::CargoDeny, p))
                .map_err(unrecognised),
            None => Err(unrecognised(
                "it is JSON, but not a cargo-audit report (no `lockfile` and `vulnerabilities`), \
                 not osv-scanner output (no `results`) and not a cargo-deny line (no `type` and `fields`)"
                    .to_owned(),
            )),
        },
        Err(whole) if cargo_deny::looks_like(text) => cargo_deny::parse(text)
            .map(|p| (Format::CargoDeny, p))
            .map_err(|e| unrecognised(format!("{e} (as one JSON document: {whole})"))),
        Err(e) => Err(unrecognised(format!(
            "it is neither a JSON document nor cargo-deny JSON lines ({e})"
        ))),
    }
}

fn classify(value: &serde_json::Value) -> Option<Format> {
    let object = value.as_object()?;
    if object.contains_key("lockfile") && object.contains_key("vulnerabilities") {
        Some(Format::CargoAudit)
    } else if object.get("results").is_some_and(|r| r.is_array()) {
        Some(Format::OsvScanner)
    } else if object.contains_key("type") && object.contains_key("fields") {
        Some(Format::CargoDeny)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;

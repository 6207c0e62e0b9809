//! `cargo deny --format json check advisories` (written to stderr): one JSON object per line,
//! `{"type": "diagnostic" | "log" | "summary", "fields": {...}}`. Advisory diagnostics carry
//! the full RustSec metadata, whatever their severity: an advisory ignored in deny.toml is
//! still listed (as a note), so the policy, not deny.toml, decides. Log lines carry
//! timestamps; the report's time is that of its last log line.

use super::Parsed;
use super::RustsecMetadata as Metadata;
use crate::gates::audit::advisory::{Advisory, Kind, Rating};
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    fields: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct Diagnostic {
    code: Option<String>,
    #[serde(default)]
    message: String,
    advisory: Option<Metadata>,
    #[serde(default)]
    graphs: Vec<Graph>,
}

#[derive(Debug, Deserialize)]
struct Graph {
    #[serde(rename = "Krate")]
    krate: Krate,
}

#[derive(Debug, Deserialize)]
struct Krate {
    name: String,
    version: String,
}

#[derive(Debug, Deserialize)]
struct Log {
    level: String,
    #[serde(default)]
    message: String,
    timestamp: Option<String>,
}

/// Diagnostic codes that mean cargo-deny could not check something.
const FAILURE_CODES: &[&str] = &["index-failure", "index-cache-load-failure"];

/// Whether `text` looks like cargo-deny JSON lines (its first line is a typed object).
pub fn looks_like(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<Line>(l).ok())
        .is_some()
}

/// Parse cargo-deny JSON lines.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut summary = false;
    for (index, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let at = |e: serde_json::Error| format!("line {}: {e}", index + 1);
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            format!(
                "{}; cargo-deny JSON lines are one JSON object per line",
                at(e)
            )
        })?;
        match line.kind.as_str() {
            "diagnostic" => {
                let diagnostic: Diagnostic = serde_json::from_value(line.fields).map_err(at)?;
                read_diagnostic(diagnostic, &mut parsed)?;
            }
            "log" => {
                let log: Log = serde_json::from_value(line.fields).map_err(at)?;
                read_log(log, index + 1, &mut parsed)?;
            }
            "summary" => summary = true,
            _ => {}
        }
    }
    // cargo-deny prints its summary last; without it the run stopped part-way.
    if !summary {
        parsed
            .tool_errors
            .push("no summary line: cargo-deny did not finish the check".to_owned());
    }
    Ok(parsed)
}

fn read_diagnostic(diagnostic: Diagnostic, parsed: &mut Parsed) -> Result<(), String> {
    let code = diagnostic.code.as_deref().unwrap_or("");
    if FAILURE_CODES.contains(&code) {
        parsed.tool_errors.push(diagnostic.message);
        return Ok(());
    }
    let krate = diagnostic.graphs.first().map(|g| &g.krate);
    match (diagnostic.advisory, code, krate) {
        (Some(meta), _, Some(krate)) => {
            if meta.withdrawn.is_some() {
                return Ok(());
            }
            let kind = match code.parse::<Kind>() {
                Ok(kind) if kind != Kind::Yanked => kind,
                _ => Kind::from_informational(meta.informational.as_deref()),
            };
            let rating = Rating::first_known([Rating::from_vectors(meta.cvss.as_deref())]);
            parsed.advisories.push(
                Advisory {
                    id: meta.id,
                    aliases: Vec::new(),
                    package: krate.name.clone(),
                    version: krate.version.clone(),
                    kind,
                    title: meta.title,
                    rating,
                }
                .with_aliases(meta.aliases),
            );
        }
        (None, "yanked", Some(krate)) => parsed.advisories.push(Advisory {
            id: format!("{}@{}", krate.name, krate.version),
            aliases: Vec::new(),
            package: krate.name.clone(),
            version: krate.version.clone(),
            kind: Kind::Yanked,
            title: None,
            rating: Rating::Unknown {
                why: "a yanked crate has no advisory".to_owned(),
            },
        }),
        (Some(meta), _, None) => {
            return Err(format!(
                "the diagnostic for {} names no crate (no `graphs`)",
                meta.id
            ));
        }
        // Other checks' diagnostics (bans, licenses, sources) and notes about deny.toml.
        _ => {}
    }
    Ok(())
}

fn read_log(log: Log, line: usize, parsed: &mut Parsed) -> Result<(), String> {
    if let Some(stamp) = &log.timestamp {
        let at = OffsetDateTime::parse(stamp, &Rfc3339)
            .map_err(|e| format!("line {line}: timestamp {stamp:?} is not RFC 3339 ({e})"))?;
        if parsed.generated_at.is_none_or(|t| at > t) {
            parsed.generated_at = Some(at);
        }
    }
    if log.level.eq_ignore_ascii_case("error") {
        parsed.tool_errors.push(log.message.trim().to_owned());
    }
    Ok(())
}

//! The evidence files of one health check or endpoint: `<stem>.request.json` (what was
//! asked, of whom, at which evaluation time, and the HTTP status) and `<stem>.response`
//! (the raw bytes that came back), both reported as the gate's evidence.

use super::config::{Check, Endpoint, redacted_url};
use crate::report::Evidence;
use serde::{Deserialize, Serialize};
use std::path::Path;
use time::OffsetDateTime;

/// Suffix of a request record.
pub const REQUEST: &str = ".request.json";
/// Suffix of a raw response.
pub const RESPONSE: &str = ".response";

/// `check-01-uptime-over-30-days`: ordered, readable, safe as a file name.
pub fn stem(kind: &str, index: usize, name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(60).collect();
    format!("{kind}-{:02}-{slug}", index + 1)
}

/// What a check asked. No floats (canonical JSON): the expectation is kept as text.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckRequest {
    pub check: String,
    /// The query as sent (placeholders filled in).
    pub query: String,
    pub expect: String,
    pub min_series: u64,
    /// The Prometheus base URL, without credentials.
    pub prometheus: String,
    /// The evaluation time sent as `time=`.
    pub time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Why no response came back (unreachable, timed out), when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CheckRequest {
    pub fn new(
        check: &Check,
        query: &str,
        base: &reqwest::Url,
        now: OffsetDateTime,
        http_status: Option<u16>,
        error: Option<&str>,
    ) -> CheckRequest {
        CheckRequest {
            check: check.name.clone(),
            query: query.to_owned(),
            expect: check.expect.to_string(),
            min_series: check.min_series as u64,
            prometheus: redacted_url(base),
            time: crate::verdict::rfc3339(now),
            http_status,
            error: error.map(str::to_owned),
        }
    }
}

/// What an endpoint check asked.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EndpointRequest {
    pub endpoint: String,
    pub url: String,
    pub assertions: Vec<String>,
    pub time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
}

impl EndpointRequest {
    pub fn new(endpoint: &Endpoint, now: OffsetDateTime, http_status: Option<u16>) -> Self {
        EndpointRequest {
            endpoint: endpoint.name.clone(),
            url: endpoint.url.clone(),
            assertions: endpoint.assertions.iter().map(|a| a.text.clone()).collect(),
            time: crate::verdict::rfc3339(now),
            http_status,
        }
    }
}

/// Write the request record and the raw response (when there is one) and list both as
/// evidence. Known secrets are redacted from the record; the response is kept byte for
/// byte (its digest is what the verdict binds), unless it echoes a secret.
pub fn write<T: Serialize>(
    stem: &Path,
    request: &T,
    response: Option<&[u8]>,
    evidence: &mut Vec<Evidence>,
) -> Result<(), String> {
    let bytes = crate::canonical::to_vec(request, crate::canonical::Layout::Indented)
        .map_err(|e| format!("cannot serialise a health request record: {e}"))?;
    let redactor = crate::redact::current();
    put(
        &with_suffix(stem, REQUEST),
        &redactor.bytes(&bytes),
        evidence,
    )?;
    if let Some(body) = response {
        put(
            &with_suffix(stem, RESPONSE),
            &redactor.bytes(body),
            evidence,
        )?;
    }
    Ok(())
}

fn with_suffix(stem: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn put(path: &Path, bytes: &[u8], evidence: &mut Vec<Evidence>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    evidence.push(Evidence {
        path: path.to_string_lossy().into_owned(),
        sha256: crate::digest::sha256_hex(bytes),
        size: bytes.len() as u64,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn stems_are_safe_names() {
        assert_eq!(
            super::stem("check", 0, "Uptime over 30 days!"),
            "check-01-uptime-over-30-days"
        );
        assert_eq!(super::stem("endpoint", 11, "../x"), "endpoint-12-x");
    }
}

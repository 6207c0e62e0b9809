//! One snapshot log entry: its JSON form, its validation, and the bytes an operator signs.
//!
//! The metadata fields are optional in the JSON so that an entry written by hand without
//! them still reads (the gate reports it as incomplete, naming the fields); `tollgate
//! snapshot record` always writes them all.

use crate::verdict::{canonical_json, parse_rfc3339};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotKind {
    /// The whole chain data (blocks and state).
    Full,
    /// The chain state only (UTXO set, account state).
    State,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Full => "full",
            SnapshotKind::State => "state",
        }
    }
}

/// A snapshot log line as written (JSON, unknown fields refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotEntry {
    pub kind: SnapshotKind,
    /// Chain height the snapshot was taken at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Chain tip hash at that height (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// When the snapshot was created (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Where the snapshot is kept: a URL off the node (s3://, https://, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// SHA-256 of the snapshot file (lower-case hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A minisign signature (the whole `.minisig` text) over `signed_bytes` of this entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// An entry whose present fields have the right form.
#[derive(Debug, Clone)]
pub struct ValidSnapshot {
    pub entry: SnapshotEntry,
    pub created_at: Option<OffsetDateTime>,
    /// 1-based line in the log.
    pub line: usize,
}

impl ValidSnapshot {
    /// The metadata fields this entry lacks (height, tip, created_at, location, sha256, size).
    pub fn missing(&self) -> Vec<&'static str> {
        let e = &self.entry;
        [
            ("height", e.height.is_none()),
            ("tip", e.tip.is_none()),
            ("created_at", e.created_at.is_none()),
            ("location", e.location.is_none()),
            ("sha256", e.sha256.is_none()),
            ("size", e.size.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect()
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl SnapshotEntry {
    /// Check the form of every field present; the message names the field.
    pub fn validate(self, line: usize) -> Result<ValidSnapshot, String> {
        if let Some(tip) = &self.tip
            && !(is_hex(tip) && tip.len() <= 128)
        {
            return Err(format!(
                "`tip` {tip:?} is not a block hash (hex, up to 128 digits)"
            ));
        }
        if let Some(sha) = &self.sha256
            && !(sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            return Err(format!("`sha256` {sha:?} is not 64 lower-case hex digits"));
        }
        if self.size == Some(0) {
            return Err("`size` is 0: a snapshot is never empty".to_owned());
        }
        if let Some(location) = &self.location
            && (location.trim().is_empty() || location.chars().any(char::is_control))
        {
            return Err(format!(
                "`location` {location:?} is empty or has control characters"
            ));
        }
        let created_at = self
            .created_at
            .as_deref()
            .map(|text| {
                parse_rfc3339(text)
                    .ok_or_else(|| format!("`created_at` {text:?} is not an RFC 3339 time"))
            })
            .transpose()?;
        Ok(ValidSnapshot {
            entry: self,
            created_at,
            line,
        })
    }
}

/// The bytes an operator signs: the entry's canonical JSON without its signature.
pub fn signed_bytes(entry: &SnapshotEntry) -> Vec<u8> {
    let mut unsigned = entry.clone();
    unsigned.signature = None;
    canonical_json(&unsigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entry() -> SnapshotEntry {
        SnapshotEntry {
            kind: SnapshotKind::Full,
            height: Some(812_345),
            tip: Some("00ab".repeat(16)),
            created_at: Some("2026-11-20T00:00:00Z".into()),
            location: Some("s3://backups/full-812345.tar".into()),
            sha256: Some("a".repeat(64)),
            size: Some(1024),
            signature: None,
        }
    }

    #[test]
    fn a_complete_entry_is_valid_and_misses_nothing() {
        let valid = entry().validate(2).unwrap();
        assert!(valid.missing().is_empty());
        assert_eq!(valid.line, 2);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Breaker = fn(&mut SnapshotEntry);
        let cases: [(Breaker, &str); 5] = [
            (|e| e.tip = Some("not-hex".into()), "`tip`"),
            (|e| e.sha256 = Some("ABC".into()), "`sha256`"),
            (|e| e.size = Some(0), "`size`"),
            (|e| e.location = Some(" ".into()), "`location`"),
            (|e| e.created_at = Some("monday".into()), "`created_at`"),
        ];
        for (break_it, expected) in cases {
            let mut e = entry();
            break_it(&mut e);
            let error = e.validate(1).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn missing_fields_are_listed_not_refused() {
        let mut e = entry();
        e.tip = None;
        e.size = None;
        assert_eq!(e.validate(1).unwrap().missing(), ["tip", "size"]);
    }

    #[test]
    fn signed_bytes_ignore_the_signature() {
        let mut signed = entry();
        signed.signature = Some("sig".into());
        assert_eq!(signed_bytes(&signed), signed_bytes(&entry()));
    }
}

//! One drill log entry: its JSON form, its validation, and the bytes an operator signs.

use crate::verdict::{canonical_json, parse_rfc3339};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrillResult {
    Pass,
    Fail,
}

/// A drill log line as written (JSON, unknown fields refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillEntry {
    pub kind: String,
    pub started_at: String,
    pub finished_at: String,
    pub result: DrillResult,
    /// Recovery time measured in the drill, as a duration ("1h 20m").
    pub rto: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<String>,
    /// For a restore drill: the height of the snapshot it restored (the snapshots gate's
    /// continuity check reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_height: Option<u64>,
    pub operator: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// A minisign signature (the whole `.minisig` text) over `signed_bytes` of this entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// An entry whose times and durations parsed.
#[derive(Debug, Clone)]
pub struct ValidEntry {
    pub entry: DrillEntry,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
    pub rto: Duration,
    /// 1-based line in the log.
    pub line: usize,
}

impl DrillEntry {
    /// Check every field's form; the message names the field and what is wrong.
    pub fn validate(self, line: usize) -> Result<ValidEntry, String> {
        if !super::is_valid_kind(&self.kind) {
            return Err(format!(
                "`kind` {:?} is not a lower-case kebab-case name",
                self.kind
            ));
        }
        let time = |field: &str, text: &str| {
            parse_rfc3339(text).ok_or_else(|| format!("`{field}` {text:?} is not an RFC 3339 time"))
        };
        let started_at = time("started_at", &self.started_at)?;
        let finished_at = time("finished_at", &self.finished_at)?;
        if finished_at < started_at {
            return Err("`finished_at` is before `started_at`".to_owned());
        }
        let rto = humantime::parse_duration(&self.rto)
            .map_err(|e| format!("`rto` {:?} is not a duration: {e}", self.rto))?;
        if self.operator.trim().is_empty() {
            return Err("`operator` must name who ran the drill".to_owned());
        }
        Ok(ValidEntry {
            entry: self,
            started_at,
            finished_at,
            rto,
            line,
        })
    }
}

/// The bytes an operator signs: the entry's canonical JSON without its signature.
pub fn signed_bytes(entry: &DrillEntry) -> Vec<u8> {
    let mut unsigned = entry.clone();
    unsigned.signature = None;
    canonical_json(&unsigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> DrillEntry {
        DrillEntry {
            kind: "restore".into(),
            started_at: "2026-11-01T10:00:00Z".into(),
            finished_at: "2026-11-01T11:30:00Z".into(),
            result: DrillResult::Pass,
            rto: "1h 30m".into(),
            height: Some(812_345),
            tip: None,
            restored_height: None,
            operator: "alice".into(),
            notes: String::new(),
            signature: None,
        }
    }

    #[test]
    fn valid_entry_parses_times_and_rto() {
        let valid = entry().validate(3).unwrap();
        assert_eq!(valid.rto, Duration::from_secs(5400));
        assert_eq!(valid.line, 3);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Breaker = fn(&mut DrillEntry);
        let cases: [(Breaker, &str); 5] = [
            (|e| e.kind = "Restore!".into(), "`kind`"),
            (|e| e.started_at = "yesterday".into(), "`started_at`"),
            (|e| e.finished_at = "2026-10-01T00:00:00Z".into(), "before"),
            (|e| e.rto = "fast".into(), "`rto`"),
            (|e| e.operator = " ".into(), "`operator`"),
        ];
        for (break_it, expected) in cases {
            let mut e = entry();
            break_it(&mut e);
            let error = e.validate(1).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn signed_bytes_ignore_the_signature() {
        let mut signed = entry();
        signed.signature = Some("sig".into());
        assert_eq!(signed_bytes(&signed), signed_bytes(&entry()));
    }
}

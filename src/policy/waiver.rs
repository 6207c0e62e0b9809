//! Waivers: a named person's time-limited acceptance of a specific finding.

use serde::Serialize;
use time::OffsetDateTime;

/// What a waiver covers within its gate: a finding code, a subject id, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// When a waiver stops applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiverExpiry {
    /// The first instant at which the waiver is void.
    pub void_from: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub gate: String,
    #[serde(flatten)]
    pub matches: WaiverMatch,
    pub reason: String,
    pub owner: String,
    /// As written in the policy (a date means "through the end of that day, UTC").
    pub expires: String,
    #[serde(skip)]
    pub expiry: WaiverExpiry,
    /// 1-based line of the waiver in the policy file.
    pub line: usize,
}

impl Waiver {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now < self.expiry.void_from
    }

    /// Whether this waiver covers a finding of `gate` with `code` and optional `subject`.
    pub fn covers(&self, gate: &str, code: &str, subject: Option<&str>) -> bool {
        if self.gate != gate {
            return false;
        }
        let code_ok = self.matches.code.as_deref().is_none_or(|c| c == code);
        let id_ok = match self.matches.id.as_deref() {
            None => true,
            Some(id) => subject == Some(id),
        };
        code_ok && id_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn waiver(code: Option<&str>, id: Option<&str>) -> Waiver {
        Waiver {
            gate: "signatures".into(),
            matches: WaiverMatch {
                code: code.map(Into::into),
                id: id.map(Into::into),
            },
            reason: "r".into(),
            owner: "o".into(),
            expires: "2026-12-31".into(),
            expiry: WaiverExpiry {
                void_from: datetime!(2027-01-01 0:00 UTC),
            },
            line: 1,
        }
    }

    #[test]
    fn matching_needs_every_given_field() {
        let by_code = waiver(Some("sig.unlisted-file"), None);
        assert!(by_code.covers("signatures", "sig.unlisted-file", Some("a")));
        assert!(!by_code.covers("signatures", "sig.digest-mismatch", Some("a")));
        assert!(!by_code.covers("audit", "sig.unlisted-file", Some("a")));
        let both = waiver(Some("sig.unlisted-file"), Some("notes.txt"));
        assert!(both.covers("signatures", "sig.unlisted-file", Some("notes.txt")));
        assert!(!both.covers("signatures", "sig.unlisted-file", Some("other")));
        assert!(!both.covers("signatures", "sig.unlisted-file", None));
    }

    #[test]
    fn live_through_the_expiry_day() {
        let w = waiver(Some("x"), None);
        assert!(w.is_live(datetime!(2026-12-31 23:59:59 UTC)));
        assert!(!w.is_live(datetime!(2027-01-01 0:00 UTC)));
    }
}

//! Waivers: a named person's time-limited acceptance of a specific finding.

use crate::report::Finding;
use serde::Serialize;
use time::OffsetDateTime;

/// What a waiver covers within its gate: exactly one finding code, and the one subject
/// (`id`) its findings name, when that code's findings name one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverMatch {
    pub code: String,
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

    /// Whether this waiver covers a finding of `gate`: its `code` must be the finding's, and
    /// its `id` (when given) the finding's subject or one of its aliases.
    pub fn covers(&self, gate: &str, finding: &Finding) -> bool {
        if self.gate != gate {
            return false;
        }
        let code_ok = self.matches.code == finding.code;
        let id_ok = match self.matches.id.as_deref() {
            None => true,
            Some(id) => {
                finding.subject.as_deref() == Some(id) || finding.aliases.iter().any(|a| a == id)
            }
        };
        code_ok && id_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn waiver(code: &str, id: Option<&str>) -> Waiver {
        Waiver {
            gate: "signatures".into(),
            matches: WaiverMatch {
                code: code.into(),
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

    fn finding(code: &str, subject: Option<&str>) -> Finding {
        let f = Finding::error(code, "m");
        match subject {
            Some(s) => f.subject(s),
            None => f,
        }
    }

    #[test]
    fn matching_needs_every_given_field() {
        let by_code = waiver("sig.unlisted-file", None);
        assert!(by_code.covers("signatures", &finding("sig.unlisted-file", Some("a"))));
        assert!(!by_code.covers("signatures", &finding("sig.digest-mismatch", Some("a"))));
        assert!(!by_code.covers("audit", &finding("sig.unlisted-file", Some("a"))));
        let both = waiver("sig.unlisted-file", Some("notes.txt"));
        assert!(both.covers(
            "signatures",
            &finding("sig.unlisted-file", Some("notes.txt"))
        ));
        assert!(!both.covers("signatures", &finding("sig.unlisted-file", Some("other"))));
        assert!(!both.covers("signatures", &finding("sig.unlisted-file", None)));
    }

    /// Issue 10: a waiver for one code never covers another code of the same subject.
    #[test]
    fn a_waiver_covers_its_own_code_only() {
        let w = waiver("sig.signature-missing", Some("app.tar.gz"));
        assert!(w.covers(
            "signatures",
            &finding("sig.signature-missing", Some("app.tar.gz"))
        ));
        assert!(!w.covers(
            "signatures",
            &finding("sig.digest-mismatch", Some("app.tar.gz"))
        ));
    }

    #[test]
    fn id_matches_an_alias() {
        let mut w = waiver("audit.vulnerability", Some("CVE-2020-26235"));
        w.gate = "audit".into();
        let f = finding("audit.vulnerability", Some("RUSTSEC-2020-0071"))
            .aliases(vec!["CVE-2020-26235".into()]);
        assert!(w.covers("audit", &f));
        assert!(!w.covers(
            "audit",
            &finding("audit.vulnerability", Some("RUSTSEC-2020-0071"))
        ));
    }

    #[test]
    fn live_through_the_expiry_day() {
        let w = waiver("x", None);
        assert!(w.is_live(datetime!(2026-12-31 23:59:59 UTC)));
        assert!(!w.is_live(datetime!(2027-01-01 0:00 UTC)));
    }
}

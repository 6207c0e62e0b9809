//! The normalised advisory every report format is read into: id and aliases, package,
//! version, kind, and a severity with where it came from (`Rating`, in `rating.rs`).

pub use super::rating::Rating;
use std::fmt;
use std::str::FromStr;

/// What an advisory says about a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Vulnerability,
    Unmaintained,
    Unsound,
    Yanked,
    Notice,
}

impl Kind {
    pub const INFORMATIONAL: [&'static str; 4] = ["unmaintained", "unsound", "yanked", "notice"];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Unmaintained => "unmaintained",
            Kind::Unsound => "unsound",
            Kind::Yanked => "yanked",
            Kind::Notice => "notice",
        }
    }

    /// The finding code for advisories of this kind.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Vulnerability => "audit.vulnerability",
            Kind::Unmaintained => "audit.unmaintained",
            Kind::Unsound => "audit.unsound",
            Kind::Yanked => "audit.yanked",
            Kind::Notice => "audit.notice",
        }
    }

    /// The kind of a RustSec advisory from its `informational` field (absent: a vulnerability).
    /// An informational value this version does not know is read as a notice.
    pub fn from_informational(informational: Option<&str>) -> Kind {
        match informational {
            None => Kind::Vulnerability,
            Some(text) => text.parse().unwrap_or(Kind::Notice),
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "vulnerability" => Ok(Kind::Vulnerability),
            "unmaintained" => Ok(Kind::Unmaintained),
            "unsound" => Ok(Kind::Unsound),
            "yanked" => Ok(Kind::Yanked),
            "notice" => Ok(Kind::Notice),
            other => Err(format!(
                "unknown advisory kind `{other}`; expected one of: {}",
                Kind::INFORMATIONAL.join(", ")
            )),
        }
    }
}

/// The CVSS qualitative severity scale (identical in v3 and v4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A score of 0.0: no impact.
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// The level of a base score, by the CVSS v3.1 / v4.0 rating scale.
    pub fn from_score(score: f64) -> Level {
        match score {
            s if s >= 9.0 => Level::Critical,
            s if s >= 7.0 => Level::High,
            s if s >= 4.0 => Level::Medium,
            s if s > 0.0 => Level::Low,
            _ => Level::None,
        }
    }

    /// A severity word as reports spell it ("HIGH", "moderate", "Critical").
    pub fn from_word(word: &str) -> Option<Level> {
        match word.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Level::None),
            "low" => Some(Level::Low),
            "medium" | "moderate" => Some(Level::Medium),
            "high" => Some(Level::High),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a policy may name as a threshold or as `unknown_severity`.
impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Level::Low),
            "medium" => Ok(Level::Medium),
            "high" => Ok(Level::High),
            "critical" => Ok(Level::Critical),
            other => Err(format!(
                "unknown severity `{other}`; expected one of: low, medium, high, critical"
            )),
        }
    }
}

/// One advisory against one package version, as a report states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// The advisory id (RUSTSEC-…, GHSA-…); for a yanked crate, `NAME@VERSION`.
    pub id: String,
    /// Other ids of the same advisory (CVE, GHSA), never including `id`.
    pub aliases: Vec<String>,
    pub package: String,
    pub version: String,
    pub kind: Kind,
    pub title: Option<String>,
    pub rating: Rating,
}

impl Advisory {
    /// `aliases` without duplicates and without the id itself, sorted.
    pub fn with_aliases(mut self, aliases: impl IntoIterator<Item = String>) -> Self {
        let mut all: Vec<String> = aliases
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty() && *a != self.id)
            .collect();
        all.sort();
        all.dedup();
        self.aliases = all;
        self
    }

    /// Whether two reports speak of the same advisory against the same package version.
    pub fn same_as(&self, other: &Advisory) -> bool {
        let names_match = self.id == other.id
            || other.aliases.contains(&self.id)
            || self.aliases.contains(&other.id);
        names_match
            && self.kind == other.kind
            && self.package == other.package
            && self.version == other.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_boundaries_follow_the_specification() {
        let cases = [
            (0.0, Level::None),
            (0.1, Level::Low),
            (3.9, Level::Low),
            (4.0, Level::Medium),
            (6.9, Level::Medium),
            (7.0, Level::High),
            (8.9, Level::High),
            (9.0, Level::Critical),
            (10.0, Level::Critical),
        ];
        for (score, level) in cases {
            assert_eq!(Level::from_score(score), level, "{score}");
        }
        assert!(Level::Low < Level::Medium && Level::High < Level::Critical);
    }

    #[test]
    fn kinds_parse_and_unknown_informational_is_a_notice() {
        assert_eq!(Kind::from_informational(None), Kind::Vulnerability);
        assert_eq!(
            Kind::from_informational(Some("unmaintained")),
            Kind::Unmaintained
        );
        assert_eq!(Kind::from_informational(Some("brand-new")), Kind::Notice);
        assert!("sideways".parse::<Kind>().is_err());
    }

    #[test]
    fn aliases_exclude_the_id_and_duplicates() {
        let a = Advisory {
            id: "RUSTSEC-2021-0003".into(),
            aliases: vec![],
            package: "smallvec".into(),
            version: "1.6.0".into(),
            kind: Kind::Vulnerability,
            title: None,
            rating: Rating::Unknown { why: "x".into() },
        }
        .with_aliases(
            ["CVE-2021-25900", "RUSTSEC-2021-0003", "CVE-2021-25900", " "].map(String::from),
        );
        assert_eq!(a.aliases, ["CVE-2021-25900"]);
    }
}

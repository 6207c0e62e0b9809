//! An advisory's severity: computed from CVSS vectors (v2, v3.x, v4.0) with the `cvss`
//! crate, taken from the report's own words or score, or unknown.

use super::advisory::Level;

/// An advisory's severity and the evidence for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Rating {
    /// Computed from a CVSS vector's base score.
    Cvss {
        vector: String,
        score: f64,
        level: Level,
    },
    /// The report's own severity, where it gives one but no vector.
    Reported { text: String, level: Level },
    /// No score and no severity; `why` says what was missing or unreadable.
    Unknown { why: String },
}

impl Rating {
    pub fn level(&self) -> Option<Level> {
        match self {
            Rating::Cvss { level, .. } | Rating::Reported { level, .. } => Some(*level),
            Rating::Unknown { .. } => None,
        }
    }

    /// Rate by the highest-scoring readable CVSS vector (v2, v3.x or v4.0); `None` when
    /// there are none. Unreadable vectors are named in the `Unknown` reason.
    pub fn from_vectors<'a>(vectors: impl IntoIterator<Item = &'a str>) -> Option<Rating> {
        let mut best: Option<Rating> = None;
        let mut unreadable = Vec::new();
        for vector in vectors {
            let vector = vector.trim();
            match vector.parse::<cvss::Cvss>() {
                Ok(parsed) => {
                    let score = parsed.score();
                    let better = match &best {
                        Some(Rating::Cvss { score: s, .. }) => score > *s,
                        _ => true,
                    };
                    if better {
                        best = Some(Rating::Cvss {
                            vector: vector.to_owned(),
                            score,
                            level: Level::from_score(score),
                        });
                    }
                }
                Err(e) => unreadable.push(format!("CVSS vector {vector:?} is unreadable ({e})")),
            }
        }
        best.or_else(|| {
            (!unreadable.is_empty()).then(|| Rating::Unknown {
                why: unreadable.join("; "),
            })
        })
    }

    /// A report's own severity: a base score ("7.5") or a word ("HIGH").
    pub fn reported(text: &str) -> Option<Rating> {
        let trimmed = text.trim();
        let level = match trimmed.parse::<f64>() {
            Ok(score) if (0.0..=10.0).contains(&score) => Level::from_score(score),
            Ok(_) => return None,
            Err(_) => Level::from_word(trimmed)?,
        };
        Some(Rating::Reported {
            text: trimmed.to_owned(),
            level,
        })
    }

    /// The first rating that knows a level, else the most informative unknown.
    pub fn first_known(candidates: impl IntoIterator<Item = Option<Rating>>) -> Rating {
        let mut unknown: Option<Rating> = None;
        for rating in candidates.into_iter().flatten() {
            if rating.level().is_some() {
                return rating;
            }
            unknown.get_or_insert(rating);
        }
        unknown.unwrap_or(Rating::Unknown {
            why: "the report gives no CVSS vector and no severity".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_v3_and_v4_vectors_are_scored() {
        let v31 = Rating::from_vectors(["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]).unwrap();
        assert!(matches!(v31, Rating::Cvss { level: Level::Critical, score, .. } if score == 9.8));
        let local = Rating::from_vectors(["CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"]).unwrap();
        assert!(matches!(local, Rating::Cvss { level: Level::Medium, score, .. } if score == 6.2));
        let v4 = Rating::from_vectors([
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ])
        .unwrap();
        assert!(matches!(v4, Rating::Cvss { level: Level::Critical, score, .. } if score == 9.3));
    }

    #[test]
    fn the_highest_vector_wins_and_bad_vectors_are_named() {
        let both = Rating::from_vectors([
            "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
            "not a vector",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ])
        .unwrap();
        assert_eq!(both.level(), Some(Level::Critical));
        let bad = Rating::from_vectors(["CVSS:3.1/AV:Q"]).unwrap();
        assert!(matches!(&bad, Rating::Unknown { why } if why.contains("CVSS:3.1/AV:Q")));
        assert_eq!(Rating::from_vectors([]), None);
    }

    #[test]
    fn reported_severities_read_scores_and_words() {
        assert_eq!(
            Rating::reported("9.8").unwrap().level(),
            Some(Level::Critical)
        );
        assert_eq!(
            Rating::reported("MODERATE").unwrap().level(),
            Some(Level::Medium)
        );
        assert_eq!(Rating::reported("0.0").unwrap().level(), Some(Level::None));
        assert_eq!(Rating::reported(""), None);
        assert_eq!(Rating::reported("11"), None);
        assert_eq!(Rating::reported("severe"), None);
    }
}

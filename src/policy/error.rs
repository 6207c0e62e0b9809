//! Policy errors that point at the file, line and column, and say what to do.

use std::fmt;
use std::path::PathBuf;

/// A policy that cannot be used. Always a configuration error (exit code 2).
#[derive(Debug)]
pub struct PolicyError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub hint: Option<String>,
}

impl PolicyError {
    pub fn whole_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        PolicyError {
            path: path.into(),
            position: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An error at a byte span of the policy text.
    pub fn at(
        path: impl Into<PathBuf>,
        text: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        PolicyError {
            path: path.into(),
            position: Some(line_col(text, span.start)),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

/// The candidate closest to `word`, if any is close enough to be a plausible typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Turn serde's "unknown field `x`, expected one of `a`, `b`" into a hint naming the nearest
/// valid key and listing them all.
pub fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    if expected.is_empty() {
        return Some("this table takes no keys".to_owned());
    }
    Some(match nearest(field, &expected) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("valid keys here: {}", expected.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 8), (2, 3));
    }

    #[test]
    fn hint_names_the_nearest_key() {
        let hint =
            unknown_field_hint("unknown field `sumz`, expected one of `required`, `sums`, `x`")
                .unwrap();
        assert!(hint.starts_with("did you mean `sums`?"), "{hint}");
        let single = unknown_field_hint("unknown field `enviroment`, expected `environment`");
        assert!(single.unwrap().contains("`environment`"));
        assert_eq!(unknown_field_hint("missing field `gate`"), None);
    }

    #[test]
    fn nothing_near_means_no_guess() {
        assert_eq!(nearest("zzzz", &["environment", "trust"]), None);
    }
}

//! `expect = ">= 0.995"`: the comparison every series a health check returns must satisfy.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

const CMPS: &[(&str, Cmp)] = &[
    (">=", Cmp::Ge),
    ("<=", Cmp::Le),
    ("==", Cmp::Eq),
    ("!=", Cmp::Ne),
    (">", Cmp::Gt),
    ("<", Cmp::Lt),
];

/// A parsed expectation: an operator and a finite number.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub cmp: Cmp,
    pub threshold: f64,
}

impl Expect {
    pub fn parse(text: &str) -> Result<Expect, String> {
        let text = text.trim();
        let Some(&(word, cmp)) = CMPS.iter().find(|(word, _)| text.starts_with(word)) else {
            return Err(format!(
                "{text:?}: start with one of >= <= == != > < and a number, e.g. \">= 0.995\""
            ));
        };
        let number = text[word.len()..].trim();
        let threshold: f64 = number
            .parse()
            .map_err(|_| format!("{text:?}: {number:?} is not a number"))?;
        if !threshold.is_finite() {
            return Err(format!("{text:?}: the threshold must be a finite number"));
        }
        Ok(Expect { cmp, threshold })
    }

    /// Whether `value` satisfies the expectation; NaN never does (callers report it as an
    /// error before asking).
    pub fn holds(&self, value: f64) -> bool {
        let t = self.threshold;
        match self.cmp {
            Cmp::Ge => value >= t,
            Cmp::Le => value <= t,
            Cmp::Gt => value > t,
            Cmp::Lt => value < t,
            Cmp::Eq => value == t,
            Cmp::Ne => value != t,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = CMPS
            .iter()
            .find(|(_, c)| *c == self.cmp)
            .map_or("?", |(w, _)| *w);
        write!(f, "{word} {}", self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares() {
        let e = Expect::parse(">= 0.995").unwrap();
        assert!(e.holds(0.995) && e.holds(1.0) && !e.holds(0.99));
        assert!(Expect::parse("< 3").unwrap().holds(2.0));
        assert!(!Expect::parse("<3").unwrap().holds(3.0));
        assert!(Expect::parse("== 0").unwrap().holds(0.0));
        assert!(Expect::parse("!= 0").unwrap().holds(1.0));
        assert!(Expect::parse("> 1e3").unwrap().holds(1001.0));
        assert!(!Expect::parse(">= 1").unwrap().holds(f64::NAN));
        assert_eq!(Expect::parse(">= 0.995").unwrap().to_string(), ">= 0.995");
        for bad in ["0.5", "~ 1", ">= x", ">= NaN", "<= inf", ">="] {
            assert!(Expect::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Assertions on a JSON response: `POINTER OP OPERAND`, e.g. `/result/height >= 11`,
//! `/result/status == "OK"`, `/result/hash matches ^[0-9a-f]{64}$`, `/result/tags contains "x"`,
//! `/result/hash exists`. Operands are JSON literals (placeholders allowed); `matches` takes
//! a regular expression as the rest of the line.

use super::template::{self, Vars};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    Contains,
    Matches,
    Exists,
}

const OPS: &[(&str, Op)] = &[
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("contains", Op::Contains),
    ("matches", Op::Matches),
    ("exists", Op::Exists),
];

/// A parsed assertion; `text` is how the spec wrote it (findings quote it).
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub text: String,
    pub pointer: String,
    pub op: Op,
    /// The operand as written (placeholders unresolved); empty for `exists`.
    pub operand: String,
}

impl Assertion {
    /// Parse and check what can be checked before any value is known: the operand is a
    /// JSON literal (placeholders read as `0`), a `matches` operand compiles when literal.
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let text = text.trim();
        let (pointer, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        if !pointer.starts_with('/') {
            return Err(format!(
                "{text:?}: an assertion starts with a JSON pointer such as /result/height"
            ));
        }
        let rest = rest.trim_start();
        let (op_word, operand) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let Some(&(_, op)) = OPS.iter().find(|(word, _)| *word == op_word) else {
            let words: Vec<&str> = OPS.iter().map(|(w, _)| *w).collect();
            return Err(format!(
                "{text:?}: expected an operator after {pointer}, one of: {}",
                words.join(" ")
            ));
        };
        let operand = operand.trim().to_owned();
        match op {
            Op::Exists if !operand.is_empty() => {
                return Err(format!("{text:?}: `exists` takes no operand"));
            }
            Op::Exists => {}
            _ if operand.is_empty() => return Err(format!("{text:?}: missing the operand")),
            Op::Matches => {
                if template::placeholders(&operand).is_empty() {
                    regex::Regex::new(&operand)
                        .map_err(|e| format!("{text:?}: invalid regular expression: {e}"))?;
                }
            }
            _ => {
                let dummy: Vars = template::placeholders(&operand)
                    .into_iter()
                    .map(|name| (name, Value::from(0)))
                    .collect();
                let sample = template::render(&operand, &dummy)?;
                serde_json::from_str::<Value>(&sample).map_err(|e| {
                    format!(
                        "{text:?}: the operand is not a JSON literal ({e}); quote strings: \"OK\""
                    )
                })?;
            }
        }
        Ok(Assertion {
            text: text.to_owned(),
            pointer: pointer.to_owned(),
            op,
            operand,
        })
    }

    /// Whether `doc` satisfies the assertion; `Err` says what came back instead.
    pub fn check(&self, doc: &Value, vars: &Vars) -> Result<(), String> {
        let actual = doc.pointer(&self.pointer);
        if self.op == Op::Exists {
            return match actual {
                Some(_) => Ok(()),
                None => Err(format!(
                    "nothing at {} in {}",
                    self.pointer,
                    abbreviate(doc)
                )),
            };
        }
        let Some(actual) = actual else {
            return Err(format!(
                "nothing at {} in {}",
                self.pointer,
                abbreviate(doc)
            ));
        };
        let operand = template::render(&self.operand, vars)?;
        let got = || format!("got {}", abbreviate(actual));
        let holds = match self.op {
            Op::Matches => {
                let re = regex::Regex::new(&operand)
                    .map_err(|e| format!("invalid regular expression {operand:?}: {e}"))?;
                re.is_match(&template::as_text(actual))
            }
            op => {
                let want: Value = serde_json::from_str(&operand)
                    .map_err(|e| format!("operand {operand:?} is not a JSON literal: {e}"))?;
                match op {
                    Op::Eq => json_eq(actual, &want),
                    Op::Ne => !json_eq(actual, &want),
                    Op::Contains => contains(actual, &want),
                    _ => {
                        let ord = numeric_cmp(actual, &want).ok_or_else(|| {
                            format!("{} is not a number to compare with {operand}", got())
                        })?;
                        match op {
                            Op::Ge => ord != Ordering::Less,
                            Op::Le => ord != Ordering::Greater,
                            Op::Gt => ord == Ordering::Greater,
                            _ => ord == Ordering::Less,
                        }
                    }
                }
            }
        };
        if holds { Ok(()) } else { Err(got()) }
    }
}

/// Equality where 11 and 11.0 are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => numeric_cmp(a, b) == Some(Ordering::Equal),
        _ => a == b,
    }
}

/// Integers compare exactly (heights, amounts); anything else as f64.
fn numeric_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    let (Value::Number(a), Value::Number(b)) = (a, b) else {
        return None;
    };
    let int = |n: &serde_json::Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn contains(actual: &Value, want: &Value) -> bool {
    match (actual, want) {
        (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
        (Value::Array(items), w) => items.iter().any(|i| json_eq(i, w)),
        (Value::Object(map), Value::String(key)) => map.contains_key(key),
        _ => false,
    }
}

/// A JSON value short enough for a finding message.
pub fn abbreviate(value: &Value) -> String {
    const MAX: usize = 300;
    let text = value.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(text: &str, doc: Value) -> Result<(), String> {
        let mut vars = Vars::new();
        vars.insert("tip".into(), json!("ab12"));
        vars.insert("h".into(), json!(11));
        Assertion::parse(text).unwrap().check(&doc, &vars)
    }

    #[test]
    fn operators() {
        let doc = json!({"result": {"height": 11, "hash": "ab12", "status": "OK", "tags": ["x"]}});
        for ok in [
            "/result/height >= 11",
            "/result/height == 11.0",
            "/result/height > 10",
            "/result/height <= {h}",
            "/result/height < 12",
            "/result/height != 12",
            "/result/status == \"OK\"",
            "/result/hash == \"{tip}\"",
            "/result/hash matches ^[0-9a-f]{4}$",
            "/result/tags contains \"x\"",
            "/result/status contains \"O\"",
            "/result contains \"hash\"",
            "/result/hash exists",
        ] {
            check(ok, doc.clone()).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        assert_eq!(
            check("/result/height >= 12", doc.clone()).unwrap_err(),
            "got 11"
        );
        assert!(
            check("/result/nope exists", doc.clone())
                .unwrap_err()
                .contains("nothing at /result/nope")
        );
        assert!(
            check("/result/status > 1", doc.clone())
                .unwrap_err()
                .contains("not a number")
        );
        assert!(check("/result/hash matches ^x", doc).is_err());
    }

    #[test]
    fn bad_assertions_are_refused_up_front() {
        for (bad, why) in [
            ("result/height >= 1", "JSON pointer"),
            ("/result/height ~ 1", "expected an operator"),
            ("/result/status == OK", "not a JSON literal"),
            ("/result/height >=", "missing the operand"),
            ("/result/hash matches ([", "invalid regular expression"),
            ("/result exists 1", "takes no operand"),
        ] {
            let e = Assertion::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}

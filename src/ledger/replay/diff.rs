//! Where two JSON documents differ, by JSON pointer (RFC 6901), value by value.

use serde::Serialize;
use serde_json::Value;

/// One place where the replayed verdict differs from the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub pointer: String,
    /// `None` (absent in JSON) when the stored verdict has nothing there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<Value>,
    /// `None` (absent in JSON) when the replayed verdict has nothing there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            Some(value) => value.to_string(),
            None => "absent".to_owned(),
        };
        write!(
            f,
            "{}: stored {}, replayed {}",
            self.pointer,
            show(&self.stored),
            show(&self.replayed)
        )
    }
}

/// Every leaf-most difference between `stored` and `replayed`, in document order.
pub fn diff(stored: &Value, replayed: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(String::new(), Some(stored), Some(replayed), &mut out);
    out
}

fn walk(pointer: String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                walk(
                    format!("{pointer}/{}", escape(key)),
                    x.get(key),
                    y.get(key),
                    out,
                );
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            for index in 0..x.len().max(y.len()) {
                walk(
                    format!("{pointer}/{index}"),
                    x.get(index),
                    y.get(index),
                    out,
                );
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer
            },
            stored: a.cloned(),
            replayed: b.cloned(),
        }),
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_leaf_by_pointer() {
        let stored = json!({"gates": [{"outcome": "pass", "a/b": 1}], "x": [1]});
        let replayed = json!({"gates": [{"outcome": "fail", "a/b": 1}], "x": [1, 2], "y": null});
        let lines: Vec<String> = diff(&stored, &replayed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "/gates/0/outcome: stored \"pass\", replayed \"fail\"",
                "/x/1: stored absent, replayed 2",
                "/y: stored absent, replayed null",
            ]
        );
        assert!(diff(&stored, &stored).is_empty());
    }
}

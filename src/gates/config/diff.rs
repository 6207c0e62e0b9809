//! Differences between a node config and its documented reference, one per key, naming the
//! key and both values (secrets never shown).

use super::parse::{Setting, shown};
use std::collections::BTreeMap;

/// One key whose values differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub key: String,
    /// The line in the config (absent when the key is only in the reference).
    pub line: Option<usize>,
    pub message: String,
}

fn values(settings: &[Setting]) -> BTreeMap<&str, (Vec<&str>, Option<usize>)> {
    let mut map: BTreeMap<&str, (Vec<&str>, Option<usize>)> = BTreeMap::new();
    for s in settings {
        let entry = map.entry(s.key.as_str()).or_insert((Vec::new(), s.line));
        entry.0.push(s.value.as_str());
    }
    for (list, _) in map.values_mut() {
        list.sort_unstable();
    }
    map
}

fn show(key: &str, list: &[&str]) -> String {
    let shown: Vec<String> = list
        .iter()
        .map(|v| format!("`{}`", shown(key, v)))
        .collect();
    shown.join(", ")
}

pub fn diff(config: &[Setting], reference: &[Setting]) -> Vec<Difference> {
    let (ours, theirs) = (values(config), values(reference));
    let mut out = Vec::new();
    for (key, (list, line)) in &ours {
        let message = match theirs.get(key) {
            None => format!("`{key}` = {} is not in the reference", show(key, list)),
            Some((expected, _)) if expected == list => continue,
            Some((expected, _)) => format!(
                "`{key}` = {} where the reference has {}",
                show(key, list),
                show(key, expected)
            ),
        };
        out.push(Difference {
            key: (*key).to_owned(),
            line: *line,
            message,
        });
    }
    for (key, (expected, _)) in &theirs {
        if !ours.contains_key(key) {
            out.push(Difference {
                key: (*key).to_owned(),
                line: None,
                message: format!(
                    "`{key}` is not set; the reference has {}",
                    show(key, expected)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::config::parse::{Format, parse};

    #[test]
    fn each_changed_added_and_removed_key_is_named() {
        let reference = parse("server=1\nrpcport=8332\ndbcache=450\n", Format::Kv).unwrap();
        let config = parse(
            "server=1\nrpcport=8332\ndbcache=4000\ntxindex=1\n",
            Format::Kv,
        )
        .unwrap();
        let d = diff(&config, &reference);
        let messages: Vec<_> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`dbcache` = `4000` where the reference has `450`",
                "`txindex` = `1` is not in the reference"
            ]
        );
        assert_eq!(d[0].line, Some(3));
        let fewer = parse("server=1\n", Format::Kv).unwrap();
        assert_eq!(diff(&fewer, &reference).len(), 2);
    }

    #[test]
    fn secrets_are_named_but_never_shown() {
        let reference = parse("rpcpassword=one\n", Format::Kv).unwrap();
        let config = parse("rpcpassword=two\n", Format::Kv).unwrap();
        let message = &diff(&config, &reference)[0].message;
        assert!(
            message.contains("rpcpassword") && !message.contains("one") && !message.contains("two"),
            "{message}"
        );
    }
}

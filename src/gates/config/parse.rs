//! Node configuration files read into settings (key, value, line): `key=value` files as
//! bitcoind and monerod read them (`#` comments, `[section]` headers prefixing keys), TOML
//! and JSON (nested tables flattened to dotted keys, arrays to `key[i]`).

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `key=value` lines (bitcoin.conf, monerod's config file).
    Kv,
    Toml,
    Json,
}

impl Format {
    /// From the file name: `.toml`, `.json`, else `key=value`.
    pub fn of(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".toml") {
            Format::Toml
        } else if lower.ends_with(".json") {
            Format::Json
        } else {
            Format::Kv
        }
    }
}

/// One setting: its full key, its value as text, and its 1-based line (when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub line: Option<usize>,
}

pub fn parse(text: &str, format: Format) -> Result<Vec<Setting>, String> {
    match format {
        Format::Kv => Ok(parse_kv(text)),
        Format::Toml => {
            let value: toml::Value =
                toml::from_str(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
            let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
            Ok(flatten_with_lines(text, &json, Format::Toml))
        }
        Format::Json => {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
            Ok(flatten_with_lines(text, &json, Format::Json))
        }
    }
}

fn parse_kv(text: &str) -> Vec<Setting> {
    let mut section = String::new();
    let mut settings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line, ""),
        };
        let key = if section.is_empty() {
            key.to_owned()
        } else {
            format!("{section}.{key}")
        };
        settings.push(Setting {
            key,
            value: value.to_owned(),
            line: Some(index + 1),
        });
    }
    settings
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), String::new())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// Flattened settings; the line is the first one that names the key's last segment as a key
/// (a parsed tree keeps no positions, and this is precise enough to point a reader at it).
fn flatten_with_lines(text: &str, value: &serde_json::Value, format: Format) -> Vec<Setting> {
    let mut pairs = Vec::new();
    flatten("", value, &mut pairs);
    pairs
        .into_iter()
        .map(|(key, value)| {
            let leaf = key
                .rsplit('.')
                .next()
                .unwrap_or(&key)
                .split('[')
                .next()
                .unwrap_or("")
                .to_owned();
            let line = text.lines().position(|l| {
                let l = l.trim_start();
                match format {
                    Format::Json => l.starts_with(&format!("\"{leaf}\"")),
                    _ => l
                        .strip_prefix(leaf.as_str())
                        .or_else(|| l.strip_prefix(&format!("\"{leaf}\"")))
                        .is_some_and(|rest| rest.trim_start().starts_with('=')),
                }
            });
            Setting {
                key,
                value,
                line: line.map(|l| l + 1),
            }
        })
        .collect()
}

/// Command-line style tokens of the whole text (`-testnet`, `--regtest`, `-chain=test`),
/// with their lines: args files, systemd units and JSON/TOML argument lists carry them.
pub fn flags(text: &str) -> Vec<(String, usize)> {
    let mut flags = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for token in
            line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'))
        {
            if token.starts_with('-') && token.len() > 1 {
                flags.push((token.to_owned(), index + 1));
            }
        }
    }
    flags
}

/// Keys whose values are secrets: never shown in a finding, log or report.
pub fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "pass",
        "secret",
        "token",
        "auth",
        "login",
        "privkey",
        "apikey",
        "credential",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// A value as it may be shown: secrets are replaced.
pub fn shown(key: &str, value: &str) -> String {
    if is_secret(key) {
        "(secret, not shown)".to_owned()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_files_keep_sections_lines_and_bare_keys() {
        let text = "# main\nserver=1\nrpcport = 8332 # rpc\n\n[test]\nrpcport=18332\ntestnet\n";
        let settings = parse(text, Format::Kv).unwrap();
        let view: Vec<_> = settings
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str(), s.line.unwrap()))
            .collect();
        assert_eq!(
            view,
            [
                ("server", "1", 2),
                ("rpcport", "8332", 3),
                ("test.rpcport", "18332", 6),
                ("test.testnet", "", 7)
            ]
        );
    }

    #[test]
    fn toml_and_json_flatten_with_lines() {
        let toml = "[node]\nnetwork = \"testnet\"\nports = [1, 2]\n";
        let settings = parse(toml, Format::Toml).unwrap();
        assert_eq!(settings[0].key, "node.network");
        assert_eq!(settings[0].value, "testnet");
        assert_eq!(settings[0].line, Some(2));
        assert_eq!(settings[2].key, "node.ports[1]");
        let json = "{\n  \"rpc\": {\n    \"port\": 8332\n  }\n}\n";
        let settings = parse(json, Format::Json).unwrap();
        assert_eq!(
            (settings[0].key.as_str(), settings[0].line),
            ("rpc.port", Some(3))
        );
        assert!(parse("{", Format::Json).is_err());
    }

    #[test]
    fn flags_are_found_anywhere() {
        let text = "ExecStart=/usr/bin/bitcoind -testnet -daemon\nargs = [\"--regtest\"]\n";
        let flags: Vec<_> = flags(text);
        assert_eq!(
            flags,
            [
                ("-testnet".into(), 1),
                ("-daemon".into(), 1),
                ("--regtest".into(), 2)
            ]
        );
    }

    #[test]
    fn secrets_are_never_shown() {
        assert_eq!(shown("rpcpassword", "hunter2"), "(secret, not shown)");
        assert_eq!(shown("rpc-login", "u:p"), "(secret, not shown)");
        assert_eq!(shown("rpcport", "8332"), "8332");
    }
}

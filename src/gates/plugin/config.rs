//! `[[gates.plugin]]`: external gates. Each table names a plugin gate, the command that
//! runs it (relative to the policy file), its timeout, and a `config` table passed through
//! to the plugin as JSON.

use crate::policy::{ConfigContext, PolicyError};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

/// Used when a plugin table gives no `timeout`: every plugin run is bounded.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub name: Option<Spanned<String>>,
    /// Program and arguments; a program with a `/` is relative to the policy file.
    pub command: Option<Spanned<Vec<Spanned<String>>>>,
    pub timeout: Option<Spanned<String>>,
    pub required: Option<bool>,
    /// Variables passed from tollgate's environment to the plugin, which otherwise gets only
    /// PATH, HOME, LANG, LC_*, TZ and TMPDIR.
    pub env: Option<Spanned<Vec<Spanned<String>>>>,
    /// Passed to the plugin verbatim (as JSON) in the request's `config`.
    pub config: Option<Spanned<toml::Table>>,
}

/// One validated plugin gate.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    /// The program: absolute when written with a `/`, else a name looked up on PATH.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The run's limit, which is also the gate's deadline.
    pub timeout: Duration,
    pub required: bool,
    /// Names of the variables passed from tollgate's environment (`env = [...]`).
    pub env: Vec<String>,
    pub config: Map<String, Value>,
    /// Where the table is, for messages that send the reader back to the policy.
    pub policy: PathBuf,
    pub line: usize,
}

/// Names a plugin gate cannot take: the built-in and reserved gates (also in kebab form).
fn reserved(name: &str) -> bool {
    crate::policy::KNOWN_GATES
        .iter()
        .chain(["smoke", "git", "plugin"].iter())
        .any(|gate| *gate == name || gate.replace('_', "-") == name)
}

/// A plugin gate name: lower-case kebab-case (it becomes part of finding codes).
pub fn is_valid_name(name: &str) -> bool {
    !name.contains('.') && super::protocol::is_valid_code(name)
}

/// Validate every `[[gates.plugin]]` table; names must be unique.
pub fn validate_all(
    raws: Vec<Spanned<Raw>>,
    cx: &ConfigContext<'_>,
) -> Result<Vec<Config>, PolicyError> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut configs = Vec::with_capacity(raws.len());
    for raw in raws {
        let config = validate(raw, cx)?;
        if let Some(first) = seen.insert(config.name.clone(), config.line) {
            return Err(PolicyError {
                path: config.policy.clone(),
                position: Some((config.line, 1)),
                message: format!(
                    "plugin gate `{}` is defined twice (first on line {first})",
                    config.name
                ),
                hint: Some("give every [[gates.plugin]] a unique `name`".into()),
            });
        }
        configs.push(config);
    }
    Ok(configs)
}

fn validate(raw: Spanned<Raw>, cx: &ConfigContext<'_>) -> Result<Config, PolicyError> {
    let span = raw.span();
    let line = cx.line(span.clone());
    let raw = raw.into_inner();
    let name = raw.name.ok_or_else(|| {
        cx.error_at(span.clone(), "[[gates.plugin]] needs a `name`")
            .with_hint("add name = \"artifact-size\" (lower-case kebab-case, unique)")
    })?;
    let name_text = name.get_ref().clone();
    if !is_valid_name(&name_text) {
        return Err(cx
            .error(
                &name,
                format!("plugin gate name {name_text:?} is not lower-case kebab-case"),
            )
            .with_hint("use letters, digits and dashes, e.g. \"artifact-size\""));
    }
    if reserved(&name_text) {
        return Err(cx
            .error(
                &name,
                format!("plugin gate name `{name_text}` is taken by a built-in gate"),
            )
            .with_hint("choose another name for the plugin gate"));
    }
    let command = raw.command.ok_or_else(|| {
        cx.error_at(
            span.clone(),
            format!("[[gates.plugin]] `{name_text}` needs a `command`"),
        )
        .with_hint("add command = [\"plugins/check.sh\", \"--flag\"] (relative to the policy file)")
    })?;
    let Some((program, args)) = command.get_ref().split_first() else {
        return Err(cx.error(
            &command,
            format!("plugin `{name_text}`: `command` is empty; give the program and its arguments"),
        ));
    };
    if program.get_ref().trim().is_empty() {
        return Err(cx.error(
            program,
            format!("plugin `{name_text}`: the program in `command` is empty"),
        ));
    }
    let program_path = if program.get_ref().contains('/') {
        let joined = cx.dir().join(program.get_ref());
        std::path::absolute(&joined).map_err(|e| {
            cx.error(
                program,
                format!(
                    "plugin `{name_text}`: cannot resolve {}: {e}",
                    joined.display()
                ),
            )
        })?
    } else {
        PathBuf::from(program.get_ref())
    };
    let timeout = match &raw.timeout {
        Some(timeout) => cx.duration("timeout", timeout)?,
        None => DEFAULT_TIMEOUT,
    };
    let mut env: Vec<String> = Vec::new();
    for name in raw.env.iter().flat_map(|names| names.get_ref()) {
        crate::process::check_env_name(name.get_ref()).map_err(|e| {
            cx.error(name, format!("plugin `{name_text}` `env`: {e}"))
                .with_hint("list variable names to pass from tollgate's environment, e.g. env = [\"GITHUB_TOKEN\"]")
        })?;
        if !env.contains(name.get_ref()) {
            env.push(name.get_ref().clone());
        }
    }
    let config = match raw.config {
        None => Map::new(),
        Some(table) => {
            let mut map = Map::new();
            for (key, value) in table.get_ref() {
                let json = to_json(value).map_err(|e| {
                    cx.error(&table, format!("plugin `{name_text}` config `{key}`: {e}"))
                })?;
                map.insert(key.clone(), json);
            }
            map
        }
    };
    Ok(Config {
        name: name_text,
        program: program_path,
        args: args.iter().map(|a| a.get_ref().clone()).collect(),
        timeout,
        required: raw.required.unwrap_or(true),
        env,
        config,
        policy: cx.path().to_path_buf(),
        line,
    })
}

/// TOML to JSON: dates become their TOML text; a float JSON cannot hold is refused.
fn to_json(value: &toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| format!("{f} cannot be written in JSON"))?,
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

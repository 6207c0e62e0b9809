//! `{name}` placeholders in spec strings: the node's `{datadir}`, `{rpc_port}`, `{p2p_port}`,
//! `{release}` and values captured by earlier steps. Only `{identifier}` is a placeholder, so
//! regex repetitions such as `{64}` stay literal; `{{` and `}}` are literal braces.

use serde_json::Value;
use std::collections::BTreeMap;

/// Values placeholders resolve to, by name.
pub type Vars = BTreeMap<String, Value>;

/// One piece of a template: literal text or a placeholder name.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// A placeholder or capture name: letters, digits and `_`, not starting with a digit.
pub fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{") {
            out.push(Piece::Text("{"));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("}}") {
            out.push(Piece::Text("}"));
            rest = after;
        } else if rest.starts_with('{')
            && let Some(end) = rest.find('}')
            && is_ident(&rest[1..end])
        {
            out.push(Piece::Var(&rest[1..end]));
            rest = &rest[end + 1..];
        } else {
            // Up to the next brace, or the single brace itself when it starts no placeholder.
            // Past the first character, not byte: it may be wider than one byte.
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let len = rest[first..]
                .find(['{', '}'])
                .map_or(rest.len(), |i| i + first);
            out.push(Piece::Text(&rest[..len]));
            rest = &rest[len..];
        }
    }
    out
}

/// The placeholder names `text` uses, in order.
pub fn placeholders(text: &str) -> Vec<String> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(name) => Some(name.to_owned()),
            Piece::Text(_) => None,
        })
        .collect()
}

/// A value as it reads inside a string: strings bare, everything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `text` with every placeholder replaced; an unknown name is an error naming it.
pub fn render(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(name) => match vars.get(name) {
                Some(value) => out.push_str(&as_text(value)),
                None => return Err(format!("`{{{name}}}` has no value (not captured yet?)")),
            },
        }
    }
    Ok(out)
}

/// A JSON body or params with placeholders replaced in every string. A string that is
/// exactly one placeholder takes the value itself, so a captured number stays a number.
pub fn render_json(value: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => match pieces(s).as_slice() {
            [Piece::Var(name)] => vars
                .get(*name)
                .cloned()
                .ok_or_else(|| format!("`{{{name}}}` has no value (not captured yet?)"))?,
            _ => Value::String(render(s, vars)?),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_json(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), render_json(v, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Every placeholder name used in the strings of a JSON value.
pub fn json_placeholders(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::String(s) => names.extend(placeholders(s)),
        Value::Array(items) => items.iter().for_each(|v| json_placeholders(v, names)),
        Value::Object(map) => map.values().for_each(|v| json_placeholders(v, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("tip".into(), json!("abc"));
        v.insert("height".into(), json!(11));
        v
    }

    #[test]
    fn text_starting_with_a_wide_character_is_literal() {
        // Found by the smoke_spec fuzz target: a spec string starting with a multi-byte
        // character (here U+059D) made the template scanner slice inside it and panic.
        let text = "\u{59d}ind={height} é{{x}}";
        assert_eq!(placeholders(text), ["height"]);
        assert_eq!(render(text, &vars()).unwrap(), "\u{59d}ind=11 é{x}");
    }

    #[test]
    fn placeholders_are_identifiers_only() {
        assert_eq!(placeholders("^[0-9a-f]{64}$ {tip} {{x}} {a b}"), ["tip"]);
        assert_eq!(
            render("{{tip}} {tip}/{height} {64} }", &vars()).unwrap(),
            "{tip} abc/11 {64} }"
        );
        assert!(render("{nope}", &vars()).unwrap_err().contains("{nope}"));
    }

    #[test]
    fn a_lone_placeholder_keeps_its_type() {
        let body = json!({"h": "{height}", "s": "at {height}", "list": ["{tip}"]});
        assert_eq!(
            render_json(&body, &vars()).unwrap(),
            json!({"h": 11, "s": "at 11", "list": ["abc"]})
        );
    }
}

//! `$GITHUB_OUTPUT` lines: `name=value`, or the heredoc form with an unguessable delimiter
//! when a value spans lines (so a value cannot smuggle in another output).

use std::io;

/// One output line (or block) for `$GITHUB_OUTPUT`.
pub fn output_entry(name: &str, value: &str) -> io::Result<String> {
    if !value.contains(['\n', '\r']) {
        return Ok(format!("{name}={value}\n"));
    }
    let delimiter = loop {
        let candidate = format!("ghadelimiter_{}", super::command::random_token()?);
        if !value.contains(&candidate) {
            break candidate;
        }
    };
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_is_name_equals_value() {
        assert_eq!(
            output_entry("decision", "block").unwrap(),
            "decision=block\n"
        );
    }

    #[test]
    fn multi_line_uses_a_fresh_delimiter() {
        let entry = output_entry("verdict-path", "a\ndecision=promote").unwrap();
        let lines: Vec<_> = entry.lines().collect();
        assert_eq!(lines.len(), 4, "{entry}");
        let delimiter = lines[0].strip_prefix("verdict-path<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(lines[3], delimiter);
        assert_eq!(lines[1..3], ["a", "decision=promote"]);
    }
}

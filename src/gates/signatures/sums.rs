//! SHA256SUMS parsing: GNU (`HASH  name`, `HASH *name`, `\`-escaped names) and BSD
//! (`SHA256 (name) = HASH`) lines, with malformed lines reported by number.

/// One well-formed line of a sums file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumsEntry {
    pub name: String,
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// 1-based line number.
    pub line: u64,
}

/// A line that is neither GNU nor BSD form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedLine {
    pub line: u64,
    pub reason: &'static str,
}

/// Every entry and every malformed line of a sums file, in file order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedSums {
    pub entries: Vec<SumsEntry>,
    pub malformed: Vec<MalformedLine>,
}

pub fn parse(text: &str) -> ParsedSums {
    let mut parsed = ParsedSums::default();
    for (index, raw) in text.split('\n').enumerate() {
        let line = index as u64 + 1;
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        if content.trim().is_empty() {
            continue;
        }
        match parse_line(content) {
            Ok((sha256, name)) => parsed.entries.push(SumsEntry { name, sha256, line }),
            Err(reason) => parsed.malformed.push(MalformedLine { line, reason }),
        }
    }
    parsed
}

fn parse_line(line: &str) -> Result<(String, String), &'static str> {
    let (escaped, body) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (hash, raw_name) = if let Some(rest) = body.strip_prefix("SHA256 (") {
        let (name, hash) = rest
            .rsplit_once(") = ")
            .ok_or("BSD line without `) = ` before the digest")?;
        (hash, name)
    } else if body.starts_with("MD5 (")
        || body.starts_with("SHA1 (")
        || body.starts_with("SHA512 (")
    {
        return Err("BSD line for an algorithm other than SHA256");
    } else {
        let (hash, rest) = body
            .split_at_checked(64)
            .ok_or("line too short for a SHA-256 digest")?;
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or("expected two spaces (or ` *`) between digest and file name")?;
        (hash, name)
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("digest is not 64 hexadecimal digits");
    }
    if raw_name.is_empty() {
        return Err("empty file name");
    }
    let name = if escaped {
        unescape(raw_name)?
    } else {
        raw_name.to_owned()
    };
    Ok((hash.to_ascii_lowercase(), name))
}

/// GNU coreutils escapes `\` and newline in names and marks such lines with a leading `\`.
fn unescape(name: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            _ => return Err("invalid escape in file name"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn gnu_text_and_binary_and_bsd_forms() {
        let text = format!(
            "{H}  a.tar.gz\n{H} *b.bin\nSHA256 (c (1).txt) = {}\n",
            H.to_uppercase()
        );
        let parsed = parse(&text);
        assert!(parsed.malformed.is_empty(), "{parsed:?}");
        let names: Vec<_> = parsed
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.line))
            .collect();
        assert_eq!(names, [("a.tar.gz", 1), ("b.bin", 2), ("c (1).txt", 3)]);
        assert!(parsed.entries.iter().all(|e| e.sha256 == H));
    }

    #[test]
    fn escaped_names_and_crlf() {
        let parsed = parse(&format!("\\{H}  back\\\\slash\r\n"));
        assert_eq!(parsed.entries[0].name, "back\\slash");
    }

    #[test]
    fn malformed_lines_keep_their_numbers() {
        let text = format!(
            "{H}  ok\n\nnot a sums line\n{H} onespace\nSHA1 (x) = abc\n{}  short\n",
            &H[..60]
        );
        let parsed = parse(&text);
        assert_eq!(parsed.entries.len(), 1);
        let lines: Vec<u64> = parsed.malformed.iter().map(|m| m.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
    }

    #[test]
    fn names_with_spaces_survive() {
        let parsed = parse(&format!("{H}   leading space.txt\n"));
        assert_eq!(parsed.entries[0].name, " leading space.txt");
    }
}

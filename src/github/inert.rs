//! Making untrusted text inert under the GitHub Actions runner's workflow-command parser.
//!
//! The runner reads stdout and stderr line by line (a line ends at LF, CR or CRLF) and tries
//! two parsers on every line (actions/runner `ActionCommand.TryParseV2` and `TryParse`):
//! - `::name props::data`, after trimming the line's leading whitespace (so `  ::error::x`
//!   is a command);
//! - the legacy `##[name props]data`, found anywhere in the line.
//!
//! [`Inert`] rewrites a stream so that neither can match, whatever the text: a line whose
//! first character after any run of blank, control or invisible characters is `:` gets a
//! `\` before that `:`, and every `##[` becomes `##[\` (text) or `##\u005b` (JSON, where the
//! escape keeps the document's value unchanged: `##[` only ever occurs inside a string).
//! No registered command name starts with `\`, so a legacy match that still finds `##[`
//! reads a name that is never a command. Invisible (default-ignorable) characters do not
//! hide a marker: `#\u{ad}#[` counts as `##[`, since .NET's culture-aware `IndexOf` may
//! skip them. The rewriting is streaming: state carries over
//! between writes, so a line split over several writes is judged as one line.

/// How a `##[` is neutralised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Human text: `##[` becomes `##[\` (the runner's own way to defuse its markers).
    Text,
    /// A JSON document or JSON lines: `##[` becomes `##\u005b`, the same JSON value.
    Json,
}

/// Streaming state for one output stream.
#[derive(Debug, Clone)]
pub struct Inert {
    /// Only skippable characters (blank, control, invisible) seen since the line began.
    leading: bool,
    /// How many `#` immediately precede the next character (capped at 2).
    hashes: u8,
    /// The start of a UTF-8 sequence that the next write completes.
    partial: Vec<u8>,
}

impl Default for Inert {
    fn default() -> Self {
        Inert {
            leading: true,
            hashes: 0,
            partial: Vec::new(),
        }
    }
}

impl Inert {
    /// True when the next byte written starts a line for the runner.
    pub fn at_line_start(&self) -> bool {
        self.leading && self.hashes == 0 && self.partial.is_empty()
    }

    /// Note bytes written to the stream around this filter (the fence's own command lines)
    /// so the line state stays true.
    pub fn passed_through(&mut self, bytes: &[u8]) {
        if let Some(&last) = bytes.last() {
            self.partial.clear();
            self.hashes = 0;
            self.leading = last == b'\n' || last == b'\r';
        }
    }

    /// Append the inert form of `bytes` to `out`.
    pub fn push(&mut self, bytes: &[u8], mode: Mode, out: &mut Vec<u8>) {
        let mut input = std::mem::take(&mut self.partial);
        input.extend_from_slice(bytes);
        let mut rest = &input[..];
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    self.chars(text, mode, out);
                    rest = &[];
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // Valid by construction: `valid_up_to` says so.
                    self.chars(std::str::from_utf8(valid).unwrap_or_default(), mode, out);
                    match e.error_len() {
                        // Not UTF-8: the runner decodes it to U+FFFD, an ordinary character.
                        Some(len) => {
                            out.extend_from_slice(&after[..len]);
                            self.leading = false;
                            self.hashes = 0;
                            rest = &after[len..];
                        }
                        // A sequence cut by the end of this write: finish it next time.
                        None => {
                            self.partial = after.to_vec();
                            rest = &[];
                        }
                    }
                }
            }
        }
    }

    /// Flush a UTF-8 sequence left unfinished (the stream ends): written as it is.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.partial.is_empty() {
            out.append(&mut self.partial);
            self.leading = false;
            self.hashes = 0;
        }
    }

    fn chars(&mut self, text: &str, mode: Mode, out: &mut Vec<u8>) {
        let mut buf = [0u8; 4];
        for c in text.chars() {
            if c == '\n' || c == '\r' {
                self.leading = true;
                self.hashes = 0;
            } else if self.leading && skippable(c) {
                self.hashes = 0;
            } else if default_ignorable(c) {
                // Culture-aware matching may not see it: `#\u{ad}#[` is still `##[`.
            } else if self.leading && c == ':' {
                out.push(b'\\');
                self.leading = false;
                self.hashes = 0;
            } else if c == '[' && self.hashes >= 2 {
                out.extend_from_slice(match mode {
                    Mode::Text => b"[\\",
                    Mode::Json => b"\\u005b",
                });
                self.leading = false;
                self.hashes = 0;
                continue;
            } else {
                self.leading = false;
                self.hashes = if c == '#' {
                    (self.hashes + 1).min(2)
                } else {
                    0
                };
            }
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// The inert form of one whole text (a fresh stream).
pub fn inert(text: &str, mode: Mode) -> String {
    let mut state = Inert::default();
    let mut out = Vec::with_capacity(text.len() + 8);
    state.push(text.as_bytes(), mode, &mut out);
    state.finish(&mut out);
    // Only ASCII was inserted into valid UTF-8, at character boundaries.
    String::from_utf8(out).unwrap_or_default()
}

/// Characters that may stand before a line's `::` without stopping the runner from reading
/// a command, or that we cannot be sure it does not skip: what .NET's `TrimStart` removes
/// (Unicode White_Space), control characters, and default-ignorable (invisible) characters,
/// which culture-aware string comparison (.NET's default `StartsWith`) may pass over.
/// A superset is safe: it only makes more lines get the `\`.
fn skippable(c: char) -> bool {
    c.is_whitespace() || c.is_control() || default_ignorable(c)
}

/// Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt).
fn default_ignorable(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_at_a_line_start_gets_a_backslash_even_when_indented() {
        assert_eq!(inert("::error::x", Mode::Text), "\\::error::x");
        assert_eq!(
            inert("ok\n  ::add-mask::s\r\t::set-output name=a::b", Mode::Text),
            "ok\n  \\::add-mask::s\r\t\\::set-output name=a::b"
        );
        // Unicode blanks, controls and invisible characters are skipped like spaces.
        assert_eq!(
            inert("\u{3000}\u{a0}\u{1f}\u{200b}\u{feff}::x::", Mode::Text),
            "\u{3000}\u{a0}\u{1f}\u{200b}\u{feff}\\::x::"
        );
        // Not at a line start: the runner never reads a command there.
        assert_eq!(inert("a ::error::x", Mode::Text), "a ::error::x");
    }

    #[test]
    fn legacy_markers_are_broken_anywhere() {
        assert_eq!(
            inert("name ##[error]x and ###[set-env name=A]b", Mode::Text),
            "name ##[\\error]x and ###[\\set-env name=A]b"
        );
        assert_eq!(inert("\"a##[error]\"", Mode::Json), "\"a##\\u005berror]\"");
        assert_eq!(
            inert("#[x] # [y] #\n#[z]", Mode::Text),
            "#[x] # [y] #\n#[z]"
        );
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"name": "x\n  ::error::y ##[warning]z", "n": ["##["]});
        for text in [
            value.to_string(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            let out = inert(&text, Mode::Json);
            assert!(!out.contains("##["), "{out}");
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back, value);
        }
    }

    #[test]
    fn state_carries_across_writes_and_split_characters() {
        let mut state = Inert::default();
        let mut out = Vec::new();
        for part in [
            &b"  "[..],
            b":",
            b":x\nq#",
            b"#",
            b"[y\n\xe3\x80",
            b"\x80::z",
        ] {
            state.push(part, Mode::Text, &mut out);
        }
        state.finish(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  \\::x\nq##[\\y\n\u{3000}\\::z"
        );
    }

    #[test]
    fn invalid_utf8_is_kept_and_ends_the_blank_run() {
        let mut state = Inert::default();
        let mut out = Vec::new();
        state.push(b"\xff::x\n ::y", Mode::Text, &mut out);
        assert_eq!(out, b"\xff::x\n \\::y");
        assert!(!state.at_line_start());
        state.push(b"\n", Mode::Text, &mut out);
        assert!(state.at_line_start());
    }
}

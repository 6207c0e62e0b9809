//! Text from the release (file names, package names, messages quoting them) made safe to
//! print: control characters (C0, DEL, C1), which include the ESC that starts an ANSI
//! sequence, and the bidirectional overrides that reorder what a reader sees, are written as
//! visible escapes (`\x1b`, `\n`, `\u{202e}`). A file name cannot recolour, move the cursor,
//! retitle the terminal, or forge a line of the report.

use std::borrow::Cow;

/// `text` with every character that would act on the terminal (or reorder the line) escaped.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && acts(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if acts(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control characters and the Unicode bidi embedding/override/isolate controls.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_and_control_characters_are_shown_not_acted_on() {
        assert_eq!(visible("plain name.tar.gz"), "plain name.tar.gz");
        assert_eq!(visible("a\x1b[31mred\x1b[0m"), "a\\x1b[31mred\\x1b[0m");
        assert_eq!(visible("x\ny\rz\t"), "x\\ny\\rz\\t");
        assert_eq!(visible("\u{9b}2J"), "\\x9b2J");
        assert_eq!(visible("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(visible("\x07\x7f"), "\\x07\\x7f");
    }
}

//! GitHub workflow commands (`::error file=…,line=…::message`) with the escaping the runner
//! expects, so no value from a release can end a command early or start a new one.

/// Escape a command's message: `%`, CR and LF (the runner un-escapes them).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: as data, plus `:` and `,`, which separate properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation levels GitHub shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One annotation: a level, optional file/line/title, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub level: Level,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub title: Option<String>,
    pub message: String,
}

impl Annotation {
    pub fn new(level: Level, message: impl Into<String>) -> Annotation {
        Annotation {
            level,
            file: None,
            line: None,
            title: None,
            message: message.into(),
        }
    }

    pub fn title(mut self, title: impl Into<String>) -> Annotation {
        self.title = Some(title.into());
        self
    }

    /// The workflow command line, newline included.
    pub fn render(&self) -> String {
        let mut properties = Vec::new();
        if let Some(file) = &self.file {
            properties.push(format!("file={}", escape_property(file)));
            if let Some(line) = self.line {
                properties.push(format!("line={line}"));
            }
        }
        if let Some(title) = &self.title {
            properties.push(format!("title={}", escape_property(title)));
        }
        let properties = if properties.is_empty() {
            String::new()
        } else {
            format!(" {}", properties.join(","))
        };
        format!(
            "::{}{properties}::{}\n",
            self.level.name(),
            escape_data(&self.message)
        )
    }
}

/// A fresh unguessable token (for output delimiters): content from the release cannot
/// predict it, so it cannot forge the end of a block.
pub fn random_token() -> std::io::Result<String> {
    random_bytes_hex(16)
}

/// `len` bytes from the operating system's random source, as hex.
pub fn random_bytes_hex(len: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_cr_lf_only() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn percent_is_escaped_first_so_escapes_are_not_doubled() {
        // A literal "%0A" in a file name must survive as text, not become a newline.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn renders_error_with_file_line_title() {
        let mut a = Annotation::new(Level::Error, "bad\n::warning::forged").title("sig.x: y");
        a.file = Some("rel/SHA256SUMS".into());
        a.line = Some(3);
        assert_eq!(
            a.render(),
            "::error file=rel/SHA256SUMS,line=3,title=sig.x%3A y::bad%0A::warning::forged\n"
        );
    }

    #[test]
    fn line_without_file_is_dropped_and_bare_command_has_no_space() {
        let mut a = Annotation::new(Level::Notice, "ok");
        a.line = Some(9);
        assert_eq!(a.render(), "::notice::ok\n");
    }

    #[test]
    fn tokens_are_fresh_hex_of_the_asked_length() {
        let t1 = random_token().unwrap();
        let t2 = random_token().unwrap();
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 32);
        let long = random_bytes_hex(32).unwrap();
        assert_eq!(long.len(), 64);
        assert!(long.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
